"""Start bodies for jobs against the emulator processes (the server runs in sandbox mode, so it
accepts their loopback addresses)."""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.asana import create_app as asana_sandbox
from tests.reliability.procs import Emulator
from tests.reliability.truth import OKTA_TOKEN

ASANA_USERS = 4
ASANA_SEED = 41  # every Asana emulator in these tests: same seed, so the same tokens and gids


def asana_emulator(folder: Any, wait: bool = True, **options: Any) -> Emulator:
    return Emulator("asana", folder, wait, users=ASANA_USERS, seed=ASANA_SEED, **options)


def asana_job(emulator: Emulator, seed: int, *, tokens: int = 3, first_token: int = 0,
              **extra: Any) -> dict[str, Any]:
    described = asana_sandbox(users=ASANA_USERS, seed=ASANA_SEED).describe(emulator.api_base)
    org = next(w["gid"] for w in described["workspaces"] if w["is_organization"])
    users = described["users"][first_token:first_token + tokens]
    return {"connection_type": "asana", "industry": "technology", "workspace_gid": org,
            "base_url": emulator.api_base, "initial_projects": 2, "content_provider": "offline",
            "time_scale": 20_000.0, "activity_level": "high", "seed": seed,
            "user_tokens": [{"name": f"user{first_token + i}", "token": u["token"]}
                            for i, u in enumerate(users)], **extra}


def okta_job(emulator: Emulator, seed: int, **extra: Any) -> dict[str, Any]:
    org_url = emulator.root
    return {"connection_type": "okta", "industry": "technology", "org_url": org_url, "org_size": "startup",
            "initial_users": 30, "content_provider": "offline", "time_scale": 1_000_000.0,
            "activity_level": "high", "seed": seed,
            "user_tokens": [{"name": "admin", "token": OKTA_TOKEN, "org_url": org_url}], **extra}
