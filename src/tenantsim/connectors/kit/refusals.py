"""A create refused before its intent was written: the name is another job's (its claim) or the tenant
already has it (looked up first). Recorded as failed all the same, so the build does not ask for it
again and the job's view says why.

The row carries no ``requested_at``: settle and cleanup never adopt an object for an intent without one
(no create followed it)."""

from __future__ import annotations

from typing import Any

from tenantsim.store.ledger_types import Ledger


def refused(ledger: Ledger, kind: str, key: str, reason: str, attrs: dict[str, Any] | None = None) -> None:
    if ledger.get(kind, key) is None:
        ledger.intent(kind, key, attrs={k: v for k, v in (attrs or {}).items() if k != "requested_at"})
    ledger.failed(kind, key, reason)
