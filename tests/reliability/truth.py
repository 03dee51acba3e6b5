"""Ground truth for the reliability tests: what the emulators hold, what the ledger says, and the
comparison between them (no duplicates, nothing unrecorded, nothing left after cleanup)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from tenantsim.connectors.base import LedgerEntry
from tenantsim.store import jobs_repo
from tenantsim.store.ledger_repo import SqlLedger
from tests.reliability.procs import Emulator

# Ledger kinds that are objects of their own on the Asana emulator (sections go with their project).
ASANA_KINDS = ("project", "task", "subtask", "tag", "custom_field", "portfolio", "comment")


def asana_objects(emulator: Emulator) -> set[tuple[str, str]]:
    """(kind, gid) of every live object made on the emulator since it started."""
    found = set()
    for item in emulator.admin("GET", "objects")["objects"]:
        kind = item["resource_type"]
        if kind == "task" and item.get("parent"):
            kind = "subtask"
        found.add((kind, str(item["gid"])))
    return found


def ledger(engine: Engine, job_id: str) -> list[LedgerEntry]:
    return SqlLedger(engine, job_id).entries()


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
    recorded = {(e.kind, str(e.platform_id)) for e in live}
    ids = Counter(str(e.platform_id) for e in live)
    assert not [i for i, n in ids.items() if n > 1], "one platform object recorded under two keys"
    assert not [e for e in entries if e.status == "intent"], "intents left unsettled"
    unexplained = [e for e in entries if e.status == "failed" and not e.error]
    assert not unexplained, f"failed without a reason: {unexplained[:3]}"
    assert platform - recorded == set(), f"made on the platform but not in the ledger: {platform - recorded}"
    assert recorded - platform == set(), f"in the ledger but not on the platform: {recorded - platform}"


def assert_clean(entries: list[LedgerEntry], platform: set[tuple[str, str]]) -> None:
    """After cleanup: nothing the job made is left, and the ledger says every object was deleted."""
    assert platform == set(), f"left behind after cleanup: {sorted(platform)[:10]}"
    left = [e for e in entries if e.status == "created" or (e.status == "failed" and e.platform_id)]
    assert left == [], f"ledger rows not deleted: {left[:5]}"
