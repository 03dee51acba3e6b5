"""Every server of one database has the same secret key: a server started with another key refuses to
start and says why, instead of taking over jobs whose tokens it cannot open."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, select
from typer.testing import CliRunner

from tenantsim.api.app import create_app
from tenantsim.cli import app as cli_app
from tenantsim.secretbox import SecretBox
from tenantsim.settings import Settings
from tenantsim.store import jobs_repo
from tenantsim.store.engine import make_engine, upgrade
from tenantsim.store.keycheck import KEY_CHECK, SecretKeyMismatch
from tenantsim.store.tables import server_settings
from tests.support.fake_platform import FakeConnector
from tests.support.servers import free_port

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def start_and_stop(var_dir: Path, url: str, key: str | None) -> None:
    """One server's whole life: migrate, check the key, start the manager, shut down."""
    settings = Settings(var_dir=var_dir, database_url=url, secret_key=key, port=free_port(),
                        heartbeat_seconds=0.5)
    app = create_app(settings, connectors={"asana": FakeConnector("asana"), "okta": FakeConnector("okta")})

    async def life() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(life())


def stored_check(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(select(server_settings.c.value)
                                 .where(server_settings.c.name == KEY_CHECK)).scalar_one_or_none()
        return None if value is None else str(value)
    finally:
        engine.dispose()


def test_a_server_with_another_key_refuses_to_start(tmp_path: Path, database_url: str) -> None:
    start_and_stop(tmp_path / "a", database_url, KEY_A)
    assert stored_check(database_url) is not None
    with pytest.raises(SecretKeyMismatch) as refused:
        start_and_stop(tmp_path / "b", database_url, KEY_B)
    message = str(refused.value)
    assert "does not match this database" in message and "same TENANTSIM_SECRET_KEY" in message
    assert KEY_A not in message and KEY_B not in message
    start_and_stop(tmp_path / "c", database_url, KEY_A)  # the same key on another machine is fine


def test_a_generated_key_file_is_checked_too(tmp_path: Path, database_url: str) -> None:
    start_and_stop(tmp_path / "a", database_url, None)  # generates a/secret.key
    start_and_stop(tmp_path / "a", database_url, None)  # the same file: fine
    with pytest.raises(SecretKeyMismatch, match=r"secret\.key"):
        start_and_stop(tmp_path / "other", database_url, None)  # another generated key


def test_rotation_reseals_the_check_with_the_new_key(tmp_path: Path, database_url: str) -> None:
    start_and_stop(tmp_path, database_url, KEY_A)
    start_and_stop(tmp_path, database_url, f"{KEY_B},{KEY_A}")  # the new key first, the old one after
    check = stored_check(database_url)
    assert check is not None and SecretBox(KEY_B.encode()).sealed_with_primary(check)
    start_and_stop(tmp_path, database_url, KEY_B)  # the old key can go
    with pytest.raises(SecretKeyMismatch):
        start_and_stop(tmp_path, database_url, KEY_A)


def test_a_database_from_before_the_check_is_judged_by_its_jobs(tmp_path: Path, database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        jobs_repo.insert_job(engine, {"id": "job_old", "connection_type": "okta", "status": "stopped",
                                      "name": "old", "industry": "technology", "config": {}, "seed": 1,
                                      "secrets": SecretBox(KEY_A.encode()).seal({"paths": []})})
        with engine.begin() as conn:
            conn.execute(delete(server_settings))
    finally:
        engine.dispose()
    with pytest.raises(SecretKeyMismatch, match="jobs stored in it cannot be decrypted"):
        start_and_stop(tmp_path, database_url, KEY_B)
    assert stored_check(database_url) is None  # a refused server writes nothing
    start_and_stop(tmp_path, database_url, KEY_A)
    assert stored_check(database_url) is not None


def test_serve_says_why_in_one_line_and_exits_2(tmp_path: Path, database_url: str) -> None:
    start_and_stop(tmp_path / "a", database_url, KEY_A)
    env = {"TENANTSIM_SECRET_KEY": KEY_B, "TENANTSIM_VAR_DIR": str(tmp_path / "b"),
           "TENANTSIM_PORT": str(free_port()), "TENANTSIM_SANDBOX": "false"}
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        result = CliRunner().invoke(cli_app, ["serve", "--database-url", database_url], env=env)
    finally:  # serve sets up the process's logging: the tests after this one keep theirs
        root.handlers[:] = handlers
        root.setLevel(level)
    assert result.exit_code == 2, result.output
    assert "does not match this database" in result.output
