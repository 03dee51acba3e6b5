"""tenantsim serve | sandbox okta|asana|google|m365 | db upgrade | jobs ... | templates."""

from __future__ import annotations

import logging
from typing import Any

import typer

from tenantsim.cli_client import register as register_client_commands
from tenantsim.settings import Settings, UnsafeConfig

app = typer.Typer(help="tenantsim: makes SaaS tenants look lived-in.", no_args_is_help=True,
                  add_completion=False)
sandbox_app = typer.Typer(help="Run a sandbox emulator on its own.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(db_app, name="db")


def _settings(**overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**values)


def build_sandbox_apps(settings: Settings) -> dict[str, Any]:
    """The embedded emulators for `serve --sandbox` (the only product code that imports sandbox)."""
    from tenantsim.sandbox.asana import create_app as create_asana
    from tenantsim.sandbox.google import create_app as create_google
    from tenantsim.sandbox.m365 import create_app as create_m365
    from tenantsim.sandbox.okta import create_app as create_okta
    from tenantsim.sandbox.salesforce import create_app as create_salesforce

    state_dir = settings.var_dir / "sandbox"  # the demo tenants keep their data across restarts
    return {
        "okta": create_okta(users=settings.sandbox_users, rate_limit=settings.sandbox_rate_limit,
                            window_seconds=settings.sandbox_window_seconds,
                            state_path=state_dir / "okta.json"),
        "asana": create_asana(rate_limit=settings.sandbox_rate_limit,
                              window_seconds=settings.sandbox_window_seconds,
                              state_path=state_dir / "asana.json"),
        "google": create_google(rate_limit=settings.sandbox_rate_limit,
                                window_seconds=settings.sandbox_window_seconds,
                                state_path=state_dir / "google.json"),
        # Graph counts in 10-second windows: a sixth of the server's per-minute window, compressed alike.
        "m365": create_m365(rate_limit=settings.sandbox_rate_limit,
                            window_seconds=settings.sandbox_window_seconds / 6,
                            state_path=state_dir / "m365.json"),
        # A day's API allocation stays a day here: the server's sandbox window is for per-minute limits.
        "salesforce": create_salesforce(state_path=state_dir / "salesforce.json"),
    }


def _check_single_server(settings: Settings) -> None:
    """Say it in one line, before anything starts, when another server holds this SQLite file."""
    from tenantsim.api.app import ServerLocked
    from tenantsim.store.engine import SqliteLock

    if not settings.is_sqlite:
        return
    lock = SqliteLock(settings.resolved_database_url)
    if not lock.acquire():
        raise ServerLocked(f"another tenantsim server (pid {lock.holder_pid()}) is using "
                           f"{settings.resolved_database_url}. SQLite supports one server: stop that one, "
                           "or use PostgreSQL (TENANTSIM_DATABASE_URL) to run several.")
    lock.release()


def _check_secret_key(settings: Settings) -> None:
    """Say it in one line, before anything starts, when this server's secret key is not the one the
    database's secrets were sealed with (the app checks again, and writes the check, as it starts)."""
    from sqlalchemy.exc import SQLAlchemyError

    from tenantsim.secretbox import SecretBox, key_source, load_or_create_key
    from tenantsim.store.engine import make_engine
    from tenantsim.store.keycheck import check_secret_key, has_key_check

    engine = make_engine(settings.resolved_database_url)
    try:
        if has_key_check(engine):
            secret = settings.secret_key.get_secret_value() if settings.secret_key else None
            box = SecretBox(load_or_create_key(secret, settings.var_dir))
            check_secret_key(engine, box, source=key_source(secret, settings.var_dir), write=False)
    except SQLAlchemyError:
        pass  # an unreachable or unmigrated database: the app's own start says what is wrong
    finally:
        engine.dispose()


@app.command()
def serve(host: str | None = typer.Option(None, help="Address to bind (TENANTSIM_HOST)."),
          port: int | None = typer.Option(None, help="Port (TENANTSIM_PORT)."),
          sandbox: bool | None = typer.Option(None, "--sandbox/--no-sandbox",
                                              help="Embed the sandbox tenants (Okta, Asana, Google)."),
          database_url: str | None = typer.Option(None, help="TENANTSIM_DATABASE_URL")) -> None:
    """Start the HTTP API, dashboard and job runner."""
    import uvicorn

    from tenantsim.api.app import create_app
    from tenantsim.heap import settle_for_serving
    from tenantsim.logging_setup import configure_logging

    settings = _settings(host=host, port=port, sandbox=sandbox, database_url=database_url)
    configure_logging(settings.log_level)
    try:
        settings.check_safe()
        _check_single_server(settings)
        _check_secret_key(settings)
        apps = build_sandbox_apps(settings) if settings.sandbox else {}
        api = create_app(settings, sandbox_apps=apps)
    except UnsafeConfig as exc:
        typer.echo(f"tenantsim: {exc}", err=True)
        raise typer.Exit(2) from None
    config = uvicorn.Config(api, host=settings.host, port=settings.port, log_config=None,
                            access_log=False, timeout_graceful_shutdown=15)
    settle_for_serving()

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            from tenantsim.api.routes.stream import close_streams

            close_streams(api)  # open live streams end now instead of holding the shutdown
            manager = getattr(api.state, "manager", None)
            if manager is not None:  # jobs stop before the listener closes under them
                manager.begin_shutdown()
            super().handle_exit(sig, frame)

    server = Server(config)
    try:
        server.run()
    except UnsafeConfig as exc:
        typer.echo(f"tenantsim: {exc}", err=True)
        raise typer.Exit(2) from None
    if not server.started:
        raise typer.Exit(2)


@sandbox_app.command("okta")
def sandbox_okta(host: str = "127.0.0.1", port: int = 5101,
                 token: list[str] = typer.Option(["00sandbox-okta-admin"], help="SSWS token (repeatable)."),
                 users: int = 25, rate_limit: int = typer.Option(0, help="Users-bucket calls per window."),
                 window_seconds: float = 60.0, fault_rate: float = 0.0, latency_ms: float = 0.0,
                 seed: int = 0) -> None:
    """A stateful Okta org emulator."""
    import uvicorn

    from tenantsim.sandbox.okta import create_app as create_okta

    emulator = create_okta(tokens=token, users=users, rate_limit=rate_limit, window_seconds=window_seconds,
                           fault_rate=fault_rate, latency_ms=latency_ms, seed=seed)
    info = emulator.describe(f"http://{host}:{port}")
    typer.echo(f"Okta sandbox org at {info.get('org_url')}  tokens: {', '.join(token)}")
    uvicorn.run(emulator, host=host, port=port, log_level="warning")


@sandbox_app.command("asana")
def sandbox_asana(host: str = "127.0.0.1", port: int = 5102, users: int = 5,
                  plan: str = typer.Option("paid", help="free | paid"),
                  rate_limit: int = typer.Option(0, help="Calls per token per window (0: the plan's)."),
                  window_seconds: float = 60.0, fault_rate: float = 0.0, latency_ms: float = 0.0,
                  seed: int = 0) -> None:
    """A stateful Asana workspace emulator."""
    import uvicorn

    from tenantsim.sandbox.asana import create_app as create_asana

    emulator = create_asana(users=users, plan=plan, rate_limit=rate_limit, window_seconds=window_seconds,
                            fault_rate=fault_rate, latency_ms=latency_ms, seed=seed)
    info = emulator.describe(f"http://{host}:{port}")
    typer.echo(f"Asana sandbox at {info.get('base_url')}")
    for user in info.get("users", []):
        typer.echo(f"  {user.get('name')} <{user.get('email')}>  token: {user.get('token')}")
    uvicorn.run(emulator, host=host, port=port, log_level="warning")


@sandbox_app.command("google")
def sandbox_google(host: str = "127.0.0.1", port: int = 5103, users: int = 12,
                   domain: str = "sandbox-corp.example.com",
                   rate_limit: int = typer.Option(0, help="Queries per user per window (0: Google's 2400)."),
                   window_seconds: float = 60.0, fault_rate: float = 0.0, latency_ms: float = 0.0,
                   seed: int = 0) -> None:
    """A stateful Google Workspace emulator (Directory and Calendar APIs, service-account tokens)."""
    import uvicorn

    from tenantsim.sandbox.google import create_app as create_google

    emulator = create_google(seed=seed, users=users, domain=domain, rate_limit=rate_limit,
                             window_seconds=window_seconds, fault_rate=fault_rate, latency_ms=latency_ms)
    info = emulator.describe(f"http://{host}:{port}")
    typer.echo(f"Google Workspace sandbox at {info['api_base_url']}  domain: {info['domain']}  "
               f"admin: {info['admin_email']}")
    typer.echo(f"  service account {info['service_account_email']}: its key is in GET "
               f"{info['admin_url']}/describe (job.service_account_key)")
    uvicorn.run(emulator, host=host, port=port, log_level="warning")


@sandbox_app.command("salesforce")
def sandbox_salesforce(host: str = "127.0.0.1", port: int = 5104, seed: int = 0,
                       daily_limit: int = typer.Option(15000, help="API requests per window (Developer "
                                                                   "Edition: 15,000 a day)."),
                       window_seconds: float = typer.Option(86400.0, help="The rolling window of the daily "
                                                                          "limit (shorter for demos)."),
                       fault_rate: float = 0.0, latency_ms: float = 0.0) -> None:
    """A stateful Salesforce org emulator (REST API v59.0: sObjects, SOQL, Composite, OAuth)."""
    import uvicorn

    from tenantsim.sandbox.salesforce import create_app as create_salesforce

    emulator = create_salesforce(seed=seed, daily_limit=daily_limit, window_seconds=window_seconds,
                                 fault_rate=fault_rate, latency_ms=latency_ms)
    info = emulator.describe(f"http://{host}:{port}")
    typer.echo(f"Salesforce sandbox at {info['instance_url']}  user: {info['username']}")
    typer.echo(f"  connected app credentials (client credentials, JWT key): GET {info['admin_url']}/describe")
    uvicorn.run(emulator, host=host, port=port, log_level="warning")


@sandbox_app.command("m365")
def sandbox_m365(host: str = "127.0.0.1", port: int = 5105, users: int = 12,
                 domain: str = "sandbox-corp.example.com",
                 rate_limit: int = typer.Option(0, help="Directory resource units per app per window "
                                                        "(0: Graph's budget for the tenant's size)."),
                 window_seconds: float = 10.0, fault_rate: float = 0.0, latency_ms: float = 0.0,
                 seed: int = 0) -> None:
    """A stateful Microsoft 365 emulator (Microsoft Graph users, groups, Teams, Planner; Entra ID tokens)."""
    import uvicorn

    from tenantsim.sandbox.m365 import create_app as create_m365

    emulator = create_m365(seed=seed, users=users, domain=domain, rate_limit=rate_limit,
                           window_seconds=window_seconds, fault_rate=fault_rate, latency_ms=latency_ms)
    info = emulator.describe(f"http://{host}:{port}")
    typer.echo(f"Microsoft 365 sandbox: Graph at {info['graph_base_url']}  tenant: {info['tenant_id']}  "
               f"domain: {info['domain']}")
    typer.echo(f"  token endpoint {info['token_endpoint']}; the app's client id and secret and the users' "
               f"delegated tokens are in GET {info['admin_url']}/describe")
    uvicorn.run(emulator, host=host, port=port, log_level="warning")


@db_app.command("upgrade")
def db_upgrade(database_url: str | None = typer.Option(None)) -> None:
    """Apply database migrations."""
    from tenantsim.store.engine import upgrade

    settings = _settings(database_url=database_url)
    upgrade(settings.resolved_database_url)
    typer.echo(f"database is at the latest schema ({settings.resolved_database_url.split('://')[0]})")


register_client_commands(app)  # tenantsim jobs ... / templates: a client of a running server


def main() -> None:
    logging.captureWarnings(True)
    app(prog_name="tenantsim")


if __name__ == "__main__":
    main()
