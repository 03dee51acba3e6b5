"""Ground truth for the reliability tests: what the emulators hold, what the ledger says, and the
comparison between them (no duplicates, nothing unrecorded, nothing left after cleanup)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import Engine

from tenantsim.store import jobs_repo
from tenantsim.store.ledger_repo import SqlLedger
from tenantsim.store.ledger_types import LedgerEntry
from tests.reliability.procs import Emulator

# Ledger kinds that are objects of their own on the Asana emulator (sections go with their project).
ASANA_KINDS = ("project", "task", "subtask", "tag", "custom_field", "portfolio", "comment")
# On Okta: people, groups, and apps granted to a person (USER scope) or to a group.
OKTA_KINDS = ("user", "group", "app_assignment", "app_group_assignment")
OKTA_TOKEN = "00sandbox-okta-admin"


def asana_objects(emulator: Emulator) -> set[tuple[str, str]]:
    """(kind, gid) of every live object made on the emulator since it started."""
    found = set()
    for item in emulator.admin("GET", "objects")["objects"]:
        kind = item["resource_type"]
        if kind == "task" and item.get("parent"):
            kind = "subtask"
        found.add((kind, str(item["gid"])))
    return found


def _okta_get(http: httpx.Client, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
    """A GET that waits out the org's rate limit like any Okta client must (the job shares it)."""
    while True:
        response = http.get(url, params=params)
        if response.status_code != 429:
            response.raise_for_status()
            return response
        reset = float(response.headers.get("X-Rate-Limit-Reset") or time.time() + 1)
        time.sleep(min(5.0, max(0.1, reset - time.time())))


def _okta_pages(http: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of an Okta listing, following the Link rel="next" headers."""
    items: list[dict[str, Any]] = []
    response = _okta_get(http, path, {"limit": 200, **params})
    while True:
        items += response.json()
        following = response.links.get("next", {}).get("url")
        if not following:
            return items
        response = _okta_get(http, following)


def okta_objects(emulator: Emulator, baseline: set[tuple[str, str]] | None = None) -> set[tuple[str, str]]:
    """(kind, id) of what the Okta org holds, read through its public API; ``baseline`` (what the
    org held before the job) is left out. App grants are "<app id>:<user or group id>"."""
    headers = {"Authorization": f"SSWS {OKTA_TOKEN}", "Accept": "application/json"}
    with httpx.Client(base_url=emulator.root, headers=headers, timeout=30) as http:

        def users(status: str | None) -> set[tuple[str, str]]:
            extra = {"filter": f'status eq "{status}"'} if status else {}
            return {("user", u["id"]) for u in _okta_pages(http, "/api/v1/users", **extra)}

        def grants(app_id: str) -> set[tuple[str, str]]:
            people = _okta_pages(http, f"/api/v1/apps/{app_id}/users")
            teams = _okta_pages(http, f"/api/v1/apps/{app_id}/groups")
            return ({("app_assignment", f"{app_id}:{u['id']}") for u in people if u.get("scope") == "USER"}
                    | {("app_group_assignment", f"{app_id}:{g['id']}") for g in teams})

        apps = [a["id"] for a in _okta_pages(http, "/api/v1/apps")]
        with ThreadPoolExecutor(max_workers=8) as pool:
            parts = [pool.submit(users, None), pool.submit(users, "DEPROVISIONED"),
                     *(pool.submit(grants, app_id) for app_id in apps)]
            found = {("group", g["id"]) for g in _okta_pages(http, "/api/v1/groups")}
            for part in parts:
                found |= part.result()
    return found - (baseline or set())


def platform_key(entry: LedgerEntry) -> tuple[str, str]:
    """How a ledger row names its object on the platform (app grants: app id and grantee id)."""
    if entry.kind in ("app_assignment", "app_group_assignment"):
        return entry.kind, f"{entry.attrs.get('app_id')}:{entry.platform_id}"
    return entry.kind, str(entry.platform_id)


def ledger(engine: Engine, job_id: str) -> list[LedgerEntry]:
    row = jobs_repo.get_job(engine, job_id) or {}
    return SqlLedger(engine, job_id, str(row.get("connection_type") or "asana")).entries()


def job(engine: Engine, job_id: str) -> dict[str, Any]:
    row = jobs_repo.get_job(engine, job_id)
    assert row is not None
    return row


def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition",
               every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def assert_ledger_matches(entries: list[LedgerEntry], platform: set[tuple[str, str]],
                          kinds: tuple[str, ...]) -> None:
    """The job is quiescent: every object it made is in its ledger as created, exactly once, and every
    created ledger row exists. Whatever was not made is recorded as failed with a reason."""
    live = [e for e in entries if e.kind in kinds and e.status == "created"]
    recorded = {platform_key(e) for e in live}
    ids = Counter(platform_key(e) for e in live)
    assert not [i for i, n in ids.items() if n > 1], "one platform object recorded under two keys"
    unsettled = [(e.kind, e.key, e.platform_id) for e in entries if e.status == "intent"]
    assert not unsettled, f"intents left unsettled: {unsettled[:5]}"
    unexplained = [e for e in entries if e.status == "failed" and not e.error]
    assert not unexplained, f"failed without a reason: {unexplained[:3]}"
    assert platform - recorded == set(), f"made on the platform but not in the ledger: {platform - recorded}"
    assert recorded - platform == set(), f"in the ledger but not on the platform: {recorded - platform}"


def assert_clean(entries: list[LedgerEntry], platform: set[tuple[str, str]]) -> None:
    """After cleanup: nothing the job made is left, and the ledger says every object was deleted."""
    assert platform == set(), f"left behind after cleanup: {sorted(platform)[:10]}"
    left = [e for e in entries if e.status == "created" or (e.status == "failed" and e.platform_id)]
    assert left == [], f"ledger rows not deleted: {left[:5]}"
