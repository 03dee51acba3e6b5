"""`tenantsim jobs ...` and `tenantsim templates`: a client of a running tenantsim server.

Talks HTTP to ``--server`` (default http://127.0.0.1:5001, or TENANTSIM_SERVER) and sends
TENANTSIM_API_KEY as a Bearer token when set. Every command takes ``--json`` for scripts; errors go to
stderr with exit code 1 (2 when the server cannot be reached).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx
import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

DEFAULT_SERVER = "http://127.0.0.1:5001"
FINAL = ("stopped", "failed", "cleaned", "deleted")
STATUS_STYLE = {"running": "green", "pending": "blue", "paused": "yellow", "stopped": "dim",
                "failed": "red", "cleaning": "magenta", "cleaned": "cyan", "deleted": "dim"}

out = Console()
err = Console(stderr=True)
jobs_app = typer.Typer(help="Start, watch and control jobs on a running tenantsim server.",
                       no_args_is_help=True)

ServerOpt = typer.Option(DEFAULT_SERVER, "--server", envvar="TENANTSIM_SERVER",
                         help="The tenantsim server (TENANTSIM_SERVER).")
KeyOpt = typer.Option(None, "--api-key", envvar="TENANTSIM_API_KEY", show_default=False,
                      help="Sent as a Bearer token (TENANTSIM_API_KEY).")
JsonOpt = typer.Option(False, "--json", help="Print the server's JSON answer.")
SetOpt = typer.Option(None, "--set", "-s", help="KEY=VALUE override (repeatable); VALUE is read as YAML.")
FileOpt = typer.Option(None, "--file", "-f", help="Job configuration (JSON or YAML; - for stdin).")
TemplateOpt = typer.Option(None, "--template", "-t", help="A named preset (see: tenantsim templates).")
TokenOpt = typer.Option(None, "--token", help="NAME=TOKEN (repeatable).")
SandboxOpt = typer.Option(False, "--sandbox", help="Use the server's sandbox tenant and tokens.")
PlatformOpt = typer.Option(None, "--platform", help="A platform the company lives on (repeatable).")
StatusOpt = typer.Option(None, "--status", help="Only these statuses (comma-separated).")
WaitOpt = typer.Option(True, "--wait/--no-wait", help="Show progress until done.")
YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask.")


class Client:
    def __init__(self, server: str, api_key: str | None, timeout: float = 120.0) -> None:
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.server = server.rstrip("/")
        self.http = httpx.Client(base_url=self.server, headers=headers, timeout=timeout)

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError:
            fail(f"Cannot reach tenantsim at {self.server}: is the server running? (tenantsim serve)", 2)
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {"data": body}
        if response.status_code >= 400 or body.get("success") is False:
            listed = body.get("errors")
            details = [str(d) for d in listed] if isinstance(listed, list) else []
            fail(str(body.get("error") or f"HTTP {response.status_code}"), details=details)
        return body

    def events(self, job_id: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The job's Server-Sent Events stream, one decoded message at a time."""
        headers = {"Accept": "text/event-stream"}
        timeout = httpx.Timeout(10.0, read=None)
        with self.http.stream("GET", f"/api/jobs/{job_id}/stream", params=params, headers=headers,
                              timeout=timeout) as response:
            if response.status_code >= 400:
                response.read()
                try:
                    fail(str(response.json().get("error")))
                except ValueError:
                    fail(f"HTTP {response.status_code}")
            for line in response.iter_lines():
                if line.startswith("data:"):
                    yield json.loads(line[5:].strip())


def fail(message: str, code: int = 1, details: list[str] | None = None) -> NoReturn:
    """``message`` on stderr; ``details`` (every problem the server found) below it, when they say more."""
    err.print(f"[red]Error:[/red] {escape(message)}", highlight=False)
    if details and details != [message]:
        for detail in details:
            err.print(f"  - {detail}", highlight=False, markup=False)
    raise typer.Exit(code)


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            fail(f"--set wants KEY=VALUE, got {item!r}")
        values[key.strip()] = yaml.safe_load(raw) if raw.strip() else None
    return values


def load_file(path: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"Cannot read {path}: {exc.strerror}")
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError:
        fail(f"{path} is neither JSON nor YAML")
    if not isinstance(data, dict):
        fail(f"{path} must hold one object (a job configuration)")
    return data


def parse_tokens(items: list[str] | None, org_url: str | None) -> list[dict[str, Any]]:
    tokens = []
    for index, item in enumerate(items or []):
        name, sep, token = item.partition("=")
        if not sep:
            name, token = f"user{index + 1}", item
        entry = {"name": name, "token": token}
        if org_url:
            entry["org_url"] = org_url
        tokens.append(entry)
    return tokens


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def fill_sandbox(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    """Aim the job at the server's embedded sandbox tenant of its platform (of each of its ``platforms``):
    the tenant's fields and tokens (the new-job form's sandbox values, ``GET /api/sandbox``) for whatever
    the body leaves empty, and offline content unless the body asks for Claude."""
    info = client.call("GET", "/api/sandbox")
    if isinstance(body.get("platforms"), list):
        filled = {**body, "platforms": [_sandbox_target(info, dict(e)) for e in body["platforms"]]}
    else:
        filled = _sandbox_target(info, dict(body))
    if "content_provider" not in filled and _empty(filled.get("anthropic_api_key")):
        filled["content_provider"] = "offline"  # a sandbox demo needs no Anthropic key
    return filled


def _sandbox_target(info: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    kind = target.get("connection_type") or "asana"
    fill = (info.get("form") or {}).get(kind)
    if not info.get("sandbox") or not fill:
        fail(f"The server runs no {kind} sandbox tenant (start it with: tenantsim serve --sandbox)")
    for name, value in (fill.get("fields") or {}).items():
        if not _empty(value) and _empty(target.get(name)):
            target[name] = value
    for name, options in (fill.get("options") or {}).items():
        if options and _empty(target.get(name)):
            target[name] = options[0]["value"]
    if _empty(target.get("user_tokens")) and fill.get("user_tokens"):
        target["user_tokens"] = [dict(t) for t in fill["user_tokens"]]
    return target


def with_token_fields(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    """Copy each platform's per-token fields (Okta's org_url) into each user token that lacks them."""
    platforms = client.call("GET", "/api/platforms").get("platforms") or []
    if isinstance(body.get("platforms"), list):
        return {**body, "platforms": [_token_fields(platforms, dict(e)) for e in body["platforms"]]}
    return _token_fields(platforms, body)


def _token_fields(platforms: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    tokens = body.get("user_tokens")
    if not isinstance(tokens, list) or not tokens:
        return body
    kind = body.get("connection_type") or "asana"
    spec: dict[str, Any] = next((p for p in platforms if p.get("connection_type") == kind), {})
    per_token = [f["name"] for f in spec.get("fields") or [] if f.get("per_token")]
    filled = []
    for token in tokens:
        entry = dict(token) if isinstance(token, dict) else token
        if isinstance(entry, dict):
            for name in per_token:
                if _empty(entry.get(name)) and not _empty(body.get(name)):
                    entry[name] = body[name]
        filled.append(entry)
    return {**body, "user_tokens": filled}


def show_json(data: Any) -> None:
    out.print_json(json.dumps(data, default=str))


def status_text(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def ago(iso: str | None) -> str:
    """``2026-05-01T10:00:00+00:00`` -> ``3m ago``: what a person scanning a list wants."""
    if not iso:
        return "never"
    seconds = max(0.0, time.time() - datetime.fromisoformat(iso).timestamp())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"


def total(counts: dict[str, int] | None) -> int:
    return sum((counts or {}).values())


LIST_COLUMNS = ("JOB", "STATUS", "PLATFORM", "INDUSTRY", "OBJECTS", "EVENTS/H", "ACTIVE", "NAME")
WIDE_LIST = 110  # columns a terminal needs for every column of `jobs list`


def aligned(columns: tuple[str, ...], rows: list[dict[str, str]], right: tuple[str, ...] = ()) -> list[str]:
    """Plain text columns two spaces apart, nothing cut: what a pipe, grep or a file wants."""
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in columns}
    lines = []
    for cells in [dict(zip(columns, columns, strict=True)), *rows]:
        parts = [cells[c].rjust(widths[c]) if c in right else cells[c].ljust(widths[c]) for c in columns]
        lines.append("  ".join(parts).rstrip())
    return lines


# -- commands -------------------------------------------------------------------------------------------

@jobs_app.command("start")
def start(file: str | None = FileOpt, template: str | None = TemplateOpt, sets: list[str] | None = SetOpt,
          token: list[str] | None = TokenOpt, sandbox: bool = SandboxOpt,
          platform: list[str] | None = PlatformOpt, server: str = ServerOpt, api_key: str | None = KeyOpt,
          as_json: bool = JsonOpt) -> None:
    """Start a job from a file, a template, or both (later options win).

    --sandbox aims it at the server's sandbox tenant (its org or workspace and tokens) with offline
    content; --set KEY=VALUE overrides one field; --token NAME=TOKEN gives a user token (repeatable);
    --platform NAME (repeatable) plays one company on each platform named (with --sandbox, on each
    platform's sandbox tenant).
    """
    body: dict[str, Any] = load_file(file) if file else {}
    if template:
        body["template"] = template
    body.update(parse_sets(sets))
    if not file and not template and not body:
        fail("Say what to start: --file job.yaml, --template NAME, or --set KEY=VALUE")
    client = Client(server, api_key)
    if platform:  # one company on each of these platforms
        body["platforms"] = [{"connection_type": name} for name in platform]
    elif template and "connection_type" not in body:  # the sandbox needs to know the platform now
        found = client.call("GET", f"/api/templates/{template}")["template"]
        if isinstance(found["config"].get("platforms"), list):
            body["platforms"] = [dict(entry) for entry in found["config"]["platforms"]]
        else:
            body["connection_type"] = found["connection_type"]
    if token and platform:
        fail("--token gives one platform's tokens: with --platform, put each platform's user_tokens "
             "in --file")
    if token:
        body["user_tokens"] = parse_tokens(token, body.get("org_url"))
    if sandbox:
        body = fill_sandbox(client, body)
    if token or sandbox:
        body = with_token_fields(client, body)
    result = client.call("POST", "/api/jobs/start", json=body)
    if as_json:
        show_json(result)
        return
    out.print(f"[green]Started[/green] {result['job_id']} ({result['connection_type']})")
    out.print(f"Watch it: tenantsim jobs logs {result['job_id']} --follow", style="dim")


@jobs_app.command("list")
def list_jobs(status: str | None = StatusOpt, server: str = ServerOpt, api_key: str | None = KeyOpt,
              as_json: bool = JsonOpt) -> None:
    """Every job with its status and figures."""
    client = Client(server, api_key)
    data = client.call("GET", "/api/overview")
    rows = data["jobs"]
    if status:
        wanted = {s.strip() for s in status.split(",")}
        rows = [r for r in rows if r["status"] in wanted]
    if as_json:
        show_json(rows)
        return
    if not rows:
        out.print("No jobs. Start one: tenantsim jobs start --template startup-tech-okta --sandbox")
        return
    cells = [{"JOB": row["job_id"], "STATUS": row["status"], "PLATFORM": row["connection_type"],
              "INDUSTRY": row["industry"], "OBJECTS": str(row["created_objects_count"]),
              "EVENTS/H": f"{row['events_per_hour']:.1f}", "ACTIVE": ago(row.get("last_activity_at")),
              "NAME": row["job_name"]} for row in rows]
    if not out.is_terminal:  # piped: every value whole, aligned, no colour and no line folding
        for line in aligned(LIST_COLUMNS, cells, right=("OBJECTS", "EVENTS/H")):
            typer.echo(line)
        return
    # A terminal: every column but the name whole; a narrow one drops industry and rate, and the name
    # takes what is left (cut with "…"), so no line wraps.
    columns = [c for c in LIST_COLUMNS if out.width >= WIDE_LIST or c not in ("INDUSTRY", "EVENTS/H")]
    widths = {c: max(len(c), *(len(cell[c]) for cell in cells)) for c in columns if c != "NAME"}
    room = max(len("NAME"), out.width - sum(widths.values()) - 2 * (len(columns) - 1))
    room = min(room, max(len("NAME"), *(len(cell["NAME"]) for cell in cells)))
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1))
    for column in columns:
        table.add_column(column, no_wrap=True, width=widths.get(column, room),
                         justify="right" if column in ("OBJECTS", "EVENTS/H") else "left")
    for c in cells:
        name = c["NAME"] if len(c["NAME"]) <= room else c["NAME"][:room - 1] + "…"
        table.add_row(*(status_text(c[k]) if k == "STATUS" else name if k == "NAME" else c[k]
                        for k in columns))
    out.print(table, highlight=False)


@jobs_app.command("show")
def show(job_id: str, server: str = ServerOpt, api_key: str | None = KeyOpt, as_json: bool = JsonOpt) -> None:
    """One job: status, build progress, objects, rate limits, errors."""
    job = Client(server, api_key).call("GET", f"/api/jobs/{job_id}")
    job.pop("success", None)
    if as_json:
        show_json(job)
        return
    progress = job.get("progress") or {}
    out.print(f"[bold]{job['job_name']}[/bold]  {job['job_id']}  {status_text(job['status'])}")
    platforms = " + ".join(job.get("platforms") or [job["connection_type"]])
    out.print(f"{platforms} · {job['industry']} · events {job['events_total']} "
              f"({job['events_per_hour']:.1f}/h) · last activity {job.get('last_activity_at') or '-'}")
    eta = progress.get("eta_seconds")
    out.print(f"Initial build: {progress.get('phase')} {progress.get('percent', 0):.0f}% "
              f"({progress.get('initial_done', 0)} of {progress.get('initial_total', 0)})"
              + (f", about {eta:.0f}s left" if eta else ""))
    table = Table("KIND", "IN TENANT", "EVER CREATED", box=None, header_style="bold")
    ever = job.get("created_objects_total") or {}
    for kind in sorted(ever):
        table.add_row(kind, str((job.get("created_objects") or {}).get(kind, 0)), str(ever[kind]))
    if ever:
        out.print(table)
    limits = job.get("rate_limit") or {}
    headroom = limits.get("headroom")
    out.print(f"Platform calls {limits.get('calls', 0)} · throttled {limits.get('throttled', 0)} · "
              f"head-room {'-' if headroom is None else format(headroom, '.0%')}")
    if job.get("last_error"):
        out.print(f"[red]Last error:[/red] {job['last_error']}", highlight=False)
    if job.get("cleanup_result"):
        out.print(f"Cleanup result: {json.dumps(job['cleanup_result'])}", highlight=False)


def _print_entry(entry: dict[str, Any]) -> None:
    stamp = str(entry.get("timestamp", ""))[11:19]
    kind = str(entry.get("event_type", ""))
    style = "red" if kind == "error" or kind.endswith("_failed") else "cyan"
    out.print(f"[dim]{stamp}[/dim]  [{style}]{kind:<22}[/]  {entry.get('message', '')}", highlight=False,
              soft_wrap=True)


@jobs_app.command("logs")
def logs(job_id: str, follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new entries."),
         limit: int = typer.Option(50, "--limit", "-n", min=1, max=500, help="Entries to show first."),
         server: str = ServerOpt, api_key: str | None = KeyOpt, as_json: bool = JsonOpt) -> None:
    """The activity log; with --follow, live until the job reaches a final status (or Ctrl-C)."""
    client = Client(server, api_key)
    if not follow:
        page = client.call("GET", f"/api/jobs/{job_id}/activity_log", params={"limit": limit})
        for entry in reversed(page["activity_log"]):
            if as_json:
                out.print(json.dumps(entry, default=str), highlight=False, soft_wrap=True)
            else:
                _print_entry(entry)
        return
    last_id: int | None = None
    try:
        while True:
            params: dict[str, Any] = {"backlog": limit} if last_id is None else {"after": last_id}
            try:
                for message in client.events(job_id, params):
                    if as_json and message["type"] in ("activity", "status"):
                        out.print(json.dumps(message, default=str), highlight=False, soft_wrap=True)
                    if message["type"] == "activity":
                        last_id = message["entry"].get("id") or last_id
                        if not as_json:
                            _print_entry(message["entry"])
                    elif message["type"] == "status":
                        if not as_json:
                            out.print(f"[bold]status → {status_text(message['status'])}[/bold]")
                        if message["status"] in FINAL:
                            return
            except httpx.TransportError:
                err.print("[yellow]stream interrupted; reconnecting…[/yellow]")
                time.sleep(1.0)
    except KeyboardInterrupt:
        return


def _action(verb: str, method: str = "POST", past: str | None = None) -> Any:
    def command(job_id: str, server: str = ServerOpt, api_key: str | None = KeyOpt,
                as_json: bool = JsonOpt) -> None:
        result = Client(server, api_key).call(method, f"/api/jobs/{job_id}/{verb}")
        if as_json:
            show_json(result)
        else:
            out.print(result.get("message") or f"Job {job_id} {past or verb}", highlight=False)
    return command


jobs_app.command("pause", help="Pause a running job (takes effect within a second).")(_action("pause"))
jobs_app.command("resume", help="Resume a paused job.")(_action("resume"))
jobs_app.command("stop", help="Stop a job; what it created stays until cleanup.")(_action("stop"))
jobs_app.command("generate-now", help="Produce one event right away.")(_action("generate-now"))


@jobs_app.command("cleanup")
def cleanup(job_id: str, wait: bool = WaitOpt, yes: bool = YesOpt,
            server: str = ServerOpt, api_key: str | None = KeyOpt, as_json: bool = JsonOpt) -> None:
    """Delete everything the job created (and nothing else), with a progress bar. Asks first (-y: don't)."""
    client = Client(server, api_key)
    if not yes:
        job = client.call("GET", f"/api/jobs/{job_id}")
        left = total(job.get("created_objects"))
        what = f"the {left} objects it created" if left else "what it created"
        if not typer.confirm(f"Clean up job {job_id} ({job['job_name']})? This stops it and deletes {what} "
                             "in its tenant (nothing else is touched).", default=False):
            raise typer.Exit(1)
    client.call("POST", f"/api/jobs/{job_id}/cleanup", params={"wait": "false"})
    if not wait:
        out.print(f"Cleanup of {job_id} started")
        return
    job = client.call("GET", f"/api/jobs/{job_id}")
    with Progress(TextColumn("[bold]Cleaning up[/bold]"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("objects removed"), TimeElapsedColumn(), console=err,
                  disable=as_json) as bar:
        task = bar.add_task("cleanup", total=max(1, total(job.get("created_objects_total"))))
        while True:
            everything = total(job.get("created_objects_total"))
            left = total(job.get("created_objects"))
            bar.update(task, total=max(1, everything), completed=everything - left)
            if job["status"] != "cleaning" and (job["status"] in ("cleaned", "failed")
                                                or job.get("cleanup_result") is not None):
                break
            time.sleep(0.5)
            job = client.call("GET", f"/api/jobs/{job_id}")
    if as_json:
        show_json({"job_id": job_id, "status": job["status"], "cleanup_result": job.get("cleanup_result"),
                   "last_error": job.get("last_error")})
    elif job["status"] == "failed":
        fail(f"Cleanup failed: {job.get('last_error')}")
    else:
        result = json.dumps(job.get("cleanup_result"))
        out.print(f"[green]Cleaned up[/green] {job_id}: {result}", highlight=False)
    if job["status"] == "failed":
        raise typer.Exit(1)


@jobs_app.command("delete")
def delete(job_id: str, yes: bool = YesOpt,
           server: str = ServerOpt, api_key: str | None = KeyOpt, as_json: bool = JsonOpt) -> None:
    """Delete a job (it stops and leaves the list; what it created stays unless cleaned up)."""
    client = Client(server, api_key)
    if not yes:
        job = client.call("GET", f"/api/jobs/{job_id}")
        left = total(job.get("created_objects"))
        note = f" Its {left} objects stay in the tenant (run cleanup first to remove them)." if left else ""
        if not typer.confirm(f"Delete job {job_id} ({job['job_name']})?{note}", default=False):
            raise typer.Exit(1)
    result = client.call("DELETE", f"/api/jobs/{job_id}/delete")
    if as_json:
        show_json(result)
    else:
        out.print(result["message"], highlight=False)


@jobs_app.command("clone")
def clone(job_id: str, sets: list[str] | None = SetOpt,
          file: str | None = typer.Option(None, "--file", "-f", help="Overrides (JSON or YAML)."),
          server: str = ServerOpt, api_key: str | None = KeyOpt, as_json: bool = JsonOpt) -> None:
    """Start a new job with the same configuration (tokens included) and the given overrides."""
    overrides = load_file(file) if file else {}
    overrides.update(parse_sets(sets))
    result = Client(server, api_key).call("POST", f"/api/jobs/{job_id}/clone", json=overrides)
    if as_json:
        show_json(result)
    else:
        out.print(f"[green]Cloned[/green] {job_id} → {result['job_id']}", highlight=False)


def figure(value: float) -> str:
    """A measure's value as a person reads it: whole numbers plain, others to two decimals."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


@jobs_app.command("realism")
def realism(job_id: str, server: str = ServerOpt, api_key: str | None = KeyOpt,
            as_json: bool = JsonOpt) -> None:
    """How real the job's tenant looks: measures read back through the platform's API, each with the
    band a real company's figure falls in."""
    data = Client(server, api_key).call("GET", f"/api/jobs/{job_id}/realism")
    if as_json:
        show_json(data)
        return
    measures = data.get("measures") or []
    table = Table("MEASURE", "VALUE", "BAND", "OK", box=None, header_style="bold")
    table.columns[1].justify = "right"
    for item in measures:
        mark = "[green]✓[/green]" if item["ok"] else "[red]✗[/red]"
        table.add_row(str(item["name"]), figure(item["value"]), str(item["band"]), mark)
    out.print(table)
    within = sum(1 for item in measures if item["ok"])
    out.print(f"{within} of {len(measures)} within band · read from the tenant at {data.get('sampled_at')}",
              style="dim", highlight=False)


def templates(server: str = ServerOpt, api_key: str | None = KeyOpt, as_json: bool = JsonOpt) -> None:
    """The job templates this server offers (use with: tenantsim jobs start --template NAME)."""
    data = Client(server, api_key).call("GET", "/api/templates")["templates"]
    if as_json:
        show_json(data)
        return
    table = Table("NAME", "PLATFORM", "INDUSTRY", "DESCRIPTION", box=None, header_style="bold")
    for item in data:
        table.add_row(item["name"], item["connection_type"], str(item["config"].get("industry", "")),
                      item["description"])
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
    app.command("templates")(templates)
