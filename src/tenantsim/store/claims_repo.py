"""Tenant claims: which job holds a name that must be unique in a tenant. Implements
``ledger_types.Claims`` for one job; the names it holds are remembered, so asking again costs nothing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, and_, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from tenantsim.store.tables import tenant_claims
from tenantsim.store.types import utcnow


class SqlClaims:
    def __init__(self, engine: Engine, job_id: str) -> None:
        self.engine = engine
        self.job_id = job_id
        self._held: set[tuple[str, str, str]] = set()

    def held(self, tenant: str, kind: str, name: str) -> bool:
        """Whether this job is known to hold the name (no database read)."""
        return (tenant, kind, name) in self._held

    def claim(self, tenant: str, kind: str, name: str) -> bool:
        """Take the name for this job; False when another job holds it. Claiming again is harmless."""
        return name in self.claim_many(tenant, kind, [name])

    def claim_many(self, tenant: str, kind: str, names: Iterable[str]) -> set[str]:
        """Take every name no other job holds, in one transaction; the names this job now holds."""
        wanted = {n for n in names if (tenant, kind, n) not in self._held}
        if wanted:
            now = utcnow()
            insert = (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)(
                tenant_claims)
            where = and_(tenant_claims.c.tenant == tenant, tenant_claims.c.kind == kind,
                         tenant_claims.c.name.in_(sorted(wanted)), tenant_claims.c.job_id == self.job_id)
            with self.engine.begin() as conn:
                conn.execute(insert.on_conflict_do_nothing(), [
                    {"tenant": tenant, "kind": kind, "name": n, "job_id": self.job_id, "created_at": now}
                    for n in sorted(wanted)])
                mine = set(conn.execute(select(tenant_claims.c.name).where(where)).scalars())
            self._held.update((tenant, kind, n) for n in mine)
        return {n for n in names if (tenant, kind, n) in self._held}


def release_job(engine: Engine, job_id: str) -> None:
    """A cleaned-up job's names are free again: what it made under them is gone."""
    with engine.begin() as conn:
        conn.execute(delete(tenant_claims).where(tenant_claims.c.job_id == job_id))
