"""Tenant safety: cleanup deletes only what the job's own ledger holds. Two jobs share one sandbox
tenant that already has people, groups, apps, projects and tasks; cleaning up one job leaves the other
job's objects and everything pre-existing in place, then cleaning up the other leaves the tenant as it
was found."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest

from tenantsim.sandbox.asana import create_app as create_asana
from tenantsim.sandbox.okta import create_app as create_okta
from tenantsim.store import jobs_repo
from tenantsim.store.ledger_repo import SqlLedger
from tests.security.support import serve_app
from tests.support.apiserver import RunningServer
from tests.support.bodies import wait_for

OKTA_TOKEN = "00tenant-safety-admin-token-aaaaaaaaaaaaaa"


@dataclass
class Tenants:
    server: RunningServer
    okta_url: str
    asana: dict[str, Any]


@pytest.fixture(scope="module")
def tenants(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenants]:
    okta = create_okta(tokens=[OKTA_TOKEN], users=8, window_seconds=1.0, seed=3)
    asana = create_asana(users=4, window_seconds=1.0, seed=3)
    with serve_app(tmp_path_factory.mktemp("tenant"), sandbox_apps={"okta": okta, "asana": asana}) as srv:
        described = srv.client.get("/api/sandbox").json()["tenants"]
        yield Tenants(srv, described["okta"]["org_url"], described["asana"])


# -- what the tenant holds, read through its own API -------------------------------------------------

def okta_pages(org: str, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    url: str | None = f"{org}{path}"
    with httpx.Client(headers={"Authorization": f"SSWS {OKTA_TOKEN}"}, timeout=30) as client:
        while url:
            response = client.get(url)
            response.raise_for_status()
            items.extend(response.json())
            url = response.links.get("next", {}).get("url")
    return items


def okta_state(org: str) -> dict[str, set[Any]]:
    # Okta lists deactivated people only when asked for them: a person who left is still in the org.
    users = okta_pages(org, "/api/v1/users?limit=200") + okta_pages(
        org, '/api/v1/users?limit=200&search=status eq "DEPROVISIONED"')
    groups = okta_pages(org, "/api/v1/groups?limit=200")
    apps = okta_pages(org, "/api/v1/apps?limit=200")
    return {
        "users": {(u["id"], u["status"]) for u in users},
        "groups": {g["id"] for g in groups},
        "memberships": {(g["id"], u["id"]) for g in groups
                        for u in okta_pages(org, f"/api/v1/groups/{g['id']}/users?limit=200")},
        "app_users": {(a["id"], u["id"]) for a in apps
                      for u in okta_pages(org, f"/api/v1/apps/{a['id']}/users?limit=200")},
        "app_groups": {(a["id"], g["id"]) for a in apps
                       for g in okta_pages(org, f"/api/v1/apps/{a['id']}/groups?limit=200")},
    }


def asana_client(asana: dict[str, Any]) -> httpx.Client:
    token = asana["users"][0]["token"]
    return httpx.Client(base_url=asana["base_url"], headers={"Authorization": f"Bearer {token}"}, timeout=30)


def asana_preexisting(asana: dict[str, Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    with asana_client(asana) as client:
        for workspace in asana["workspaces"]:
            projects = client.get("/projects", params={"workspace": workspace["gid"], "limit": 100}).json()
            for project in projects["data"]:
                found.add(("projects", project["gid"]))
                tasks = client.get("/tasks", params={"project": project["gid"], "limit": 100}).json()
                found.update(("tasks", t["gid"]) for t in tasks["data"])
    return found


def asana_still_there(asana: dict[str, Any], objects: set[tuple[str, str]]) -> set[tuple[str, str]]:
    with asana_client(asana) as client:
        return {(kind, gid) for kind, gid in objects if client.get(f"/{kind}/{gid}").status_code == 200}


def asana_made(asana: dict[str, Any]) -> set[str]:
    admin = asana["base_url"].removesuffix("/api/1.0") + "/_sandbox/objects"
    return {o["gid"] for o in httpx.get(admin, timeout=30).json()["objects"]}


# -- jobs ------------------------------------------------------------------------------------------------

def start(srv: RunningServer, body: dict[str, Any]) -> str:
    response = srv.client.post("/api/jobs/start", json={
        "industry": "technology", "content_provider": "offline", "time_scale": 400_000,
        "activity_level": "high",
        **body})
    assert response.status_code == 200, response.text
    return str(response.json()["job_id"])


def busy(srv: RunningServer, job_id: str) -> bool:
    return int(srv.client.get(f"/api/jobs/{job_id}").json()["events_total"]) >= 5


def run_until_busy_then_stop(srv: RunningServer, job_ids: list[str]) -> None:
    for job_id in job_ids:
        wait_for(partial(busy, srv, job_id), timeout=120, message=f"events of {job_id}")
    for job_id in job_ids:
        assert srv.client.post(f"/api/jobs/{job_id}/stop").status_code == 200


def seeded(srv: RunningServer, job_id: str) -> bool:
    return bool(srv.client.get(f"/api/jobs/{job_id}").json()["seeded"])


def run_until_seeded_then_stop(srv: RunningServer, job_ids: list[str]) -> None:
    for job_id in job_ids:
        wait_for(partial(seeded, srv, job_id), timeout=120, message=f"seed of {job_id}")
    for job_id in job_ids:
        assert srv.client.post(f"/api/jobs/{job_id}/stop").status_code == 200


def ledger_ids(srv: RunningServer, job_id: str, kinds: tuple[str, ...]) -> set[str]:
    engine = srv.app.state.manager.engine
    ledger = SqlLedger(engine, job_id, jobs_repo.get_job(engine, job_id)["connection_type"])  # type: ignore[index]
    return {str(e.platform_id) for kind in kinds for e in ledger.entries(kind, statuses=["created"])
            if e.platform_id}


def made_logins(srv: RunningServer, job_id: str) -> set[str]:
    ledger = SqlLedger(srv.app.state.manager.engine, job_id, "okta")
    return {str(e.attrs["login"]) for e in ledger.entries("user", statuses=["created"])}


def cleanup(srv: RunningServer, job_id: str) -> dict[str, Any]:
    response = srv.client.post(f"/api/jobs/{job_id}/cleanup")
    assert response.status_code == 200, response.text
    assert srv.client.get(f"/api/jobs/{job_id}").json()["status"] == "cleaned"
    return dict(response.json())


def test_okta_cleanup_spares_the_other_job_and_the_org(tenants: Tenants) -> None:
    srv, org = tenants.server, tenants.okta_url
    before = okta_state(org)
    assert len(before["users"]) >= 8 and before["memberships"] and before["app_users"]
    token = [{"name": "admin", "token": OKTA_TOKEN, "org_url": org}]
    first = start(srv, {"connection_type": "okta", "org_url": org, "org_size": "startup", "initial_users": 4,
                        "user_tokens": token, "seed": 11})
    second = start(srv, {"connection_type": "okta", "org_url": org, "org_size": "startup", "initial_users": 4,
                         "user_tokens": token, "seed": 22})
    run_until_busy_then_stop(srv, [first, second])
    second_users, second_groups = ledger_ids(srv, second, ("user",)), ledger_ids(srv, second, ("group",))
    first_users, first_groups = ledger_ids(srv, first, ("user",)), ledger_ids(srv, first, ("group",))
    assert second_users and second_groups and first_users and first_groups

    result = cleanup(srv, first)
    assert result["users_deleted"] == len(first_users) and result["errors"] == []
    after = okta_state(org)
    for part in ("users", "groups", "memberships", "app_users", "app_groups"):
        assert before[part] <= after[part], f"pre-existing {part} lost"
    ids = {uid for uid, _ in after["users"]}
    assert second_users <= ids and second_groups <= after["groups"]
    assert not first_users & ids and not first_groups & after["groups"]

    cleanup(srv, second)
    assert okta_state(org) == before


def test_two_jobs_drawing_the_same_people_never_share_an_object(tenants: Tenants) -> None:
    """Same seed, same org: both companies have the same logins and group names. Each name is made by
    one job only (whichever claims it first; it may be all of them), neither adopts the other's, and no
    object carries a job's mark instead."""
    srv, org = tenants.server, tenants.okta_url
    before = okta_state(org)
    token = [{"name": "admin", "token": OKTA_TOKEN, "org_url": org}]
    body = {"connection_type": "okta", "org_url": org, "org_size": "startup", "initial_users": 6,
            "user_tokens": token, "seed": 33}
    first, second = start(srv, body), start(srv, body)
    run_until_seeded_then_stop(srv, [first, second])
    kinds = ("user", "group", "mfa_policy")
    first_ids, second_ids = ledger_ids(srv, first, kinds), ledger_ids(srv, second, kinds)
    assert first_ids | second_ids and not first_ids & second_ids
    assert not made_logins(srv, first) & made_logins(srv, second)
    marked = [g["profile"].get("description") for g in okta_pages(org, "/api/v1/groups?limit=200")
              if "tenantsim" in str(g["profile"].get("description"))]
    assert marked == []

    cleanup(srv, first)
    users = {uid for uid, _ in okta_state(org)["users"]}
    assert {i for i in second_ids if i.startswith("00u")} <= users
    cleanup(srv, second)
    assert okta_state(org) == before


def test_asana_cleanup_spares_the_other_job_and_the_workspace(tenants: Tenants) -> None:
    srv, asana = tenants.server, tenants.asana
    preexisting = asana_preexisting(asana)
    assert len(preexisting) >= 3 and asana_made(asana) == set()
    users = asana["users"]
    common = {"workspace_gid": asana["workspaces"][0]["gid"], "base_url": asana["base_url"],
              "initial_projects": 1}
    first = start(srv, {**common, "seed": 11, "user_tokens": [{"name": "a", "token": users[0]["token"]},
                                                              {"name": "b", "token": users[1]["token"]}]})
    second = start(srv, {**common, "seed": 22, "user_tokens": [{"name": "b", "token": users[1]["token"]},
                                                               {"name": "c", "token": users[2]["token"]}]})
    run_until_busy_then_stop(srv, [first, second])
    kinds = ("project", "task", "subtask", "comment", "tag", "custom_field", "portfolio")
    first_ids, second_ids = ledger_ids(srv, first, kinds), ledger_ids(srv, second, kinds)
    assert first_ids and second_ids
    assert asana_made(asana) == first_ids | second_ids  # every object made is in one ledger

    cleanup(srv, first)
    assert asana_made(asana) == second_ids
    assert asana_still_there(asana, preexisting) == preexisting

    cleanup(srv, second)
    assert asana_made(asana) == set()
    assert asana_still_there(asana, preexisting) == preexisting
