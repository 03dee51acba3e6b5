"""The first step of converging a person on an identity platform: their account.

A departed person's departure is made once (their ledger row records the platform status it left them
in); anyone else's account is made if it is missing. Then the rest of converging compares the company
with what the ledger row says the platform was last made to show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tenantsim.scenario.company import DEPARTED, Employee
from tenantsim.store.ledger_types import Ledger, LedgerEntry


async def account_of(ledger: Ledger, person: Employee, *, departed_status: str,
                     depart: Callable[[str], Awaitable[None]],
                     ensure: Callable[[], Awaitable[str | None]]) -> tuple[str, LedgerEntry] | None:
    """The person's account id and ledger row, the account made first if missing (``ensure``). None for a
    departed person, whose departure (``depart(account id)``) is made unless the row already records
    ``departed_status``, and for an account that could not be made."""
    if person.status == DEPARTED:
        entry = ledger.get("user", person.key)
        if entry is not None and entry.status == "created" and entry.attrs.get("status") != departed_status:
            await depart(str(entry.platform_id))
        return None
    uid = await ensure()
    if uid is None:
        return None
    entry = ledger.get("user", person.key)
    assert entry is not None
    return uid, entry
