"""Google Workspace: the client's pieces against hand-built responses (httpx MockTransport), then a job's
adapter end to end over real loopback HTTP against the Google emulator — build a 40-person company,
reflect hires, transfers, promotions, leave, returns and departures, read the tenant back through the
Directory and Calendar APIs with Google's own Python client, and clean up to exactly the tenant it was."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tenantsim.connectors.google_workspace.adapter import GoogleAdapter
from tenantsim.connectors.google_workspace.client import (
    SCOPES,
    GoogleClient,
    classify,
    is_throttled,
)
from tenantsim.connectors.google_workspace.config import PLATFORM, validate
from tenantsim.connectors.http import HttpStats
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.spec import ConfigContext, ConfigProblems
from tenantsim.errors import AuthError, NotFoundOnPlatform, RateLimited, Retriable, Skippable
from tenantsim.jobs.context import RunningJobContext
from tenantsim.jobs.simulation import Simulation
from tenantsim.sandbox.google import GoogleSandbox, create_app
from tenantsim.sandbox.google.keys import private_key_pem
from tenantsim.scenario.company import DEPARTED
from tests.conformance.google_case import Directory, connector, job_config, mismatches, residue
from tests.conformance.test_conformance import drive
from tests.support.jobctx import make_context
from tests.support.servers import serve_asgi

SANDBOX = ConfigContext(sandbox_mode=True)
REAL = ConfigContext(sandbox_mode=False)


def a_key(token_uri: str = "https://oauth2.googleapis.com/token") -> dict[str, str]:
    return {"type": "service_account", "project_id": "p", "private_key_id": "k1",
            "private_key": private_key_pem(7), "client_email": "sa@p.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": token_uri}


# -- configuration ------------------------------------------------------------------------------------

def test_config_requires_the_admin_and_a_key_outside_sandbox_mode() -> None:
    with pytest.raises(ConfigProblems) as caught:
        validate({}, {}, REAL)
    messages = [m for _, m in caught.value.items]
    assert "Missing required field: service_account_key" in messages
    assert any(m.startswith("Invalid admin_email") for m in messages)
    assert "admin_email" in PLATFORM.required and PLATFORM.missing_prefix == "Missing required field"


def test_config_takes_the_key_as_an_object_or_its_text_and_never_quotes_it() -> None:
    key = a_key()
    as_object = validate({"admin_email": "Admin@Corp.example.com", "service_account_key": key}, {}, REAL)
    as_text = validate({"admin_email": "admin@corp.example.com", "service_account_key": json.dumps(key)}, {},
                       REAL)
    assert as_object == as_text
    assert as_object["domain"] == "corp.example.com" and as_object["customer"] == "my_customer"
    assert as_object["api_base_url"] == "https://admin.googleapis.com"
    with pytest.raises(ConfigProblems) as caught:
        validate({"admin_email": "a@b.example.com", "service_account_key": {**key, "private_key": "x"}}, {},
                 REAL)
    assert "PRIVATE KEY" not in str(caught.value.items) and key["private_key"][40:80] not in str(caught.value)


@pytest.mark.parametrize("field, value", [
    ("api_base_url", "http://127.0.0.1:9/sandbox/google"),
    ("api_base_url", "https://evil.example.com"),
    ("token_uri", "http://127.0.0.1:9/token"),
    ("token_uri", "https://evil.example.com/token"),
])
def test_only_google_endpoints_outside_sandbox_mode(field: str, value: str) -> None:
    key = a_key(value) if field == "token_uri" else a_key()
    body = {"admin_email": "a@b.example.com", "service_account_key": key}
    if field == "api_base_url":
        body["api_base_url"] = value
    with pytest.raises(ConfigProblems):
        validate(body, {}, REAL)
    if value.startswith("http://127.0.0.1"):
        assert validate(body, {}, SANDBOX)  # the emulator, in sandbox mode only


def test_a_key_file_is_a_secret_through_and_through() -> None:
    from tenantsim.secretbox import scrub, split_secrets

    # The key is stored as the object validate() makes of it, whichever form it came in.
    stored = validate({"admin_email": "a@b.example.com", "service_account_key": json.dumps(a_key())}, {},
                      REAL)
    public, secret = split_secrets(stored)
    assert "PRIVATE KEY" not in json.dumps(public) and secret["paths"]
    assert public["service_account_key"]["client_email"] == "sa@p.iam.gserviceaccount.com"  # names it
    assert "PRIVATE KEY" not in scrub(f"oops {a_key()['private_key']}")
    # Naming the field in a message is not hiding a secret.
    message = "Missing required field: service_account_key"
    assert scrub(message) == message


# -- the client against hand-built responses ---------------------------------------------------------

def google_error(status: int, reason: str, message: str = "m") -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": status, "message": message,
                                                  "errors": [{"reason": reason, "domain": "global"}]}})


@pytest.mark.parametrize("response, kind", [
    (google_error(404, "notFound"), NotFoundOnPlatform),
    (google_error(410, "deleted"), NotFoundOnPlatform),
    (google_error(409, "duplicate"), Skippable),
    (google_error(400, "invalid"), Skippable),
    (google_error(403, "userRateLimitExceeded"), RateLimited),
    (google_error(403, "quotaExceeded"), RateLimited),
    (google_error(429, "rateLimitExceeded"), RateLimited),
    (google_error(403, "forbidden"), AuthError),
    (google_error(401, "authError"), AuthError),
    (httpx.Response(400, json={"error": "invalid_grant", "error_description": "Invalid email or User ID"}),
     AuthError),
    (google_error(503, "backendError"), Retriable),
])
def test_classify_maps_google_errors(response: httpx.Response, kind: type) -> None:
    assert isinstance(classify(response), kind)


def test_throttling_signals() -> None:
    assert is_throttled(google_error(403, "userRateLimitExceeded"))
    assert is_throttled(google_error(429, "rateLimitExceeded"))
    assert not is_throttled(google_error(403, "forbidden"))


class FakeGoogle:
    """A token endpoint and a Directory that answers from a script, recording what it was sent."""

    def __init__(self, script: list[httpx.Response] | None = None) -> None:
        self.script = list(script or [])
        self.assertions: list[dict[str, Any]] = []
        self.api_calls: list[httpx.Request] = []
        self.issued = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            self.assertions.append(jwt.decode(form["assertion"], options={"verify_signature": False}))
            self.issued += 1
            return httpx.Response(200, json={"access_token": f"ya29.t{self.issued}", "expires_in": 3599,
                                             "token_type": "Bearer"})
        self.api_calls.append(request)
        if self.script:
            return self.script.pop(0)
        return httpx.Response(200, json={"id": "1", "primaryEmail": "admin@corp.example.com"})


def fake_client(fake: FakeGoogle, clock: list[float], budgets: BudgetRegistry | None = None,
                stats: HttpStats | None = None) -> GoogleClient:
    return GoogleClient(a_key("http://127.0.0.1:9/token"), admin_email="admin@corp.example.com",
                        domain="corp.example.com", api_base_url="http://127.0.0.1:9",
                        budgets=budgets or BudgetRegistry(), transport=httpx.MockTransport(fake.handler),
                        stats=stats, clock=lambda: clock[0])


async def test_service_account_assertion_and_token_cache() -> None:
    fake, clock = FakeGoogle(), [1_000_000.0]
    client = fake_client(fake, clock)
    await client.get_user("admin@corp.example.com")
    await client.get_user("admin@corp.example.com")
    assert fake.issued == 1  # cached
    claims = fake.assertions[0]
    assert claims["iss"] == "sa@p.iam.gserviceaccount.com" and claims["sub"] == "admin@corp.example.com"
    assert claims["aud"] == "http://127.0.0.1:9/token" and claims["scope"].split() == list(SCOPES)
    assert claims["exp"] - claims["iat"] == 3600
    assert fake.api_calls[0].headers["Authorization"] == "Bearer ya29.t1"
    assert fake.api_calls[0].url.path == "/admin/directory/v1/users/admin@corp.example.com"
    clock[0] += 3599 - 299  # within five minutes of expiry: replaced before it is used
    await client.get_user("admin@corp.example.com")
    assert fake.issued == 2 and fake.api_calls[-1].headers["Authorization"] == "Bearer ya29.t2"
    await client.create_event("boss@corp.example.com", {"summary": "1:1"})
    assert fake.assertions[-1]["sub"] == "boss@corp.example.com"  # calendars act as their owner
    assert fake.api_calls[-1].url.params["sendUpdates"] == "none"
    await client.aclose()


async def test_a_401_fetches_a_new_token_once() -> None:
    fake, clock = FakeGoogle([google_error(401, "authError")]), [1_000_000.0]
    client = fake_client(fake, clock)
    await client.get_user("admin@corp.example.com")
    assert fake.issued == 2 and len(fake.api_calls) == 2
    fake.script = [google_error(401, "authError"), google_error(401, "authError")]
    with pytest.raises(AuthError):
        await client.get_user("admin@corp.example.com")
    await client.aclose()


async def test_a_quota_403_is_waited_out_and_the_budget_learns() -> None:
    slept: list[float] = []
    now = [1_000_000.0]

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    budgets = BudgetRegistry(clock=lambda: now[0], sleep=sleep)
    fake, stats = FakeGoogle(), HttpStats()
    client = fake_client(fake, now, budgets, stats)
    for _ in range(12):
        await client.get_user("admin@corp.example.com")
    fake.script = [google_error(403, "userRateLimitExceeded")]
    user = await client.get_user("admin@corp.example.com")  # retried, not raised
    assert user["id"] == "1"
    budget = budgets.budget("google:corp.example.com", "directory", "admin@corp.example.com", 2400)
    assert budget.limit < 2400  # learned from the 403
    assert stats.as_dict()["throttled"] == 1 and slept  # waited, never raised
    await client.aclose()


# -- end to end against the emulator ------------------------------------------------------------------

@pytest.fixture(scope="module")
def served() -> Iterator[tuple[GoogleSandbox, str]]:
    sandbox = create_app(seed=3, users=6)
    with serve_asgi(sandbox) as base:
        yield sandbox, base


def group_ids(ctx: RunningJobContext) -> dict[str, str]:
    return {e.key: str(e.platform_id) for e in ctx.ledger.entries("group", statuses=["created"])}


async def open_sim(ctx: RunningJobContext) -> Simulation:
    adapter = await connector().open_adapter(ctx)
    assert isinstance(adapter, GoogleAdapter)
    return await Simulation.open(ctx, [adapter])


async def fresh_job(served: tuple[GoogleSandbox, str], tmp_path: Path, *, people: int, seed: int) -> tuple[
        dict[str, Any], Directory, dict[str, Any], RunningJobContext, Simulation]:
    """A job of ``people`` opened on a freshly reset workspace: its config, a reader of the workspace, what
    cleanup must leave as it was, the job's context and its simulation."""
    sandbox, base = served
    sandbox.reset()
    config = job_config(base, sandbox, people=people)
    reader = Directory(base, config)
    before = residue(await asyncio.to_thread(reader.state))
    ctx = make_context(tmp_path, config, seed=seed)
    return config, reader, before, ctx, await open_sim(ctx)


async def test_the_company_in_google_through_every_people_event_and_cleanup(
        served: tuple[GoogleSandbox, str], tmp_path: Path) -> None:
    sandbox, base = served
    sandbox.reset()
    config = job_config(base, sandbox)
    domain = config["domain"]
    reader = Directory(base, config)
    before = residue(await asyncio.to_thread(reader.state))
    ctx = make_context(tmp_path, config, seed=11)
    sim = await open_sim(ctx)
    await sim.build()

    state = await asyncio.to_thread(reader.state)
    made = {e for e in state["users"] if e not in before["users"]}
    assert len(made) == 40 and all(e.endswith("@" + domain) for e in made)
    assert mismatches(state, sim.company, domain, group_ids(ctx)) == []
    ceo = sim.company.ceo()
    assert ceo is not None
    heads = [p for p in sim.company.present_people() if p.manager == ceo.key]
    assert heads, "the chief executive has reports"
    # The departments' org units exist (the sandbox's own /Engineering is used as it is, never deleted).
    assert {f"/{p.department}" for p in sim.company.present_people()} <= state["units"]
    # The sandbox already has engineering@: the job's Engineering group takes an address of its own.
    addresses = {e.attrs["name"]: e.attrs["email"] for e in ctx.ledger.entries("group", statuses=["created"])}
    assert addresses["Engineering"] == f"engineering-department@{domain}"
    # A manager's calendar shows the weekly team meeting and a 1:1 with each report, during working hours.
    meetings = await asyncio.to_thread(reader.meetings, f"{ceo.login}@{domain}")
    summaries = {m["summary"] for m in meetings}
    assert len(meetings) == len(heads) + 1 and any(s.endswith("weekly") for s in summaries)
    assert all(m["recurrence"][0].startswith("RRULE:FREQ=WEEKLY") for m in meetings)
    zone = sim.company.office_of(ceo).time_zone
    assert all(m["start"]["timeZone"] == zone and 9 <= int(m["start"]["dateTime"][11:13]) < 17
               for m in meetings)

    for kind in ("hire", "transfer", "promotion", "leave", "return_from_leave", "departure", "departure"):
        assert await drive(sim, kind), kind
        state = await asyncio.to_thread(reader.state)
        assert mismatches(state, sim.company, domain, group_ids(ctx)) == [], kind
    gone = [p for p in sim.company.people.values() if p.status == DEPARTED]
    assert gone and all(state["users"][f"{p.login}@{domain}"]["suspended"] for p in gone)

    realism = await connector().realism(config, ctx.ledger.entries(), sim.company)
    assert {m["name"] for m in realism} >= {"staff on leave (%)", "managers outside the department"}

    result = await sim.cleanup()
    assert set(result) == {"users_deleted", "groups_deleted", "orgunits_deleted", "events_deleted", "errors"}
    assert result["errors"] == []
    assert result["users_deleted"] >= 41 and result["groups_deleted"] > 0 and result["events_deleted"] > 0
    after = residue(await asyncio.to_thread(reader.state))
    assert after == before  # exactly the tenant it was
    assert all(e.status == "cancelled" for held in sandbox.tenant.events.values() for e in held.values()
               if not e.preexisting)
    again = await sim.cleanup()
    assert again == {"users_deleted": 0, "groups_deleted": 0, "orgunits_deleted": 0, "events_deleted": 0,
                     "errors": []}
    await sim.aclose()


async def test_a_crash_after_a_create_adopts_the_user_and_cleanup_after_a_stop_resumes(
        served: tuple[GoogleSandbox, str], tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from tenantsim.errors import JobStopping

    sandbox, _ = served
    config, reader, before, ctx, sim = await fresh_job(served, tmp_path, people=12, seed=5)
    people = list(sim.company.people.values())
    # A create whose answer was lost: the intent is in the ledger, the user exists in Google.
    lost = people[-1]
    email = f"{lost.login}@{config['domain']}"
    ctx.ledger.intent("user", lost.key, actor=config["admin_email"],
                      attrs={"email": email,
                             "requested_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()})
    made = sandbox.tenant.insert_user({"name": {"givenName": lost.first_name, "familyName": lost.last_name},
                                       "primaryEmail": email, "password": "x-Long-Password-1"},
                                      datetime.now(UTC).timestamp())
    await sim.aclose()
    sim = await open_sim(make_context(tmp_path, config, seed=5))  # prepare() settles the intent
    # The restarted job's ledger (each context holds its own rows in memory).
    assert sim.ctx.ledger.get("user", lost.key).platform_id == made.id  # type: ignore[union-attr]

    calls = 0
    real = sim.ctx.checkpoint_now

    async def stop_after_a_while() -> None:
        nonlocal calls
        calls += 1
        if calls == 15:
            raise JobStopping("stop")
        await real()

    await sim.build()
    # A meeting being cancelled when the job died: the mark is found on restart and the cancel finished.
    meeting = sim.ctx.ledger.entries("event", statuses=["created"])[0]
    sim.ctx.ledger.update_attrs("event", meeting.key, {"removing": True})
    await sim.aclose()
    sim = await open_sim(make_context(tmp_path, config, seed=5))
    assert sim.ctx.ledger.get("event", meeting.key).status == "deleted"  # type: ignore[union-attr]
    organiser = str(meeting.attrs["organiser_email"]).lower()
    assert sandbox.tenant.events[organiser][str(meeting.platform_id)].status == "cancelled"
    real = sim.ctx.checkpoint_now
    sim.ctx.checkpoint_now = stop_after_a_while  # type: ignore[method-assign]
    with pytest.raises(JobStopping):
        await sim.cleanup()
    sim.ctx.checkpoint_now = real  # type: ignore[method-assign]
    result = await sim.cleanup()
    assert result["errors"] == []
    assert residue(await asyncio.to_thread(reader.state)) == before
    await sim.aclose()


def made_by(ctx: RunningJobContext) -> dict[str, dict[str, str]]:
    """Kind -> name (address or path) -> Google id, for what the job's ledger says it made."""
    names = {"user": "email", "group": "email", "orgunit": "path"}
    return {kind: {str(e.attrs[field]).lower(): str(e.platform_id)
                   for e in ctx.ledger.entries(kind, statuses=["created"])}
            for kind, field in names.items()}


async def test_nothing_the_customer_sees_names_the_job(served: tuple[GoogleSandbox, str],
                                                       tmp_path: Path) -> None:
    sandbox, base = served
    sandbox.reset()
    config = job_config(base, sandbox, people=15)
    reader = Directory(base, config)
    ctx = make_context(tmp_path, config, seed=5, job_id="job_5f2c9e71")
    sim = await open_sim(ctx)
    await sim.build()
    made = made_by(ctx)
    assert made["group"] and made["orgunit"] and made["user"]
    described = await asyncio.to_thread(reader.described)
    assert set(made["group"]) | set(made["orgunit"]) <= {name.lower() for name in described}
    marked = {name: text for name, text in described.items()
              if "tenantsim" in text.lower() or ctx.job_id in text}
    assert marked == {}
    users = (await asyncio.to_thread(reader.state))["users"]
    assert not [e for e in made["user"] if ctx.job_id in json.dumps(users[e])]
    await sim.cleanup()
    await sim.aclose()


async def test_two_jobs_on_one_workspace_make_each_object_once_and_clean_only_their_own(
        served: tuple[GoogleSandbox, str], tmp_path: Path) -> None:
    sandbox, base = served
    sandbox.reset()
    config = job_config(base, sandbox, people=20)
    reader = Directory(base, config)
    before = residue(await asyncio.to_thread(reader.state))
    first = await open_sim(make_context(tmp_path, config, seed=5, job_id="job_first"))
    second = await open_sim(make_context(tmp_path, config, seed=5, job_id="job_second"))  # the same company
    await asyncio.gather(first.build(), second.build())
    mine, theirs = made_by(first.ctx), made_by(second.ctx)  # type: ignore[arg-type]
    for kind in ("user", "group", "orgunit"):
        assert not set(mine[kind]) & set(theirs[kind]), kind  # each name made by one job only
        assert not set(mine[kind].values()) & set(theirs[kind].values()), kind
    assert mine["group"] or theirs["group"]
    state = await asyncio.to_thread(reader.state)
    for made in (mine, theirs):
        assert {e: state["users"][e]["id"] for e in made["user"]} == made["user"]
        assert set(made["group"].values()) <= set(state["groups"])

    await first.cleanup()  # the second job's objects stay as they are
    state = await asyncio.to_thread(reader.state)
    assert {e: state["users"][e]["id"] for e in theirs["user"]} == theirs["user"]
    assert not set(mine["user"]) & set(state["users"])
    assert set(theirs["group"].values()) <= set(state["groups"])
    assert not set(mine["group"].values()) & set(state["groups"])
    assert set(theirs["orgunit"]) <= {u.lower() for u in state["units"]}

    await second.cleanup()
    await first.cleanup()  # an org unit still holding the second job's people was left: gone now
    assert residue(await asyncio.to_thread(reader.state)) == before
    await first.aclose()
    await second.aclose()


async def test_creates_whose_answer_was_lost_are_made_once_and_recorded(
        served: tuple[GoogleSandbox, str], tmp_path: Path) -> None:
    """Google does what a fifth of the calls ask and drops the connection before answering. Nothing is
    sent again blindly (a meeting has no unique name to be refused on): every user, group, org unit and
    calendar event the job made exists once and is in the ledger, and cleanup under the same faults
    leaves the tenant as it was."""
    sandbox, _ = served
    config, reader, before, ctx, sim = await fresh_job(served, tmp_path, people=20, seed=13)
    lost = {"fault_rate": 0.2, "kinds": ["lost"], "seed": 6}
    sandbox.faults.update(lost)
    await sim.build()
    sandbox.faults.update({"fault_rate": 0.0})
    assert sandbox.stats.as_dict()["totals"]["faults"] > 10

    state = await asyncio.to_thread(reader.state)
    made = made_by(ctx)
    assert {e for e in state["users"] if e not in before["users"]} == set(made["user"])
    assert set(state["groups"]) - set(before["groups"]) == set(made["group"].values())
    assert mismatches(state, sim.company, config["domain"], group_ids(ctx)) == []
    live = {eid for held in sandbox.tenant.events.values() for eid, event in held.items()
            if not event.preexisting and event.status != "cancelled"}
    assert live and live == {str(e.platform_id) for e in ctx.ledger.entries("event", statuses=["created"])}
    assert [e.key for e in ctx.ledger.entries(statuses=["intent"])] == []

    sandbox.faults.update(lost)
    result = await sim.cleanup()
    sandbox.faults.update({"fault_rate": 0.0})
    assert result["errors"] == []
    assert residue(await asyncio.to_thread(reader.state)) == before
    await sim.aclose()


async def test_a_key_the_tenant_does_not_know_is_refused(served: tuple[GoogleSandbox, str],
                                                         tmp_path: Path) -> None:
    sandbox, base = served
    config = job_config(base, sandbox)
    config["service_account_key"] = {**config["service_account_key"], "private_key": private_key_pem(99)}
    with pytest.raises(AuthError) as caught:
        await connector().validate_token(config)
    assert "PRIVATE KEY" not in caught.value.message
    ctx = make_context(tmp_path, config)
    with pytest.raises(AuthError):
        await connector().open_adapter(ctx)


async def test_the_check_fails_when_a_transfer_is_not_reflected(served: tuple[GoogleSandbox, str],
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A check that cannot fail proves nothing: the transfer's PATCH loses its org unit and job fields."""
    sandbox, base = served
    sandbox.reset()
    config = job_config(base, sandbox, people=20)
    ctx = make_context(tmp_path, config, seed=5)
    sim = await open_sim(ctx)
    await sim.build()
    real = GoogleClient.patch_user

    async def broken(self: GoogleClient, key: str, body: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in body.items() if k not in ("orgUnitPath", "organizations")}
        return await real(self, key, kept) if kept else {}

    monkeypatch.setattr(GoogleClient, "patch_user", broken)
    assert await drive(sim, "transfer")
    state = await asyncio.to_thread(Directory(base, config).state)
    problems = mismatches(state, sim.company, config["domain"], group_ids(ctx))
    assert any("department" in p for p in problems), problems
    await sim.cleanup()
    await sim.aclose()


def test_a_google_workspace_job_through_the_api(tmp_path: Path) -> None:
    """The registry is all it takes: the sandbox form's values start a job, which builds the company,
    never shows the key, and cleans up what it made."""
    from tenantsim.cli import build_sandbox_apps
    from tenantsim.settings import Settings
    from tests.support.apiserver import running_server
    from tests.support.bodies import wait_for
    from tests.support.servers import free_port

    port = free_port()
    apps = {"google": build_sandbox_apps(Settings(var_dir=tmp_path, port=port, sandbox=True))["google"]}
    with running_server(tmp_path, sandbox_apps=apps, port=port) as srv:
        fields = srv.client.get("/api/sandbox").json()["form"]["google_workspace"]["fields"]
        secret = json.loads(fields["service_account_key"])["private_key"]
        refused = srv.client.post("/api/jobs/start", json={"connection_type": "google_workspace",
                                                            "industry": "technology"})
        assert refused.status_code == 400 and refused.json()["error"] == "Missing required field: admin_email"
        started = srv.client.post("/api/jobs/start", json={
            "connection_type": "google_workspace", "industry": "technology", "content_provider": "offline",
            "initial_users": 15, "time_scale": 1e5, **fields})
        assert started.status_code == 200, started.text
        job_id = started.json()["job_id"]
        assert started.json()["message"].startswith("Google Workspace continuous generation started")
        view = wait_for(lambda: (v := srv.client.get(f"/api/jobs/{job_id}").json())["progress"].get("phase")
                        == "activity" and v, 60, "the company to be built")
        assert view["connection_type"] == "google_workspace"
        assert secret[40:80] not in json.dumps(view) and "PRIVATE KEY" not in json.dumps(view)
        srv.client.post(f"/api/jobs/{job_id}/stop")
        cleaned = srv.client.post(f"/api/jobs/{job_id}/cleanup")
        assert cleaned.status_code == 200, cleaned.text
        result = cleaned.json()
        assert result["users_deleted"] >= 15 and not result.get("errors"), result
        log = srv.client.get(f"/api/jobs/{job_id}/activity_log?limit=1000").text
        assert "google_built" in log and secret[40:80] not in log
