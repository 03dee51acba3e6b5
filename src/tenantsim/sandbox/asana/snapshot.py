"""An Asana store's tenant data as JSON-friendly values and back: what ``persist.py`` saves.

Records are already plain dicts, saved in list order (their order in the file is their order again on
load). The organization, the workspace and the teams are the very records in
``records`` (routes change them in place), so they are saved by gid and re-linked on load. The gid
generator's state is saved too: gids issued after a restore continue the sequence, never repeat it.
"""

from __future__ import annotations

import random
from typing import Any

from tenantsim.sandbox.asana.record_table import RecordTable
from tenantsim.sandbox.asana.store import Store
from tenantsim.sandbox.persist import rng_state, set_rng_state


def dump_store(store: Store) -> dict[str, Any]:
    """Live references, not copies: serialise the result before the store changes again."""
    return {
        "plan": store.plan,
        "seed": store.seed,
        "rng": rng_state(store._rng),
        "next_gid": store._next_gid,
        "records": store.records.in_order(),
        "trash": list(store.trash.values()),
        "tokens": store.tokens,
        "user_order": store.user_order,
        "organization": store.organization["gid"],
        "workspace": store.workspace["gid"],
        "teams": [team["gid"] for team in store.teams],
        "preexisting": sorted(store.preexisting),
    }


def load_store(data: dict[str, Any]) -> Store:
    store = Store.__new__(Store)  # not __init__: that would seed a fresh tenant
    store.plan = str(data["plan"])
    store.seed = int(data["seed"])
    store._rng = random.Random()
    set_rng_state(store._rng, data["rng"])
    store._next_gid = int(data["next_gid"])
    store.records = RecordTable(data["records"])
    store.trash = {str(r["gid"]): r for r in data["trash"]}
    store.tokens = {str(token): str(gid) for token, gid in data["tokens"].items()}
    store.user_order = [str(gid) for gid in data["user_order"]]
    store.organization = store.records[data["organization"]]
    store.workspace = store.records[data["workspace"]]
    store.teams = [store.records[gid] for gid in data["teams"]]
    store.preexisting = {str(gid) for gid in data["preexisting"]}
    store.init_sync()
    if any(gid not in store.records for gid in [*store.user_order, *store.tokens.values()]):
        raise KeyError("user")  # a token that points at nobody: the file is damaged
    return store
