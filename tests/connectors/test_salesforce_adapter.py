"""Salesforce: the configuration and the client's pieces against hand-built responses (httpx MockTransport),
the daily-allocation pacing on a fake clock, then a job's adapter end to end over real loopback HTTP
against the Salesforce emulator — build the book of business, run simulated weeks in which the pipeline
moves and cases open and close, read the org back with simple-salesforce, and clean up to exactly the
org it was."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from pathlib import Path

import httpx
import jwt
import pytest

from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.salesforce.adapter import SalesforceAdapter
from tenantsim.connectors.salesforce.client import (
    AllocationExhausted,
    Credentials,
    SalesforceClient,
    classify,
)
from tenantsim.connectors.salesforce.config import PLATFORM, login_url, validate
from tenantsim.connectors.salesforce.state import OPEN_STAGES, SOBJECT
from tenantsim.connectors.spec import ConfigContext, ConfigProblems
from tenantsim.errors import AuthError, NotFoundOnPlatform, RateLimited, Retriable, Skippable
from tenantsim.jobs.simulation import Simulation
from tenantsim.store import activity_repo
from tests.connectors.salesforce_support import (
    active_users,
    by_id,
    connector,
    emulator,
    job_config,
    ledger_mismatches,
    reader,
    snapshot,
)
from tests.support.jobctx import make_context

SANDBOX = ConfigContext(sandbox_mode=True)
REAL = ConfigContext(sandbox_mode=False)
PEM = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"


# -- configuration ------------------------------------------------------------------------------------


def test_config_needs_an_org_and_a_connected_app_outside_sandbox_mode() -> None:
    with pytest.raises(ConfigProblems) as caught:
        validate({}, {}, REAL)
    messages = [m for _, m in caught.value.items]
    assert "Missing required field: instance_url" in messages
    good = validate(
        {
            "instance_url": "https://acme.my.salesforce.com/",
            "client_id": "3MVG9x",
            "client_secret": "s" * 20,
            "accounts": 40,
        },
        {},
        REAL,
    )
    assert good["instance_url"] == "https://acme.my.salesforce.com" and good["accounts"] == 40
    with pytest.raises(ConfigProblems, match="client_secret"):
        validate({"instance_url": "https://acme.my.salesforce.com", "client_id": "3MVG9x"}, {}, REAL)
    with pytest.raises(ConfigProblems, match="username"):  # the JWT bearer flow acts as someone
        validate(
            {"instance_url": "https://acme.my.salesforce.com", "client_id": "x", "private_key": PEM}, {}, REAL
        )
    assert PLATFORM.role == "work" and PLATFORM.job_credentials == ("client_secret", "private_key")


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com",
        "http://acme.my.salesforce.com",
        "https://acme.my.salesforce.com.evil.com",
        "https://user@acme.my.salesforce.com",
        "https://acme.my.salesforce.com:8443",
        "http://127.0.0.1:9000",
        "https://acme.my.salesforce.com/services/data",
    ],
)
def test_only_salesforce_hosts_outside_sandbox_mode(url: str) -> None:
    with pytest.raises(ConfigProblems, match="instance_url"):
        validate({"instance_url": url, "client_id": "x", "client_secret": "y" * 10}, {}, REAL)


def test_sandbox_mode_takes_a_loopback_org_and_fills_the_sandbox_app() -> None:
    assert (
        validate({"instance_url": "http://127.0.0.1:9000/sandbox/salesforce"}, {}, SANDBOX)["instance_url"]
        == "http://127.0.0.1:9000/sandbox/salesforce"
    )
    assert validate({}, {}, SANDBOX) == {}  # the sandbox's own org and app are routed in
    description = {
        "job": {
            "connection_type": "salesforce",
            "instance_url": "http://h/sandbox/salesforce",
            "client_id": "ck",
            "client_secret": "cs",
            "username": "u@x.example.com",
        }
    }
    assert PLATFORM.sandbox_route is not None and PLATFORM.sandbox_fill is not None
    assert PLATFORM.sandbox_route(description, [])["client_id"] == "ck"
    assert PLATFORM.sandbox_fill(description)["fields"]["instance_url"] == "http://h/sandbox/salesforce"


def test_secrets_are_never_quoted() -> None:
    secret = "Sup3rS3cretConsumerValue"
    with pytest.raises(ConfigProblems) as caught:
        validate(
            {"instance_url": "https://evil.example.com", "client_id": "x", "client_secret": secret}, {}, REAL
        )
    assert secret not in str(caught.value.items)
    with pytest.raises(ConfigProblems) as caught:
        validate(
            {
                "instance_url": "https://a.my.salesforce.com",
                "client_id": "x",
                "username": "u",
                "private_key": "not a key but secret-ish text",
            },
            {},
            REAL,
        )
    assert "secret-ish" not in str(caught.value.items)


def test_jwt_audience_is_the_login_url() -> None:
    assert login_url("https://acme.my.salesforce.com") == "https://login.salesforce.com"
    assert login_url("https://acme--uat.sandbox.my.salesforce.com") == "https://test.salesforce.com"
    assert login_url("http://127.0.0.1:9/sandbox/salesforce") == "http://127.0.0.1:9/sandbox/salesforce"


# -- errors ---------------------------------------------------------------------------------------------


def _error(status: int, code: str, message: str = "m", fields: list[str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=[{"message": message, "errorCode": code, "fields": fields or []}])


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (_error(404, "NOT_FOUND", "The requested resource does not exist"), NotFoundOnPlatform),
        (_error(400, "ENTITY_IS_DELETED", "entity is deleted"), NotFoundOnPlatform),
        (_error(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]", ["Name"]), Skippable),
        (_error(400, "INVALID_FIELD", "No such column 'Foo' on sobject of type Account", ["Foo"]), Skippable),
        (_error(401, "INVALID_SESSION_ID", "Session expired or invalid"), AuthError),
        (_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."), AllocationExhausted),
        (_error(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."), RateLimited),
        (_error(403, "INSUFFICIENT_ACCESS", "no access"), AuthError),
        (
            httpx.Response(
                400, json={"error": "invalid_client", "error_description": "invalid client credentials"}
            ),
            AuthError,
        ),
        (httpx.Response(503, text="down"), Retriable),
    ],
)
def test_classify_maps_salesforce_errors(response: httpx.Response, kind: type) -> None:
    error = classify(response)
    assert isinstance(error, kind)
    if kind is Skippable:  # the platform's message, with the fields, is what the activity log says
        assert "REQUIRED_FIELD_MISSING" in error.message or "No such column" in error.message


# -- pacing to the daily allocation -------------------------------------------------------------------------


async def test_the_daily_share_is_spread_over_the_day_not_spent_in_the_morning() -> None:
    """A job with 10 % of a 15,000-call org makes 1,500 calls in any 24 hours at most; after a short burst
    they go out at a steady rate, so the first hour holds a fraction of the day's share."""
    now = [1_000_000.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    used = [0]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "t", "id": "https://x/id/00D/005A"})
        used[0] += 1
        return httpx.Response(
            200,
            json={"totalSize": 0, "done": True, "records": []},
            headers={"Sforce-Limit-Info": f"api-usage={used[0]}/15000"},
        )

    budgets = BudgetRegistry(clock=lambda: now[0], sleep=sleep)
    client = SalesforceClient(
        "https://acme.my.salesforce.com",
        Credentials("ck", "cs"),
        budgets=budgets,
        capacity=0.1,
        transport=httpx.MockTransport(answer),
        clock=lambda: now[0],
    )
    start, times = now[0], []
    for _ in range(2000):
        await client.query("SELECT Id FROM Account")
        times.append(now[0] - start)
    await client.aclose()
    day = 86_400.0
    assert client.usage.allocation == 15000 and client.daily_share() == 1500
    for index, at in enumerate(times):  # no 24 hours hold more than the share
        later = [t for t in times[index:] if t < at + day]
        assert len(later) <= 1500
        if index > 50:
            break
    first_hour = sum(1 for t in times if t < 3600)
    assert first_hour <= 1500 * 0.25 + 1500 / 24 + 2  # the burst plus an hour's steady share
    assert times[-1] > day  # the 2,000th call waited for the next day's share


async def test_a_revoked_session_is_refreshed_once() -> None:
    with emulator() as (sandbox, base):
        config = job_config(sandbox, base)
        client = connector().client(config)
        assert len(await client.query("SELECT Id FROM Account")) > 0
        sandbox.tokens.reset()  # every session the org issued is gone
        assert len(await client.query("SELECT Id FROM Account")) > 0
        assert client.token_requests == 2
        await client.aclose()


async def test_the_jwt_bearer_flow_acts_as_the_username() -> None:
    with emulator() as (sandbox, base):
        described = sandbox.describe(base)
        config = job_config(sandbox, base, client_secret=None, private_key=described["private_key"])
        assert not config.get("client_secret") and config["private_key"].startswith("-----BEGIN")
        user = await connector().validate_token(config)
        assert user.email and user.email.startswith("integration@")
        assigned = jwt.decode(
            Credentials("ck", None, "u", described["private_key"]).grant(base, 0)["assertion"],
            options={"verify_signature": False},
        )
        assert assigned["aud"] == base and assigned["sub"] == "u" and assigned["iss"] == "ck"


async def test_an_org_out_of_calls_stops_the_job_with_a_clear_entry(tmp_path: Path) -> None:
    with emulator() as (sandbox, base):
        ctx = make_context(tmp_path, job_config(sandbox, base, accounts=4), seed=5)
        sim = await Simulation.open(ctx, [await connector().open_adapter(ctx)])
        await sim.build()
        while sandbox.allocation.take():  # the org's other integrations spend what is left of the day
            pass
        with pytest.raises(AllocationExhausted):
            await sim.fast_forward(5)
        with pytest.raises(AllocationExhausted):  # said once, however often it is met
            await sim.finish_pending()
        entries = activity_repo.page(ctx.engine, ctx.job_id, limit=200)
        stopped = [e for e in entries if e["event_type"] == "allocation_exhausted"]
        assert len(stopped) == 1 and "daily API allocation" in stopped[0]["message"]
        assert sim.company.pending is not None  # the event waits, applied to the company, for the next start
        await sim.aclose()


# -- a job end to end ------------------------------------------------------------------------------------


async def test_a_sales_org_lives_through_simulated_weeks_and_cleans_up(tmp_path: Path) -> None:
    share = 25  # percent of the org's daily allocation: what three simulated weeks need fits in its burst
    with emulator() as (sandbox, base):
        sf = reader(sandbox, base)
        before = await asyncio.to_thread(snapshot, sf)
        users = await asyncio.to_thread(active_users, sf)
        ctx = make_context(tmp_path, job_config(sandbox, base, accounts=10, max_api_capacity=share), seed=5)
        ctx.progress["sim_now"] = "2026-11-30T09:00:00+00:00"  # a Monday morning, whenever the test runs
        adapter = await connector().open_adapter(ctx)
        assert isinstance(adapter, SalesforceAdapter)
        sim = await Simulation.open(ctx, [adapter])
        company = sim.company
        # The org's active users (but the app's own integration user) are the company's people.
        logins = {p.login for p in company.people.values()}
        people_users = [u for u in users.values() if not u["Username"].startswith("integration@")]
        assert {u["Email"].split("@")[0] for u in people_users} <= logins
        assert len(company.people) == len(people_users)

        await sim.build()
        ids = adapter.record_ids
        accounts = await asyncio.to_thread(
            by_id, sf, "Account", "Id, Name, OwnerId", list(ids("account").values())
        )
        assert len(accounts) == 10 and all(a["OwnerId"] in users for a in accounts.values())
        names = [a["Name"] for a in accounts.values()]
        assert len(set(names)) == 10 and all("tenantsim" not in n.lower() for n in names)
        contacts = await asyncio.to_thread(
            by_id, sf, "Contact", "Id, AccountId", list(ids("contact").values())
        )
        assert contacts and {c["AccountId"] for c in contacts.values()} <= set(accounts)

        def pipeline() -> dict[str, str]:
            found = by_id(sf, "Opportunity", "Id, StageName, OwnerId", list(ids("opportunity").values()))
            return {rid: row["StageName"] for rid, row in found.items()}

        def cases() -> dict[str, str]:
            return {
                rid: row["Status"]
                for rid, row in by_id(sf, "Case", "Id, Status", list(ids("case").values())).items()
            }

        weeks = [await asyncio.to_thread(pipeline)]
        case_weeks = [await asyncio.to_thread(cases)]
        assert {s for s in weeks[0].values() if s in OPEN_STAGES} and {"Closed Won", "Closed Lost"} & set(
            weeks[0].values()
        )
        kinds: Counter[str] = Counter()
        for _ in range(3):  # three simulated weeks
            kinds += await sim.fast_forward(7)
            weeks.append(await asyncio.to_thread(pipeline))
            case_weeks.append(await asyncio.to_thread(cases))
        assert set(kinds) >= {"create_task", "move_task", "complete_task", "comment"}
        for earlier, later in itertools.pairwise(weeks):  # deals move every week
            assert any(later.get(rid) != stage for rid, stage in earlier.items()), "the pipeline stood still"
        first, last = weeks[0], weeks[-1]
        assert any(
            a[r] in OPEN_STAGES
            and b.get(r) in OPEN_STAGES
            and OPEN_STAGES.index(a[r]) < OPEN_STAGES.index(str(b[r]))
            for a, b in itertools.pairwise(weeks)
            for r in a
        ), "no deal moved along the open stages: deals close before they get anywhere"
        open_deals = [sum(s in OPEN_STAGES for s in w.values()) for w in weeks]
        assert max(open_deals) <= 3 * open_deals[0], open_deals  # the pipeline is kept up, not piled up
        closed_now = {r for r, s in last.items() if s in ("Closed Won", "Closed Lost")}
        assert closed_now - {
            r for r, s in first.items() if s in ("Closed Won", "Closed Lost")
        }  # deals closed
        assert len(last) > len(first)  # and new ones were opened
        opened = set(case_weeks[-1]) - set(case_weeks[0])
        assert opened  # customers opened cases...
        assert any(
            case_weeks[-1][r] == "Closed" for r in case_weeks[0] if case_weeks[0][r] != "Closed"
        ) or any(case_weeks[-1][r] == "Closed" for r in opened)  # ...and support closed some
        assert any(s != "Closed" for s in case_weeks[-1].values())  # some are still open

        # The org shows what the job set, owned by the org's active users.
        attrs = {f"{e.kind}:{e.key}": e.attrs for e in ctx.ledger.entries(statuses=["created"])}
        held = {
            kind: ids(kind)
            for kind in ("account", "contact", "opportunity", "case", "casecomment", "lead", "task", "event")
        }
        assert await asyncio.to_thread(ledger_mismatches, sf, held, attrs) == []
        owners = {
            row["OwnerId"]
            for row in (
                await asyncio.to_thread(
                    by_id, sf, "Opportunity", "Id, OwnerId", list(ids("opportunity").values())
                )
            ).values()
        }
        assert owners <= set(users) and len(owners) > 1

        # The job's calls stayed within its share of the org's daily allocation.
        limits = await asyncio.to_thread(sf.limits)
        allocation = limits["DailyApiRequests"]
        used = allocation["Max"] - allocation["Remaining"]
        assert 0 < used <= allocation["Max"] * share / 100
        assert adapter.client.usage.allocation == allocation["Max"]

        realism = await connector().realism(ctx.config, ctx.ledger.entries(), company)
        assert {m["name"] for m in realism if not m["ok"]} <= {"open cases (%)"}, realism

        held_accounts = len(ids("account"))  # the build's ten, and those converted leads made
        result = await sim.cleanup()
        assert result["errors"] == [] and result["accounts_deleted"] == held_accounts >= 10
        assert await asyncio.to_thread(snapshot, sf) == before  # the org is as it was
        again = await sim.cleanup()
        assert sum(v for k, v in again.items() if k != "errors") == 0  # a second cleanup deletes nothing
        await sim.aclose()


async def test_cleanup_removes_only_what_the_ledger_holds(tmp_path: Path) -> None:
    with emulator() as (sandbox, base):
        sf = reader(sandbox, base)
        ctx = make_context(tmp_path, job_config(sandbox, base, accounts=3), seed=9)
        sim = await Simulation.open(ctx, [await connector().open_adapter(ctx)])
        await sim.build()
        # Someone else's account, made in the org while the job runs, with a name the job also uses.
        job_account = next(iter(ctx.ledger.entries("account", statuses=["created"])))
        theirs = await asyncio.to_thread(sf.Account.create, {"Name": job_account.attrs["name"]})
        # A crash between an intent and its answer: the record was made, the ledger has no id for it.
        entry = ctx.ledger.intent(
            "lead",
            "lead:crashed",
            attrs={"email": "ana.lima@crashco.com", "requested_at": "2000-01-01T00:00:00+00:00"},
        )
        assert entry.platform_id is None
        made = await asyncio.to_thread(
            sf.Lead.create,
            {"LastName": "Lima", "FirstName": "Ana", "Company": "CrashCo", "Email": "ana.lima@crashco.com"},
        )
        result = await sim.cleanup()
        assert result["errors"] == []
        remaining = await asyncio.to_thread(by_id, sf, "Account", "Id", None)
        assert theirs["id"] in remaining  # never in the ledger: never touched
        assert made["id"] not in await asyncio.to_thread(by_id, sf, "Lead", "Id", None)  # adopted: made after
        await sim.aclose()


async def test_creates_whose_answer_was_lost_are_made_once_and_recorded(tmp_path: Path) -> None:
    """The org does what a fifth of the calls ask and drops the connection before answering (a gateway
    timing out). Nothing is sent again blindly: every record the job made exists once and is in the
    ledger, and cleanup under the same faults leaves the org as it was."""
    lost = {"fault_rate": 0.2, "kinds": ["lost"], "seed": 4}
    with emulator() as (sandbox, base):
        sf = reader(sandbox, base)
        before = await asyncio.to_thread(snapshot, sf)
        ctx = make_context(tmp_path, job_config(sandbox, base, accounts=6), seed=7)
        ctx.progress["sim_now"] = "2026-11-30T09:00:00+00:00"
        sim = await Simulation.open(ctx, [await connector().open_adapter(ctx)])
        sandbox.faults.update(lost)
        await sim.build()
        await sim.fast_forward(3)
        sandbox.faults.update({"fault_rate": 0.0})
        assert sandbox.stats.as_dict()["totals"]["faults"] > 10

        after = await asyncio.to_thread(snapshot, sf)
        held: dict[str, set[str]] = {}
        for entry in ctx.ledger.entries(statuses=["created"]):
            held.setdefault(SOBJECT[entry.kind], set()).add(str(entry.platform_id))
        for sobject in after:  # what the org gained is exactly what the ledger holds: no twins, no strays
            assert after[sobject] - before[sobject] == held.get(sobject, set()), sobject
        assert held["Case"] and held["CaseComment"] and held["Task"]
        assert [e.key for e in ctx.ledger.entries(statuses=["intent"])] == []

        sandbox.faults.update(lost)
        result = await sim.cleanup()
        sandbox.faults.update({"fault_rate": 0.0})
        assert result["errors"] == []
        assert await asyncio.to_thread(snapshot, sf) == before
        await sim.aclose()


async def test_no_secret_in_the_activity_log(tmp_path: Path) -> None:
    """Nothing the job writes quotes its consumer secret."""
    with emulator() as (sandbox, base):
        config = job_config(sandbox, base, accounts=2)
        ctx = make_context(tmp_path, config, seed=3)
        sim = await Simulation.open(ctx, [await connector().open_adapter(ctx)])
        await sim.build()
        await sim.fast_forward(1)
        await sim.cleanup()
        await sim.aclose()
    text = json.dumps(activity_repo.page(ctx.engine, ctx.job_id, limit=1000), default=str)
    assert str(config["client_secret"]) not in text


async def test_okta_and_salesforce_play_one_company(tmp_path: Path) -> None:
    """With an identity platform, the company has its configured size; the org's sales and support users
    are among its people, with the same names and addresses in Okta, and they own the work in Salesforce."""
    from tenantsim.jobs.platforms import open_adapters
    from tests.conformance.okta_case import OktaCase, _all, _api

    okta = OktaCase()
    with okta.tenant() as okta_base, emulator() as (sandbox, base):
        sf = reader(sandbox, base)
        before = await asyncio.to_thread(snapshot, sf)
        salesforce = {
            k: v
            for k, v in job_config(sandbox, base, accounts=4).items()
            if k not in ("industry", "time_scale", "content_provider")
        }
        config = {
            "connection_type": "okta",
            "industry": "technology",
            "initial_users": 30,
            "time_scale": 1e6,
            "platforms": [
                {
                    k: v
                    for k, v in okta.config(okta_base, 30).items()
                    if k not in ("industry", "time_scale", "initial_users")
                },
                salesforce,
            ],
        }
        ctx = make_context(tmp_path, config, seed=5)
        connectors = {"okta": okta.connector(), "salesforce": connector()}
        sim = await Simulation.open(ctx, await open_adapters(connectors, ctx))
        company = sim.company
        assert len(company.people) == 30 and company.domain == "sandbox-corp.example.com"
        assert len(sim.director.actors) == len(sim.adapters[1].known_people() or ())  # type: ignore[attr-defined]
        await sim.build()
        await sim.fast_forward(3)
        users = await asyncio.to_thread(active_users, sf)
        async with _api(okta_base) as api:
            okta_users = {u["profile"]["login"]: u for u in await _all(api, "/api/v1/users", {})}
        for key in sim.director.actors:
            person = company.people[key]
            in_okta = okta_users.get(company.email(person))
            assert in_okta is not None, person.name
            assert f"{in_okta['profile']['firstName']} {in_okta['profile']['lastName']}" == person.name
            assert any(u["Email"] == company.email(person) for u in users.values())
        view = sim.adapters[1].ctx  # type: ignore[attr-defined]
        owners = {e.attrs.get("owner") for e in view.ledger.entries("opportunity", statuses=["created"])}
        assert owners and owners <= set(users)
        result = await sim.cleanup()
        assert result["errors"] == [] and set(result["platforms"]) == {"okta", "salesforce"}
        assert await asyncio.to_thread(snapshot, sf) == before
        await sim.aclose()
