"""Fixtures several emulator test modules share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from msgraph import GraphServiceClient

    from tests.sandbox.m365_support import Session


@pytest.fixture
def m365_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """A Microsoft 365 emulator with five people, served over TLS for the official SDK."""
    from tenantsim.sandbox.m365 import create_app
    from tests.sandbox.m365_support import open_session

    with open_session(create_app(users=5), tmp_path_factory.getbasetemp()) as opened:
        yield opened


@pytest.fixture
def m365_app(m365_session: Session) -> GraphServiceClient:
    """The official SDK signed in as the emulator's app registration, with its client secret."""
    return m365_session.graph(m365_session.secret_credential())
