"""An org's data as JSON-friendly values and back: what ``persist.py`` saves. The id sequence and the
generator's state are saved too, so ids issued after a restore never repeat earlier ones."""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.persist import rng_state, set_rng_state
from tenantsim.sandbox.salesforce.org import Org


def dump_org(org: Org, integration_user: str) -> dict[str, Any]:
    """Live references, not copies: serialise the result before the org changes again."""
    return {
        "seed": org.seed,
        "domain": org.domain,
        "org_id": org.org_id,
        "rng": rng_state(org.rng),
        "sequence": org.sequence,
        "case_number": org.case_number,
        "integration_user": integration_user,
        "records": list(org.records.values()),
    }


def load_org(data: dict[str, Any]) -> tuple[Org, str]:
    org = Org(seed=int(data["seed"]), domain=str(data["domain"]))
    org.org_id = str(data["org_id"])
    set_rng_state(org.rng, data["rng"])
    org.sequence = int(data["sequence"])
    org.case_number = int(data["case_number"])
    org.records = {str(r["Id"]): dict(r) for r in data["records"]}
    return org, str(data["integration_user"])
