"""The Salesforce emulator as a product: create_app and describe() with its job object, the seeded org,
persistence, mounting under the tenantsim server, and the CLI."""

from __future__ import annotations

from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from typer.testing import CliRunner

from tenantsim.cli import app as cli_app
from tenantsim.cli import build_sandbox_apps
from tenantsim.sandbox.salesforce import create_app
from tenantsim.settings import Settings
from tests.sandbox.salesforce_support import access_token, connect, sobject
from tests.support.apiserver import running_server
from tests.support.servers import serve_asgi

BASE = "http://127.0.0.1:5104"
V = "/services/data/v59.0"


def test_describe_holds_exactly_what_a_salesforce_job_needs() -> None:
    sandbox = create_app(seed=7)
    described = sandbox.describe(BASE + "/")
    job = described["job"]
    assert job == {
        "connection_type": "salesforce",
        "instance_url": BASE,
        "client_id": described["consumer_key"],
        "client_secret": described["consumer_secret"],
        "username": described["username"],
    }
    assert described["instance_url"] == BASE and described["token_url"] == BASE + "/services/oauth2/token"
    assert described["login_url"] == BASE and described["api_version"] == "59.0"
    assert job["client_id"].startswith("3MVG9") and len(job["client_id"]) == 85
    assert len(job["client_secret"]) == 64
    assert described["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert job["username"] == "integration@sandbox-corp.example.com"
    assert described["org_id"].startswith("00D") and len(described["org_id"]) == 18
    assert (described["daily_limit"], described["window_seconds"]) == (15000, 86400.0)
    titles = {u["title"] for u in described["users"]}
    assert {"Account Executive", "Support Agent", "VP Sales", "Support Manager"} <= titles
    assert all(u["id"].startswith("005") for u in described["users"])
    counts = described["counts"]
    assert counts["Account"] == 8 and counts["Contact"] >= 16 and counts["Opportunity"] >= 8
    assert counts["Case"] == 4 and counts["Lead"] == 5 and counts["User"] == len(described["users"])
    # The same seed gives the same org and credentials on every run, another seed another one.
    assert create_app(seed=7).describe(BASE)["job"] == job
    other = create_app(seed=8).describe(BASE)
    assert other["job"]["client_secret"] != job["client_secret"] and other["org_id"] != described["org_id"]


def test_the_seeded_org_looks_used() -> None:
    sandbox = create_app()
    with serve_asgi(sandbox) as base:
        sf, _ = connect(sandbox, base)
        owners = {r["OwnerId"] for r in sf.query("SELECT OwnerId FROM Account")["records"]}
        assert len(owners) >= 2 and all(o.startswith("005") for o in owners)
        stages = {r["StageName"] for r in sf.query("SELECT StageName FROM Opportunity")["records"]}
        assert len(stages) >= 3
        cases = sf.query("SELECT Status, Owner.Name, Contact.Name FROM Case")["records"]
        assert {c["Status"] for c in cases} >= {"New", "Closed"} and all(c["Contact"] for c in cases)
        assert sf.query("SELECT COUNT() FROM Task WHERE Status = 'Completed'")["totalSize"] > 0


def test_persistence_round_trip(tmp_path: Path) -> None:
    state = tmp_path / "salesforce.json"
    sandbox = create_app(state_path=state)
    with serve_asgi(sandbox) as base:
        sf, _ = connect(sandbox, base)
        account = sobject(sf, "Account").create({"Name": "Kept Co"})["id"]
        contact = sobject(sf, "Contact").create({"LastName": "Kept", "AccountId": account})["id"]
        case = sobject(sf, "Case").create({"Subject": "Kept case", "ContactId": contact})["id"]
        gone = sobject(sf, "Lead").create({"LastName": "Gone", "Company": "Gone Co"})["id"]
        sobject(sf, "Lead").delete(gone)
    sandbox.save()
    saved = state.read_text()
    assert "PRIVATE KEY" not in saved and sandbox.app.consumer_secret not in saved
    assert sandbox.org.org_id[:15] + "!" not in saved  # sessions are not tenant data

    restored = create_app(state_path=state)
    assert restored.org.records[contact]["AccountId"] == account
    assert restored.org.records[case]["AccountId"] == account
    assert restored.org.records[gone]["IsDeleted"] is True
    with serve_asgi(restored) as base:
        sf, _ = connect(restored, base)
        fresh = sobject(sf, "Account").create({"Name": "After restart"})["id"]
        assert fresh not in (account, contact, case, gone)
        number = sobject(sf, "Case").get(sobject(sf, "Case").create({"Subject": "Next"})["id"])["CaseNumber"]
        assert int(number) == int(sobject(sf, "Case").get(case)["CaseNumber"]) + 1
    # Another seed is another org: the file is not restored.
    assert account not in create_app(seed=1, state_path=state).org.records


def test_mounted_under_a_prefix_simple_salesforce_reaches_it() -> None:
    sandbox = create_app()
    host = Starlette(routes=[Mount("/sandbox/salesforce", app=sandbox)])
    with serve_asgi(host) as root:
        base = root + "/sandbox/salesforce"
        described = sandbox.describe(base)
        assert described["job"]["instance_url"] == base
        with httpx.Client(timeout=10) as http:
            granted = http.post(
                described["token_url"],
                data={
                    "grant_type": "client_credentials",
                    "client_id": described["job"]["client_id"],
                    "client_secret": described["job"]["client_secret"],
                },
            ).json()
            assert granted["instance_url"] == base
            record = http.get(
                base + f"{V}/query",
                params={"q": "SELECT Id FROM Account LIMIT 1"},
                headers={"Authorization": f"Bearer {granted['access_token']}"},
            ).json()["records"][0]
            # Paths the API hands out are relative to the instance URL, as Salesforce's are.
            assert record["attributes"]["url"].startswith(V + "/sobjects/Account/")
            assert (
                http.get(
                    base + record["attributes"]["url"],
                    headers={"Authorization": f"Bearer {granted['access_token']}"},
                ).status_code
                == 200
            )
        sf, _ = connect(sandbox, base)
        assert len(sf.query_all("SELECT Id FROM Contact")["records"]) >= 16


def test_the_server_embeds_it_and_api_sandbox_lists_it(tmp_path: Path) -> None:
    apps = build_sandbox_apps(Settings(var_dir=tmp_path, sandbox_users=3))
    assert "salesforce" in apps and apps["salesforce"].window_seconds == 86400.0
    with running_server(tmp_path, sandbox_apps=apps) as srv:
        listed = srv.client.get("/api/sandbox")
        assert listed.status_code == 200, listed.text
        salesforce = listed.json()["tenants"]["salesforce"]
        base = f"http://127.0.0.1:{srv.settings.port}/sandbox/salesforce"
        assert salesforce["job"]["instance_url"] == base
        described = srv.client.get("/sandbox/salesforce/_sandbox/describe").json()
        assert described["job"] == salesforce["job"]
        bearer = {"Authorization": f"Bearer {access_token(base, apps['salesforce'])}"}
        assert srv.client.get(f"/sandbox/salesforce{V}/limits", headers=bearer).status_code == 200


def test_the_cli_has_a_salesforce_sandbox_command() -> None:
    result = CliRunner().invoke(cli_app, ["sandbox", "salesforce", "--help"])
    assert result.exit_code == 0
    assert (
        "--port" in result.output and "--daily-limit" in result.output and "--window-seconds" in result.output
    )
