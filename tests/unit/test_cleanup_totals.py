"""A job's stored cleanup result is the total of every cleanup run: a second cleanup of a cleaned job
finds nothing to delete and must not overwrite what the first one did with zeros."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tenantsim.store import jobs_repo
from tenantsim.store.engine import make_engine, upgrade


def _job(tmp_path: Path) -> tuple[Engine, str]:
    url = f"sqlite:///{(tmp_path / 'totals.db').as_posix()}"
    upgrade(url)
    engine = make_engine(url)
    jobs_repo.insert_job(engine, {"id": "job_totals", "connection_type": "okta", "status": "stopped",
                                  "name": "n", "industry": "technology", "config": {}, "seed": 1})
    return engine, "job_totals"


def test_runs_add_up_and_errors_are_kept(tmp_path: Path) -> None:
    engine, job_id = _job(tmp_path)
    first = {"users_deleted": 50, "groups_deleted": 8, "assignments_removed": 200,
             "errors": ["user u1: 500 server error"]}
    again = {"users_deleted": 0, "groups_deleted": 0, "assignments_removed": 0, "errors": []}
    assert jobs_repo.add_cleanup_result(engine, job_id, first, status="cleaned") == first
    totals = jobs_repo.add_cleanup_result(engine, job_id, again, status="cleaned")
    row = jobs_repo.get_job(engine, job_id)
    assert row is not None
    assert row["cleanup_result"] == totals == first
    assert row["status"] == "cleaned"
    third = {"users_deleted": 1, "groups_deleted": 0, "assignments_removed": 2, "errors": ["group g: 403"]}
    totals = jobs_repo.add_cleanup_result(engine, job_id, third)
    assert totals == {"users_deleted": 51, "groups_deleted": 8, "assignments_removed": 202,
                      "errors": ["user u1: 500 server error", "group g: 403"]}


def test_asana_totals_are_sizes_not_sums() -> None:
    first = {"deleted_projects": 10, "deleted_tasks": 150, "deleted_subtasks": 300, "total_projects": 10,
             "failed_projects": [{"gid": "1", "error": "403"}]}
    again = {"deleted_projects": 1, "deleted_tasks": 0, "deleted_subtasks": 0, "total_projects": 10,
             "failed_projects": []}
    assert jobs_repo.merge_cleanup_results(first, again) == {
        "deleted_projects": 11, "deleted_tasks": 150, "deleted_subtasks": 300, "total_projects": 10,
        "failed_projects": [{"gid": "1", "error": "403"}]}
    assert jobs_repo.merge_cleanup_results({"a": 1}, {"b": 2, "a": 2}) == {"a": 3, "b": 2}
