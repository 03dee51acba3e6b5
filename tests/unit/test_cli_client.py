"""`tenantsim jobs ...` and `tenantsim templates` against a real server on a loopback port."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from tenantsim import cli_client
from tenantsim.cli import app, build_sandbox_apps
from tenantsim.settings import Settings
from tests.support.apiserver import RunningServer, running_server
from tests.support.bodies import OKTA_URL, okta_body, wait_for
from tests.support.fake_platform import FakeConnector, FakePlatform
from tests.support.servers import free_port

runner = CliRunner()


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def server(tmp_path: Path, platform: FakePlatform) -> Iterator[RunningServer]:
    connectors = {"asana": FakeConnector("asana", platform), "okta": FakeConnector("okta", platform)}
    with running_server(tmp_path, connectors=connectors) as srv:
        yield srv


def cli(srv: RunningServer, *args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Any:
    return runner.invoke(app, [*args, "--server", srv.base_url], env=env, input=stdin)


# A startup's one acting person at business hours can go a simulated night without an event: the tests
# that wait for events ask for a busy company at every hour, whatever the time of day the suite runs.
BUSY = {"time_scale": 36000, "working_hours": "always", "activity_level": "high"}


def start_job(srv: RunningServer, **overrides: Any) -> str:
    settings = {**BUSY, **overrides}
    result = cli(srv, "jobs", "start", "--template", "startup-tech-okta", "--set", f"org_url={OKTA_URL}",
                 "--token", "admin1=good-okta-1", "--json",
                 *[a for k, v in settings.items() for a in ("--set", f"{k}={v}")])
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["job_id"])


def job(srv: RunningServer, job_id: str) -> dict[str, Any]:
    return dict(srv.client.get(f"/api/jobs/{job_id}").json())


def test_templates_command_lists_presets(server: RunningServer) -> None:
    result = cli(server, "templates")
    assert result.exit_code == 0, result.output
    assert "startup-tech-okta" in result.output and "agency-asana" in result.output
    names = {t["name"] for t in json.loads(cli(server, "templates", "--json").stdout)}
    assert "midsize-healthcare-okta" in names


def test_start_from_template_with_overrides(server: RunningServer) -> None:
    job_id = start_job(server, activity_level="low", time_scale=3600)
    config = job(server, job_id)["config"]
    assert config["template"] == "startup-tech-okta"
    assert config["org_size"] == "startup" and config["activity_level"] == "low"
    assert config["time_scale"] == 3600  # --set values are YAML: numbers stay numbers
    assert config["user_tokens"][0]["org_url"] == OKTA_URL


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_start_from_a_file(server: RunningServer, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"job.{suffix}"
    body = okta_body(job_name=f"From {suffix}")
    path.write_text(yaml.safe_dump(body) if suffix == "yaml" else json.dumps(body))
    result = cli(server, "jobs", "start", "-f", str(path))
    assert result.exit_code == 0, result.output
    assert "Started job_" in result.output
    listing = json.loads(cli(server, "jobs", "list", "--json").stdout)
    assert [j["job_name"] for j in listing] == [f"From {suffix}"]


def test_start_reports_server_errors(server: RunningServer) -> None:
    result = cli(server, "jobs", "start", "--template", "no-such-template")
    assert result.exit_code == 1
    assert "Unknown template: no-such-template" in result.output
    bad = cli(server, "jobs", "start", "--template", "startup-tech-okta", "--set", f"org_url={OKTA_URL}",
              "--token", "bad-token")
    assert bad.exit_code == 1
    assert "No valid user tokens" in bad.output and "bad-token" not in bad.output


def test_list_show_and_lifecycle_commands(server: RunningServer) -> None:
    job_id = start_job(server)
    wait_for(lambda: job(server, job_id)["events_total"] >= 2, message="events")
    listing = cli(server, "jobs", "list")
    assert listing.exit_code == 0 and job_id in listing.output and "running" in listing.output
    shown = cli(server, "jobs", "show", job_id)
    assert shown.exit_code == 0 and "Initial build" in shown.output and "widget" in shown.output
    assert cli(server, "jobs", "pause", job_id).exit_code == 0
    assert job(server, job_id)["status"] == "paused"
    assert cli(server, "jobs", "resume", job_id).exit_code == 0
    assert job(server, job_id)["status"] == "running"
    assert cli(server, "jobs", "generate-now", job_id).exit_code == 0
    stopped = cli(server, "jobs", "stop", job_id)
    assert stopped.exit_code == 0 and "stopped" in stopped.output
    again = cli(server, "jobs", "resume", job_id)
    assert again.exit_code == 1 and "only a paused job can be resumed" in again.output


def test_logs_and_follow_until_the_job_stops(server: RunningServer) -> None:
    job_id = start_job(server)
    wait_for(lambda: job(server, job_id)["events_total"] >= 3, message="events")
    logs = cli(server, "jobs", "logs", job_id, "-n", "5")
    assert logs.exit_code == 0
    assert len([line for line in logs.output.splitlines() if line.strip()]) == 5
    lines = cli(server, "jobs", "logs", job_id, "--json").output.splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(ids), "logs print oldest first"

    stopper = threading.Timer(1.5, lambda: server.client.post(f"/api/jobs/{job_id}/stop"))
    stopper.start()
    started = time.monotonic()
    followed = cli(server, "jobs", "logs", job_id, "--follow", "-n", "2")
    stopper.join()
    assert followed.exit_code == 0, followed.output
    assert "status → stopped" in followed.output
    assert time.monotonic() - started < 30
    assert "widget_created" in followed.output


def test_cleanup_shows_progress_and_removes_only_job_objects(server: RunningServer,
                                                             platform: FakePlatform) -> None:
    job_id = start_job(server)
    wait_for(lambda: job(server, job_id)["events_total"] >= 3, message="events")
    result = cli(server, "jobs", "cleanup", job_id, "--yes")
    assert result.exit_code == 0, result.output
    assert "Cleaned up" in result.output and "deleted_widgets" in result.output
    assert set(platform.objects) == platform.preexisting
    assert job(server, job_id)["status"] == "cleaned"


def test_delete_asks_first(server: RunningServer) -> None:
    job_id = start_job(server)
    declined = cli(server, "jobs", "delete", job_id, stdin="n\n")
    assert declined.exit_code == 1
    assert "stay in the tenant" in declined.output or "Delete job" in declined.output
    assert job(server, job_id)["status"] != "deleted"
    confirmed = cli(server, "jobs", "delete", job_id, "--yes")
    assert confirmed.exit_code == 0 and "deleted" in confirmed.output
    assert job(server, job_id)["status"] == "deleted"


def test_clone_with_overrides(server: RunningServer) -> None:
    job_id = start_job(server)
    result = cli(server, "jobs", "clone", job_id, "--set", "activity_level=high", "--json")
    assert result.exit_code == 0, result.output
    clone_id = json.loads(result.stdout)["job_id"]
    assert job(server, clone_id)["config"]["activity_level"] == "high"


def test_unknown_job_and_unreachable_server() -> None:
    result = runner.invoke(app, ["jobs", "show", "job_x", "--server", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 2
    assert "Cannot reach tenantsim" in result.output


def test_unknown_job_is_an_error(server: RunningServer) -> None:
    result = cli(server, "jobs", "show", "job_nope")
    assert result.exit_code == 1 and "Job not found: job_nope" in result.output


def test_api_key_from_the_environment(tmp_path: Path) -> None:
    key = "cli-test-key-0123456789abcdef"
    connectors = {"okta": FakeConnector("okta")}
    with running_server(tmp_path, connectors=connectors, api_key=key) as srv:
        refused = cli(srv, "jobs", "list", env={"TENANTSIM_API_KEY": ""})
        assert refused.exit_code == 1 and "Unauthorized" in refused.output
        allowed = cli(srv, "jobs", "list", env={"TENANTSIM_API_KEY": key})
        assert allowed.exit_code == 0, allowed.output
        assert key not in allowed.output


def test_sandbox_okta_job_start_and_cleanup(tmp_path: Path) -> None:
    """The real Okta connector against the embedded sandbox org: start from a template, clean up."""
    port = free_port()
    settings = Settings(var_dir=tmp_path, port=port, sandbox=True, sandbox_rate_limit=6000)
    with running_server(tmp_path, sandbox_apps=build_sandbox_apps(settings), port=port,
                        sandbox_rate_limit=6000) as srv:
        result = cli(srv, "jobs", "start", "--template", "startup-tech-okta", "--sandbox",
                     "--set", "initial_users=4", "--json")
        assert result.exit_code == 0, result.output
        job_id = json.loads(result.stdout)["job_id"]
        wait_for(lambda: job(srv, job_id)["progress"]["phase"] == "activity", timeout=60, message="build")
        assert job(srv, job_id)["created_objects"].get("user", 0) >= 4
        cleaned = cli(srv, "jobs", "cleanup", job_id, "-y")
        assert cleaned.exit_code == 0, cleaned.output
        view = job(srv, job_id)
        assert view["status"] == "cleaned"
        assert sum(view["created_objects"].values()) == 0


def test_cleanup_asks_first(server: RunningServer, platform: FakePlatform) -> None:
    job_id = start_job(server)
    wait_for(lambda: job(server, job_id)["created_objects"].get("widget", 0) >= 5, message="build")
    declined = cli(server, "jobs", "cleanup", job_id, stdin="n\n")
    assert declined.exit_code == 1
    assert "Clean up job" in declined.output and "objects it created" in declined.output
    assert job(server, job_id)["status"] not in ("cleaning", "cleaned")
    assert set(platform.objects) > platform.preexisting
    confirmed = cli(server, "jobs", "cleanup", job_id, stdin="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert job(server, job_id)["status"] == "cleaned"


def test_every_problem_of_a_start_is_printed(server: RunningServer) -> None:
    result = cli(server, "jobs", "start", "--template", "startup-tech-okta", "--set", f"org_url={OKTA_URL}",
                 "--token", "admin1=good-okta-1", "--set", "initial_user=5", "--set", "org_size=huge")
    assert result.exit_code == 1
    assert "Invalid org_size: must be one of startup, midsize, enterprise" in result.output
    assert "Unknown field: initial_user (did you mean initial_users?)" in result.output


LONG_NAME = "A demo job whose name is far longer than any terminal column would hold, on purpose"


def test_list_when_piped_keeps_every_value_whole(server: RunningServer) -> None:
    job_id = start_job(server, job_name=f'"{LONG_NAME}"')
    result = cli(server, "jobs", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["JOB", "STATUS", "PLATFORM", "INDUSTRY", "OBJECTS", "EVENTS/H", "ACTIVE",
                                "NAME"]
    row = next(line for line in lines if line.startswith(job_id))
    assert row.endswith(LONG_NAME) and "…" not in result.output and "\x1b" not in result.output


def test_list_fits_an_80_column_terminal(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = start_job(server, job_name=f'"{LONG_NAME}"')
    screen = io.StringIO()
    monkeypatch.setattr(cli_client, "out", Console(file=screen, width=80, force_terminal=True,
                                                   color_system=None))
    result = cli(server, "jobs", "list")
    assert result.exit_code == 0, result.output
    lines = screen.getvalue().splitlines()
    assert lines and all(len(line) <= 80 for line in lines), lines
    row = next(line for line in lines if line.startswith(job_id))  # the id whole, first
    assert "running" in row or "pending" in row
    assert "A demo job whose" in row


def test_sandbox_start_fills_the_target_tokens_and_offline_content(tmp_path: Path) -> None:
    """--sandbox with a --token of the sandbox org (its org_url goes into the token), and --sandbox
    without a template (offline content, so no Anthropic key is needed)."""
    port = free_port()
    settings = Settings(var_dir=tmp_path, port=port, sandbox=True, sandbox_rate_limit=6000)
    with running_server(tmp_path, sandbox_apps=build_sandbox_apps(settings), port=port,
                        sandbox_rate_limit=6000) as srv:
        org_url = srv.client.get("/api/sandbox").json()["tenants"]["okta"]["org_url"]
        with_token = cli(srv, "jobs", "start", "--template", "startup-tech-okta", "--sandbox",
                         "--token", "admin=00sandbox-okta-admin", "--set", "initial_users=3", "--json")
        assert with_token.exit_code == 0, with_token.output
        config = job(srv, json.loads(with_token.stdout)["job_id"])["config"]
        assert config["org_url"] == org_url and config["user_tokens"][0]["org_url"] == org_url
        no_template = cli(srv, "jobs", "start", "--sandbox", "--set", "connection_type=okta",
                          "--set", "industry=retail", "--set", "org_size=startup", "--set", "initial_users=3",
                          "--json")
        assert no_template.exit_code == 0, no_template.output
        config = job(srv, json.loads(no_template.stdout)["job_id"])["config"]
        assert config["content_provider"] == "offline" and config["org_url"] == org_url
        asana = cli(srv, "jobs", "start", "--sandbox", "--set", "industry=media",
                    "--set", "initial_projects=1", "--json")
        assert asana.exit_code == 0, asana.output
        config = job(srv, json.loads(asana.stdout)["job_id"])["config"]
        assert config["workspace_gid"] and len(config["user_tokens"]) >= 1


def test_one_company_on_three_sandbox_platforms(tmp_path: Path) -> None:
    """`--platform okta --platform google_workspace --platform asana --sandbox`: each platform aimed at its
    sandbox tenant, one job whose Okta org and Google Workspace hold the same people (the Asana token
    owners among them), all of it cleaned up."""
    port = free_port()
    settings = Settings(var_dir=tmp_path, port=port, sandbox=True, sandbox_rate_limit=60_000)
    sandboxes = build_sandbox_apps(settings)
    with running_server(tmp_path, sandbox_apps=sandboxes, port=port, sandbox_rate_limit=60_000) as srv:
        okta_before = set(sandboxes["okta"].org.users)
        google_before = set(sandboxes["google"].tenant.users)
        result = cli(srv, "jobs", "start", "--platform", "okta", "--platform", "google_workspace",
                     "--platform", "asana", "--sandbox", "--set", "industry=media",
                     "--set", "org_size=startup", "--set", "initial_users=12", "--json")
        assert result.exit_code == 0, result.output
        job_id = json.loads(result.stdout)["job_id"]
        wait_for(lambda: job(srv, job_id)["progress"]["phase"] == "activity", timeout=90, message="build")
        assert job(srv, job_id)["platforms"] == ["okta", "google_workspace", "asana"]
        shown = cli(srv, "jobs", "show", job_id)
        assert "okta + google_workspace + asana" in shown.output
        made = set(sandboxes["okta"].org.users) - okta_before
        logins = {sandboxes["okta"].org.users[uid].profile["login"] for uid in made}
        in_google = {sandboxes["google"].tenant.users[uid].primary_email for uid in
                     set(sandboxes["google"].tenant.users) - google_before}
        owners = {u["email"] for u in sandboxes["asana"].describe("")["users"][:3]}
        assert len(made) == 12 and owners <= logins and in_google == logins
        cleaned = cli(srv, "jobs", "cleanup", job_id, "-y")
        assert cleaned.exit_code == 0, cleaned.output
        assert set(sandboxes["okta"].org.users) == okta_before
        assert set(sandboxes["google"].tenant.users) == google_before
