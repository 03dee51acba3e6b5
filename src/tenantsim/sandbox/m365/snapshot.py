"""A tenant's data as JSON-friendly values and back: what ``persist.py`` saves. Model objects are flat
dataclasses, so ``vars(obj)`` is their JSON form; the id generator's state is saved so ids issued after a
restore never repeat earlier ones."""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.m365.model import Bucket, Channel, Group, Message, Plan, Task, Team, User
from tenantsim.sandbox.m365.tenant import Tenant
from tenantsim.sandbox.persist import rng_state, set_rng_state

_TABLES: dict[str, type] = {
    "users": User,
    "groups": Group,
    "teams": Team,
    "channels": Channel,
    "plans": Plan,
    "buckets": Bucket,
    "tasks": Task,
}


def dump_tenant(tenant: Tenant) -> dict[str, Any]:
    """Live references, not copies: serialise the result before the tenant changes again."""
    out: dict[str, Any] = {
        "domain": tenant.domain,
        "seed": tenant.seed,
        "tenant_id": tenant.tenant_id,
        "rng": rng_state(tenant.rng),
        "last_message_ms": tenant.last_message_ms,
        "operations": tenant.operations,
        "messages": [vars(m) for m in tenant.messages.values()],
    }
    for name in _TABLES:
        out[name] = [vars(item) for item in getattr(tenant, name).values()]
    return out


def load_tenant(data: dict[str, Any]) -> Tenant:
    tenant = Tenant(domain=str(data["domain"]), seed=int(data["seed"]), tenant_id=str(data["tenant_id"]))
    set_rng_state(tenant.rng, data["rng"])
    tenant.last_message_ms = int(data["last_message_ms"])
    tenant.operations = {str(k): list(v) for k, v in data["operations"].items()}
    for name, kind in _TABLES.items():
        setattr(tenant, name, {item.id: item for item in (kind(**fields) for fields in data[name])})
    tenant.messages = {
        f"{m.channel_id}/{m.id}": m for m in (Message(**fields) for fields in data["messages"])
    }
    return tenant
