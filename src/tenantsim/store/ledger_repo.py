"""The ledger: every object a job created. Implements ``ledger_types.Ledger`` for one job on one platform."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from tenantsim.store.ledger_types import LedgerEntry
from tenantsim.store.tables import jobs, ledger
from tenantsim.store.types import utcnow


def _entry(row: Any) -> LedgerEntry:
    return LedgerEntry(kind=row.kind, key=row.key, platform_id=row.platform_id, parent_key=row.parent_key,
                       actor=row.actor, status=row.status, attrs=dict(row.attrs or {}), error=row.error,
                       recorded_at=row.created_at)


class SqlLedger:
    def __init__(self, engine: Engine, job_id: str, platform: str) -> None:
        self.engine = engine
        self.job_id = job_id
        self.platform = platform

    def _where(self, kind: str, key: str) -> Any:
        return and_(ledger.c.job_id == self.job_id, ledger.c.platform == self.platform, ledger.c.kind == kind,
                    ledger.c.key == key)

    def intent(self, kind: str, key: str, *, parent_key: str | None = None, actor: str | None = None,
               attrs: dict[str, Any] | None = None) -> LedgerEntry:
        now = utcnow()
        values = {"job_id": self.job_id, "platform": self.platform, "kind": kind, "key": key,
                  "parent_key": parent_key, "actor": actor,
                  "status": "intent", "attrs": attrs or {}, "created_at": now, "updated_at": now}
        try:
            with self.engine.begin() as conn:
                conn.execute(ledger.insert().values(**values))
        except IntegrityError:  # recorded before (a restart) or by a concurrent writer: keep that one
            found = self.get(kind, key)
            assert found is not None
            return found
        return LedgerEntry(kind=kind, key=key, parent_key=parent_key, actor=actor, attrs=dict(attrs or {}),
                           recorded_at=now)

    def created(self, kind: str, key: str, platform_id: str, attrs: dict[str, Any] | None = None,
                progress: dict[str, Any] | None = None) -> None:
        now = utcnow()
        values: dict[str, Any] = {"platform_id": platform_id, "status": "created", "updated_at": now,
                                  "error": None}
        with self.engine.begin() as conn:
            if attrs:
                row = conn.execute(select(ledger.c.attrs).where(self._where(kind, key))).first()
                values["attrs"] = {**(dict(row[0] or {}) if row else {}), **attrs}
            conn.execute(update(ledger).where(self._where(kind, key)).values(**values))
            if progress is not None:  # one transaction: a restart sees both or neither
                conn.execute(update(jobs).where(jobs.c.id == self.job_id).values(progress=progress,
                                                                                  updated_at=now))

    def update_attrs(self, kind: str, key: str, attrs: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            row = conn.execute(select(ledger.c.attrs).where(self._where(kind, key))).first()
            if row is None:
                return
            merged = {**dict(row[0] or {}), **attrs}
            conn.execute(update(ledger).where(self._where(kind, key)).values(attrs=merged,
                                                                                 updated_at=utcnow()))

    def deleted(self, kind: str, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(ledger).where(self._where(kind, key)).values(status="deleted",
                                                                                 updated_at=utcnow()))

    def failed(self, kind: str, key: str, reason: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(ledger).where(self._where(kind, key)).values(
                status="failed", error=reason[:2000], updated_at=utcnow()))

    def get(self, kind: str, key: str) -> LedgerEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(ledger).where(self._where(kind, key))).first()
        return _entry(row) if row else None

    def entries(self, kind: str | None = None, statuses: Sequence[str] | None = None) -> list[LedgerEntry]:
        mine = and_(ledger.c.job_id == self.job_id, ledger.c.platform == self.platform)
        query = select(ledger).where(mine).order_by(ledger.c.id)
        if kind is not None:
            query = query.where(ledger.c.kind == kind)
        if statuses is not None:
            query = query.where(ledger.c.status.in_(list(statuses)))
        with self.engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        """Objects that exist on the platform now, by kind (created and not yet deleted)."""
        return kind_counts(self.engine, self.job_id, ("created",), self.platform)


def counts_by_status(engine: Engine, job_id: str) -> dict[str, dict[str, int]]:
    """status -> kind -> count, in one query (the job view derives all its figures from it)."""
    query = (select(ledger.c.status, ledger.c.kind, func.count()).where(ledger.c.job_id == job_id)
             .group_by(ledger.c.status, ledger.c.kind))
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for status, kind, n in conn.execute(query).all():
            out.setdefault(status, {})[kind] = int(n)
    return out


def kind_counts(engine: Engine, job_id: str, statuses: Sequence[str], platform: str | None = None) -> \
        dict[str, int]:
    where = and_(ledger.c.job_id == job_id, ledger.c.status.in_(list(statuses)))
    if platform is not None:
        where = and_(where, ledger.c.platform == platform)
    query = select(ledger.c.kind, func.count()).where(where).group_by(ledger.c.kind)
    with engine.connect() as conn:
        return {kind: int(n) for kind, n in conn.execute(query).all()}
