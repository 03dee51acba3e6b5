"""A tenant's data as JSON-friendly values and back: what ``persist.py`` saves.

Model objects are flat dataclasses, so ``vars(obj)`` is their JSON form and ``Type(**fields)`` rebuilds
them. The id generator's state is saved too, so ids issued after a restore never repeat earlier ones.
"""

from __future__ import annotations

from typing import Any

from tenantsim.sandbox.google.model import Event, Group, Member, OrgUnit, User
from tenantsim.sandbox.google.tenant import Tenant
from tenantsim.sandbox.persist import rng_state, set_rng_state


def dump_tenant(tenant: Tenant) -> dict[str, Any]:
    """Live references, not copies: serialise the result before the tenant changes again."""
    return {
        "domain": tenant.domain,
        "seed": tenant.seed,
        "customer_id": tenant.customer_id,
        "admin_email": tenant.admin_email,
        "rng": rng_state(tenant.rng),
        "users": [vars(u) for u in tenant.users.values()],
        "emails": tenant.emails,
        "groups": [vars(g) for g in tenant.groups.values()],
        "group_emails": tenant.group_emails,
        "members": {gid: [vars(m) for m in held.values()] for gid, held in tenant.members.items()},
        "org_units": [vars(u) for u in tenant.org_units.values()],
        "events": {cal: [vars(e) for e in held.values()] for cal, held in tenant.events.items()},
    }


def load_tenant(data: dict[str, Any]) -> Tenant:
    tenant = Tenant(domain=str(data["domain"]), seed=int(data["seed"]))
    tenant.customer_id = str(data["customer_id"])
    tenant.admin_email = str(data["admin_email"])
    set_rng_state(tenant.rng, data["rng"])
    tenant.users = {u.id: u for u in (User(**fields) for fields in data["users"])}
    tenant.emails = {str(k): str(v) for k, v in data["emails"].items()}
    tenant.groups = {g.id: g for g in (Group(**fields) for fields in data["groups"])}
    tenant.group_emails = {str(k): str(v) for k, v in data["group_emails"].items()}
    tenant.members = {gid: {m.id: m for m in (Member(**fields) for fields in held)}
                      for gid, held in data["members"].items()}
    tenant.org_units = {u.id: u for u in (OrgUnit(**fields) for fields in data["org_units"])}
    tenant.events = {cal: {e.id: e for e in (Event(**fields) for fields in held)}
                     for cal, held in data["events"].items()}
    return tenant
