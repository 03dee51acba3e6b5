"""The ledger: every object a job created. Implements ``ledger_types.Ledger`` for one job on one platform."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, and_, func, select

from tenantsim.store.job_journal import JobJournal
from tenantsim.store.ledger_types import LedgerEntry
from tenantsim.store.tables import ledger
from tenantsim.store.types import utcnow


def _entry(row: Any) -> LedgerEntry:
    return LedgerEntry(kind=row.kind, key=row.key, platform_id=row.platform_id, parent_key=row.parent_key,
                       actor=row.actor, status=row.status, attrs=dict(row.attrs or {}), error=row.error,
                       recorded_at=row.created_at)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _copied(value: Any) -> Any:
    """A copy of a JSON value's lists and dicts (attrs hold JSON; ``copy.deepcopy`` is ten times slower).
    Strings and numbers, most of any record, are taken as they are without a call each."""
    if isinstance(value, dict):
        return {k: v if type(v) in _PLAIN else _copied(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [v if type(v) in _PLAIN else _copied(v) for v in value]
    return value


def _frozen(attrs: dict[str, Any]) -> dict[str, Any]:
    """The attrs as they are now: a caller's list or dict changed later must not change the record."""
    frozen: dict[str, Any] = _copied(attrs)
    return frozen


class SqlLedger:
    """One job's rows on one platform. Every change goes to the job's journal (``store/job_journal.py``).

    For a running job (a journal with the store's writer) the rows are held in memory, loaded on first
    use: the job is their only writer, so reads never need the database and writes are batched.
    Otherwise (tests, tools, another job's view) every read asks the database and every change is
    written at once, as if by a restarted job.

    Entries handed out are the ledger's own records: read them, change them only through its methods."""

    def __init__(self, engine: Engine, job_id: str, platform: str, journal: JobJournal | None = None) -> None:
        self.engine = engine
        self.job_id = job_id
        self.platform = platform
        self.journal = journal or JobJournal(engine, job_id)
        self._cached = self.journal.writer is not None
        self._loaded: dict[tuple[str, str], LedgerEntry] | None = None
        self._by_kind: dict[str, dict[str, LedgerEntry]] = {}
        # (kind, parent key) -> rows: a person's grants without a scan of every grant (a row's parent
        # is set by its intent and never changes)
        self._by_parent: dict[tuple[str, str | None], dict[str, LedgerEntry]] = {}

    @property
    def _rows(self) -> dict[tuple[str, str], LedgerEntry]:
        if self._loaded is None:
            query = (select(ledger).where(and_(ledger.c.job_id == self.job_id,
                                               ledger.c.platform == self.platform)).order_by(ledger.c.id))
            with self.engine.connect() as conn:
                found = [_entry(r) for r in conn.execute(query)]
            self._loaded = {(e.kind, e.key): e for e in found}
            for entry in found:
                self._index(entry)
        return self._loaded

    def _row(self, kind: str, key: str) -> LedgerEntry | None:
        if self._cached:
            return self._rows.get((kind, key))
        where = and_(ledger.c.job_id == self.job_id, ledger.c.platform == self.platform,
                     ledger.c.kind == kind, ledger.c.key == key)
        with self.engine.connect() as conn:
            row = conn.execute(select(ledger).where(where)).first()
        return _entry(row) if row else None

    def preload(self) -> None:
        """Read the rows now (from a thread, so a job starting does not read on the event loop)."""
        _ = self._rows

    def intent(self, kind: str, key: str, *, parent_key: str | None = None, actor: str | None = None,
               attrs: dict[str, Any] | None = None) -> LedgerEntry:
        found = self._row(kind, key)
        if found is not None:  # recorded before (a restart): keep that one
            return found
        entry = LedgerEntry(kind=kind, key=key, parent_key=parent_key, actor=actor,
                            attrs=_frozen(attrs or {}), recorded_at=utcnow())
        if self._cached:
            self._rows[(kind, key)] = entry
            self._index(entry)
        self.journal.row(self.platform, entry, new=True)
        self.journal.changed()
        return entry

    def created(self, kind: str, key: str, platform_id: str, attrs: dict[str, Any] | None = None,
                progress: dict[str, Any] | None = None) -> None:
        entry = self._row(kind, key)
        if entry is not None:
            entry.platform_id, entry.status, entry.error = platform_id, "created", None
            if attrs:
                entry.attrs = {**entry.attrs, **_frozen(attrs)}
            self.journal.row(self.platform, entry)
        if progress is not None:  # written with the row: a restart sees both or neither
            self.journal.progress(progress)
        if entry is not None or progress is not None:
            self.journal.changed()

    def update_attrs(self, kind: str, key: str, attrs: dict[str, Any]) -> None:
        self._change(kind, key, attrs={**self._attrs(kind, key), **_frozen(attrs)})

    def deleted(self, kind: str, key: str) -> None:
        self._change(kind, key, ahead=False, status="deleted")  # after the fact: deleting again is safe

    def failed(self, kind: str, key: str, reason: str) -> None:
        self._change(kind, key, status="failed", error=reason[:2000])

    def _attrs(self, kind: str, key: str) -> dict[str, Any]:
        entry = self._row(kind, key)
        return entry.attrs if entry is not None else {}

    def _change(self, kind: str, key: str, *, ahead: bool = True, **values: Any) -> None:
        entry = self._row(kind, key)
        if entry is None:  # nothing recorded under that key: nothing to change
            return
        for name, value in values.items():
            setattr(entry, name, value)
        self.journal.row(self.platform, entry)
        self.journal.changed(ahead=ahead)

    def _index(self, entry: LedgerEntry) -> None:
        self._by_kind.setdefault(entry.kind, {})[entry.key] = entry
        self._by_parent.setdefault((entry.kind, entry.parent_key), {})[entry.key] = entry

    def get(self, kind: str, key: str) -> LedgerEntry | None:
        return self._row(kind, key)

    def entries(self, kind: str | None = None, statuses: Sequence[str] | None = None, *,
                parent_key: str | None = None) -> list[LedgerEntry]:
        if not self._cached:
            return self._read_entries(kind, statuses, parent_key)
        every = self._rows  # loads the rows (and their indexes) on first use
        rows: Iterable[LedgerEntry]
        if kind is not None and parent_key is not None:
            rows = self._by_parent.get((kind, parent_key), {}).values()
        elif kind is not None:
            rows = self._by_kind.get(kind, {}).values()
        else:
            rows = every.values() if parent_key is None else [e for e in every.values()
                                                              if e.parent_key == parent_key]
        if statuses is None:
            return list(rows)
        wanted = set(statuses)
        return [e for e in rows if e.status in wanted]

    def _read_entries(self, kind: str | None, statuses: Sequence[str] | None,
                      parent_key: str | None) -> list[LedgerEntry]:
        mine = and_(ledger.c.job_id == self.job_id, ledger.c.platform == self.platform)
        query = select(ledger).where(mine).order_by(ledger.c.id)
        if kind is not None:
            query = query.where(ledger.c.kind == kind)
        if parent_key is not None:
            query = query.where(ledger.c.parent_key == parent_key)
        if statuses is not None:
            query = query.where(ledger.c.status.in_(list(statuses)))
        with self.engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        """Objects that exist on the platform now, by kind (created and not yet deleted)."""
        if not self._cached:
            return kind_counts(self.engine, self.job_id, ("created",), self.platform)
        out: dict[str, int] = {}
        for entry in self._rows.values():
            if entry.status == "created":
                out[entry.kind] = out.get(entry.kind, 0) + 1
        return out

    async def flush(self) -> None:
        """Every change so far is in the database."""
        await self.journal.flush()


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
