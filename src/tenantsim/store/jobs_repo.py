"""Queries on the jobs table. Plain functions over an Engine; each call is one short transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update

from tenantsim.store.tables import job_runs, jobs
from tenantsim.store.types import utcnow

Row = dict[str, Any]


def insert_job(engine: Engine, values: Row) -> None:
    now = utcnow()
    row = {"created_at": now, "updated_at": now, "progress": {}, "stats": {}, "llm_input_tokens": 0,
           "llm_output_tokens": 0, **values}
    with engine.begin() as conn:
        conn.execute(jobs.insert().values(**row))


def get_job(engine: Engine, job_id: str) -> Row | None:
    with engine.connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    return _normalise(dict(row)) if row else None


def list_jobs(engine: Engine, *, statuses: Sequence[str] | None = None, include_deleted: bool = False,
              limit: int = 200, offset: int = 0, columns: Sequence[str] | None = None) -> list[Row]:
    cols = [jobs.c[name] for name in columns] if columns else [jobs]
    query = select(*cols).order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit).offset(offset)
    if statuses:
        query = query.where(jobs.c.status.in_(list(statuses)))
    elif not include_deleted:
        query = query.where(jobs.c.status != "deleted")
    with engine.connect() as conn:
        return [_normalise(dict(r)) for r in conn.execute(query).mappings()]


def count_jobs(engine: Engine, *, statuses: Sequence[str] | None = None,
               include_deleted: bool = False) -> int:
    query = select(func.count()).select_from(jobs)
    if statuses:
        query = query.where(jobs.c.status.in_(list(statuses)))
    elif not include_deleted:
        query = query.where(jobs.c.status != "deleted")
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def status_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
    return {status: int(n) for status, n in rows}


def update_job(engine: Engine, job_id: str, **values: Any) -> None:
    values["updated_at"] = utcnow()
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))


MAX_KEPT_ERRORS = 1000  # per list in a cleanup result: the newest, so a row cannot grow without bound


def merge_cleanup_results(before: Any, run: Any) -> Any:
    """One cleanup run's result added to the totals of the runs before it.

    Counts are summed; lists (``errors``, ``failed_projects``) are kept, earlier runs' first; a
    ``total_*`` figure is a size, not something a run did, so the largest is kept; nested mappings
    merge the same way; anything else takes the newest value."""
    if isinstance(before, dict) and isinstance(run, dict):
        merged = dict(before)
        for key, value in run.items():
            if key not in merged:
                merged[key] = value
            elif str(key).startswith("total_") and _is_number(value) and _is_number(merged[key]):
                merged[key] = max(merged[key], value)
            else:
                merged[key] = merge_cleanup_results(merged[key], value)
        return merged
    if _is_number(before) and _is_number(run):
        return before + run
    if isinstance(before, list) and isinstance(run, list):
        return [*before, *run][-MAX_KEPT_ERRORS:]
    return run


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def add_cleanup_result(engine: Engine, job_id: str, result: dict[str, Any], **values: Any) -> Row:
    """Add one cleanup run's ``result`` to the job's stored ``cleanup_result`` (the totals of every run:
    a second cleanup of a cleaned job finds nothing and must not overwrite what the first one did),
    setting ``values`` (status, stopped_at, ...) in the same transaction. Returns the new totals."""
    with engine.begin() as conn:
        stored = conn.execute(select(jobs.c.cleanup_result).where(jobs.c.id == job_id)
                              .with_for_update()).scalar_one_or_none()
        totals = merge_cleanup_results(stored, result) if isinstance(stored, dict) else dict(result)
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(
            cleanup_result=totals, updated_at=utcnow(), **values))
    return dict(totals)


def set_status(engine: Engine, job_id: str, status: str, *, expect: Sequence[str] | None = None,
               **values: Any) -> bool:
    """Move a job to ``status`` (only from one of ``expect`` when given). True when it moved."""
    query = update(jobs).where(jobs.c.id == job_id)
    if expect is not None:
        query = query.where(jobs.c.status.in_(list(expect)))
    with engine.begin() as conn:
        result = conn.execute(query.values(status=status, updated_at=utcnow(), **values))
    return bool(result.rowcount)


# -- leases: one owner per running job (several servers on PostgreSQL) ------------------------------

def claim_jobs(engine: Engine, owner: str, statuses: Sequence[str], lease_seconds: float,
               limit: int = 1000) -> list[str]:
    """Take jobs in ``statuses`` whose lease is free or lapsed. Returns the ids now owned by ``owner``.

    The UPDATE's WHERE re-checks the lease, so two servers racing for one job cannot both win.
    """
    now = utcnow()
    free = or_(jobs.c.owner.is_(None), jobs.c.lease_expires_at.is_(None), jobs.c.lease_expires_at < now,
               jobs.c.owner == owner)
    with engine.connect() as conn:
        candidates = [r[0] for r in conn.execute(
            select(jobs.c.id).where(and_(jobs.c.status.in_(list(statuses)), free)).limit(limit))]
    won: list[str] = []
    expires = now + timedelta(seconds=lease_seconds)
    for job_id in candidates:
        with engine.begin() as conn:
            result = conn.execute(
                update(jobs).where(and_(jobs.c.id == job_id, jobs.c.status.in_(list(statuses)), free))
                .values(owner=owner, lease_expires_at=expires))
        if result.rowcount:
            won.append(job_id)
    return won


def renew_leases(engine: Engine, owner: str, job_ids: Sequence[str], lease_seconds: float) -> set[str]:
    """Extend this server's leases; returns the ids it still owns (a lost lease means stop the job)."""
    if not job_ids:
        return set()
    expires = utcnow() + timedelta(seconds=lease_seconds)
    with engine.begin() as conn:
        conn.execute(update(jobs).where(and_(jobs.c.owner == owner, jobs.c.id.in_(list(job_ids))))
                     .values(lease_expires_at=expires))
        rows = conn.execute(select(jobs.c.id).where(and_(jobs.c.owner == owner,
                                                         jobs.c.id.in_(list(job_ids))))).all()
    return {r[0] for r in rows}


def release_lease(engine: Engine, owner: str, job_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(jobs).where(and_(jobs.c.id == job_id, jobs.c.owner == owner))
                     .values(owner=None, lease_expires_at=None))


def owned_statuses(engine: Engine, owner: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.status).where(jobs.c.owner == owner)).all()
    return {r[0]: r[1] for r in rows}


def _normalise(row: Row) -> Row:
    if "connection_type" in row and not row["connection_type"]:
        row["connection_type"] = "asana"  # legacy jobs stored before Okta existed
    return row


def add_llm_tokens(engine: Engine, job_id: str, input_tokens: int, output_tokens: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(
            llm_input_tokens=jobs.c.llm_input_tokens + int(input_tokens),
            llm_output_tokens=jobs.c.llm_output_tokens + int(output_tokens)))


# -- deadlines of jobs with no running worker ---------------------------------------------------------

def claim_due(engine: Engine, owner: str, column: str, statuses: Sequence[str], new_status: str,
              lease_seconds: float, **values: Any) -> list[str]:
    """Jobs in ``statuses`` whose ``column`` deadline passed, moved to ``new_status`` and leased to
    ``owner`` in one UPDATE each: with several servers, exactly one acts on each job."""
    now = utcnow()
    col = jobs.c[column]
    free = or_(jobs.c.owner.is_(None), jobs.c.lease_expires_at.is_(None), jobs.c.lease_expires_at < now,
               jobs.c.owner == owner)
    due = and_(col.is_not(None), col <= now, jobs.c.status.in_(list(statuses)), free)
    with engine.connect() as conn:
        candidates = [r[0] for r in conn.execute(select(jobs.c.id).where(due))]
    won: list[str] = []
    for job_id in candidates:
        with engine.begin() as conn:
            result = conn.execute(update(jobs).where(and_(jobs.c.id == job_id, due)).values(
                status=new_status, owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds),
                updated_at=now, **values))
        if result.rowcount:
            won.append(job_id)
    return won


# -- the ownership audit: which server ran which job, when -------------------------------------------

def open_run(engine: Engine, job_id: str, server_id: str, mode: str) -> int:
    with engine.begin() as conn:
        result = conn.execute(job_runs.insert().values(job_id=job_id, server_id=server_id, mode=mode,
                                                       started_at=utcnow()))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def close_run(engine: Engine, run_id: int, reason: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(job_runs).where(and_(job_runs.c.id == run_id, job_runs.c.ended_at.is_(None)))
                     .values(ended_at=utcnow(), end_reason=reason[:40]))


def list_runs(engine: Engine, job_id: str | None = None) -> list[Row]:
    query = select(job_runs).order_by(job_runs.c.job_id, job_runs.c.started_at, job_runs.c.id)
    if job_id is not None:
        query = query.where(job_runs.c.job_id == job_id)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def take_for_cleanup(engine: Engine, job_id: str, owner: str, lease_seconds: float, *, keep_status: bool,
                     busy: Sequence[str]) -> bool:
    """Mark a job for cleanup. True: ``owner`` now holds it and runs the cleanup. False: another
    live server holds it in one of the ``busy`` statuses; it was marked cleaning and that server's
    poll loop turns its worker into the cleanup (so a job never runs on two servers at once)."""
    now = utcnow()
    mine = or_(jobs.c.owner.is_(None), jobs.c.lease_expires_at.is_(None), jobs.c.lease_expires_at < now,
               jobs.c.owner == owner, jobs.c.status.not_in(list(busy)))
    status = {} if keep_status else {"status": "cleaning"}
    with engine.begin() as conn:
        taken = conn.execute(update(jobs).where(and_(jobs.c.id == job_id, mine)).values(
            owner=owner, lease_expires_at=now + timedelta(seconds=lease_seconds), updated_at=now, **status))
        if taken.rowcount:
            return True
        if status:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(updated_at=now, **status))
    return False
