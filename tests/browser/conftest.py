"""The browser tests' fixtures: one headless chromium per module, a fresh page per test, and a server
with the embedded sandbox tenants or with fake platforms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tenantsim.cli import build_sandbox_apps
from tenantsim.settings import Settings
from tests.browser.support import CHROMIUM, FAST_SANDBOX, LAUNCH_ARGS
from tests.support.apiserver import RunningServer, running_server
from tests.support.fake_platform import FakeConnector
from tests.support.servers import free_port


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture
def sandbox_server(tmp_path: Path) -> Iterator[RunningServer]:
    port = free_port()
    settings = Settings(var_dir=tmp_path, port=port, sandbox=True, sandbox_rate_limit=FAST_SANDBOX)
    with running_server(tmp_path, sandbox_apps=build_sandbox_apps(settings), port=port,
                        sandbox_rate_limit=FAST_SANDBOX) as srv:
        yield srv


@pytest.fixture
def fake_server(tmp_path: Path) -> Iterator[RunningServer]:
    with running_server(tmp_path, connectors={"okta": FakeConnector("okta"),
                                              "asana": FakeConnector("asana")}) as srv:
        yield srv
