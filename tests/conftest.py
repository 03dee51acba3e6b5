"""Shared fixtures: a database per test on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import pg


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes this runs twice: on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'tenantsim.db').as_posix()}"
        return
    if not pg.available():
        pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 (make test starts it)")
    with pg.temp_database() as url:
        yield url
