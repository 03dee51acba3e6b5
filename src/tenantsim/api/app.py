"""The app factory. Settings, engine and job manager are built here, never at import."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tenantsim import __version__
from tenantsim.api import envelope
from tenantsim.api.middleware import ApiKeyAuth, BodyLimit, BrowserGuard
from tenantsim.api.routes import asana as asana_routes
from tenantsim.api.routes import charts as chart_routes
from tenantsim.api.routes import control as control_routes
from tenantsim.api.routes import dashboard as dashboard_routes
from tenantsim.api.routes import jobs as job_routes
from tenantsim.api.routes import metrics as metrics_routes
from tenantsim.api.routes import okta as okta_routes
from tenantsim.api.routes import platforms as platform_routes
from tenantsim.api.routes import stream as stream_routes
from tenantsim.api.routes import system as system_routes
from tenantsim.api.routes import templates as template_routes
from tenantsim.connectors.base import Connector, ConnectorRuntime
from tenantsim.connectors.ratelimit import BudgetRegistry
from tenantsim.connectors.registry import build_connectors
from tenantsim.content.base import ContentProvider
from tenantsim.jobs.manager import JobManager
from tenantsim.metrics import Metrics
from tenantsim.secretbox import SecretBox, key_source, load_or_create_key
from tenantsim.settings import Settings, UnsafeConfig
from tenantsim.store import activity_repo, jobs_repo
from tenantsim.store.engine import SqliteLock, make_engine, upgrade
from tenantsim.store.keycheck import check_secret_key
from tenantsim.templating import TemplateStore

log = logging.getLogger("tenantsim")
WEB_DIR = Path(__file__).resolve().parent.parent / "web"


class ServerLocked(UnsafeConfig):
    """Another server already uses this SQLite database."""


def _content_factory(app: FastAPI) -> Any:
    from tenantsim.content.factory import make_provider
    from tenantsim.store.content_pool import SqlContentPool

    settings: Settings = app.state.settings
    engine = app.state.engine
    pool = SqlContentPool(engine)

    def build(config: dict[str, Any], seed: int, job_id: str) -> ContentProvider:
        key = config.get("anthropic_api_key") or (
            settings.anthropic_api_key.get_secret_value() if settings.anthropic_api_key else None)

        def on_usage(input_tokens: int, output_tokens: int) -> None:
            jobs_repo.add_llm_tokens(engine, job_id, input_tokens, output_tokens)

        def on_notice(sentence: str) -> None:
            entry = activity_repo.append(engine, job_id, "content_notice", sentence, [])
            app.state.manager.bus.publish(job_id, {"type": "activity", "entry": entry})

        return make_provider(kind=config.get("content_provider", "offline"), seed=seed, api_key=key,
                             model=settings.anthropic_model, base_url=settings.anthropic_base_url,
                             pool=pool, on_usage=on_usage, on_notice=on_notice)

    return build


def create_app(settings: Settings | None = None, sandbox_apps: dict[str, Any] | None = None,
               runtime: ConnectorRuntime | None = None,
               connectors: dict[str, Connector] | None = None) -> FastAPI:
    """``sandbox_apps`` maps a platform name to an emulator ASGI app (mounted at /sandbox/<name>)."""
    settings = settings or Settings()
    settings.check_safe()
    sandbox_apps = sandbox_apps if settings.sandbox else {}
    sandbox_apps = sandbox_apps or {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.resolved_database_url
        lock = SqliteLock(url) if settings.is_sqlite else None
        if lock is not None and not lock.acquire():
            raise ServerLocked(
                f"Another tenantsim server (pid {lock.holder_pid()}) is using this SQLite database. SQLite "
                "supports one server; stop it, or use PostgreSQL (TENANTSIM_DATABASE_URL) for several.")
        try:
            upgrade(url)
            engine = make_engine(url)
            app.state.engine = engine
            secret = settings.secret_key.get_secret_value() if settings.secret_key else None
            box = SecretBox(load_or_create_key(secret, settings.var_dir))
            try:  # every server of a database has one key: refuse to run jobs we could not open
                check_secret_key(engine, box, source=key_source(secret, settings.var_dir))
            except BaseException:
                engine.dispose()
                raise
            app.state.manager = JobManager(
                engine=engine, connectors=app.state.connectors, box=box,
                content_factory=_content_factory(app),
                server_id=settings.server_id or f"{socket.gethostname()}:{settings.port}:{os.getpid()}",
                lease_seconds=settings.lease_seconds, heartbeat_seconds=settings.heartbeat_seconds,
                on_activity=getattr(app.state, "on_activity", None))
            await app.state.manager.start(resume=settings.resume_on_start)
            app.state.metrics.start()
            log.info("tenantsim %s listening on %s:%s (%s)", __version__, settings.host, settings.port,
                     engine.dialect.name)
            yield
            stream_routes.streams_closing(app).set()
            await app.state.metrics.stop()
            await app.state.manager.shutdown()
            for sandbox_app in app.state.sandbox_apps.values():  # mounted apps get no lifespan events
                if callable(getattr(sandbox_app, "save", None)):
                    sandbox_app.save()
            engine.dispose()
        finally:
            if lock is not None:
                lock.release()

    app = FastAPI(title="tenantsim", version=__version__, lifespan=lifespan,
                  description="Makes SaaS tenants look lived-in: jobs that play a company inside an Okta "
                              "org or an Asana workspace.")
    app.state.settings = settings
    app.state.sandbox_apps = sandbox_apps
    base = f"http://127.0.0.1:{settings.port}"
    app.state.sandbox_descriptions = {name: sub.describe(f"{base}/sandbox/{name}")
                                      for name, sub in sandbox_apps.items()}
    # A compressed sandbox window (benchmarks, demos) is the budgets' first guess; Okta's headers refine it.
    window = settings.sandbox_window_seconds if settings.sandbox else 60.0
    runtime = runtime or ConnectorRuntime(budgets=BudgetRegistry(window_seconds=window),
                                          sandbox_mode=settings.sandbox,
                                          okta_allowed_hosts=settings.okta_allowed_hosts)
    app.state.runtime = runtime
    app.state.metrics = Metrics(app.state)
    app.state.on_activity = app.state.metrics.on_activity
    if runtime.observer is None:
        runtime.observer = app.state.metrics.observe_call
    app.state.templates = TemplateStore.load()
    app.state.connectors = connectors if connectors is not None else build_connectors(runtime)
    envelope.install(app)
    for module in (system_routes, job_routes, control_routes, stream_routes, template_routes, chart_routes,
                   dashboard_routes, platform_routes, metrics_routes, okta_routes, asana_routes):
        app.include_router(module.router)
    for name, sub in sandbox_apps.items():
        app.mount(f"/sandbox/{name}", sub)
    if (WEB_DIR / "index.html").exists():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="dashboard")
    if settings.api_key is not None:
        exempt = ["/api/health"]
        if settings.auth_exempt_stream:
            exempt.append("/api/jobs/*/stream")
        if settings.auth_exempt_metrics:
            exempt.append("/metrics")
        app.add_middleware(ApiKeyAuth, api_key=settings.api_key.get_secret_value(),
                           exempt=tuple(exempt))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(BrowserGuard, loopback_only=settings.api_key is None)  # outermost
    return app
