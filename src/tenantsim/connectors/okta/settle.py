"""Removals during activity, made crash-safe. An access review (app_revoke) and a departure (deactivate,
which makes Okta drop the person's app assignments) change what exists on Okta, and the ledger must
follow. Each marks its ledger row *before* the call; if the job dies between the call and the ledger
update, the next start finds the mark and settles it, so the ledger never names an assignment Okta no
longer holds, and never forgets one it still does.
"""

from __future__ import annotations

from tenantsim.connectors.base import Ledger
from tenantsim.connectors.okta.people import Worker
from tenantsim.connectors.okta.pool import OktaClientPool
from tenantsim.errors import NotFoundOnPlatform

REMOVING = "removing"  # app_assignment attr: an unassign call may have been made
DEPARTING = "departing"  # user attr: a deactivate call may have been made
DEPROVISIONED = "DEPROVISIONED"


def assignments_gone_with(ledger: Ledger, worker: Worker) -> None:
    """Okta removes a deactivated person's app assignments: so does the ledger."""
    for entry in ledger.entries("app_assignment", statuses=["created"]):
        if entry.attrs.get("user_key") == worker.key:
            ledger.deleted("app_assignment", entry.key)


async def settle(ledger: Ledger, pool: OktaClientPool, roster: dict[str, Worker]) -> int:
    """Finish what a crash interrupted; returns how many rows were settled."""
    settled = 0
    for entry in ledger.entries("app_assignment", statuses=["created"]):
        if not entry.attrs.get(REMOVING):
            continue
        worker = roster.get(str(entry.attrs.get("user_key")))
        member = pool.by_label(entry.actor) or pool.members[0]
        if worker is not None:
            try:  # unassigning again is harmless; 404 means it was done
                await member.client.unassign_user_from_app(str(entry.attrs["app_id"]), worker.user_id)
            except NotFoundOnPlatform:
                pass
        ledger.deleted("app_assignment", entry.key)
        settled += 1
    for worker in list(roster.values()):
        row = ledger.get("user", worker.key)
        if row is None or not row.attrs.get(DEPARTING):
            continue
        try:
            user = await pool.members[0].client.get_user(worker.user_id)
            status = str(user.get("status"))
        except NotFoundOnPlatform:
            status = DEPROVISIONED
        if status == DEPROVISIONED:  # the deactivation happened: record what it did
            worker.status = DEPROVISIONED
            assignments_gone_with(ledger, worker)
        ledger.update_attrs("user", worker.key, {**worker.attrs(), DEPARTING: False})
        settled += 1
    return settled
