"""One secret key per database: a server whose key cannot open what the others sealed refuses to start.

Several servers share a PostgreSQL database, and each seals the tokens of the jobs it starts with its
``TENANTSIM_SECRET_KEY``. A server with another key would take over jobs it cannot open and fail them
one by one. So the database keeps a check — a fixed text sealed with the key (``settings`` row
``secret_key_check``) — and every server opens it before it starts any job. The first server writes
it; with a rotated key (``new,old``) the check is sealed again with the new key, so the old key can be
dropped once the jobs sealed with it are gone.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect, select, update
from sqlalchemy.exc import IntegrityError

from tenantsim.secretbox import SecretBox
from tenantsim.settings import UnsafeConfig
from tenantsim.store.tables import jobs, server_settings
from tenantsim.store.types import utcnow

KEY_CHECK = "secret_key_check"
CHECK_TEXT = "tenantsim secret key check"


class SecretKeyMismatch(UnsafeConfig):
    """This server's secret key is not the one this database's secrets were sealed with."""


def _mismatch(source: str, what: str) -> SecretKeyMismatch:
    return SecretKeyMismatch(
        f"the secret key ({source}) does not match this database: {what}. Every server on one database "
        "needs the same TENANTSIM_SECRET_KEY (a server without one generates <var_dir>/secret.key). Start "
        "this server with the key the others use; to rotate keys, list the new key first and the old one "
        "after it (TENANTSIM_SECRET_KEY=new,old).")


def _read(engine: Engine) -> str | None:
    with engine.connect() as conn:
        value = conn.execute(select(server_settings.c.value)
                             .where(server_settings.c.name == KEY_CHECK)).scalar_one_or_none()
    return str(value) if value is not None else None


def _opens(box: SecretBox, sealed: str) -> bool:
    try:
        box.open(sealed)
    except ValueError:
        return False
    return True


def _newest_sealed_job(engine: Engine) -> str | None:
    with engine.connect() as conn:
        value = conn.execute(select(jobs.c.secrets).where(jobs.c.secrets.is_not(None))
                             .order_by(jobs.c.created_at.desc()).limit(1)).scalar_one_or_none()
    return str(value) if value else None


def has_key_check(engine: Engine) -> bool:
    """Whether the database is migrated far enough to hold the check (0005)."""
    return inspect(engine).has_table(server_settings.name)


def check_secret_key(engine: Engine, box: SecretBox, *, source: str = "TENANTSIM_SECRET_KEY",
                     write: bool = True) -> None:
    """Raise ``SecretKeyMismatch`` when ``box`` cannot open this database's key check. Without a check
    yet, the newest job's sealed secrets must open, and (``write``) the check is written."""
    stored = _read(engine)
    if stored is None:
        sample = _newest_sealed_job(engine)
        if sample is not None and not _opens(box, sample):
            raise _mismatch(source, "the tokens of the jobs stored in it cannot be decrypted with it")
        if not write:
            return
        try:
            with engine.begin() as conn:
                conn.execute(server_settings.insert().values(name=KEY_CHECK, value=box.seal(CHECK_TEXT),
                                                             updated_at=utcnow()))
            return
        except IntegrityError:  # another server starting at the same moment wrote it first
            stored = _read(engine)
            if stored is None:
                raise
    try:
        opened = box.open(stored)
    except ValueError:
        opened = None
    if opened != CHECK_TEXT:
        raise _mismatch(source, "its secrets were sealed with another key (by another server, or by "
                                "an earlier start with a different key)")
    if write and not box.sealed_with_primary(stored):
        with engine.begin() as conn:
            conn.execute(update(server_settings).where(server_settings.c.name == KEY_CHECK)
                         .values(value=box.seal(CHECK_TEXT), updated_at=utcnow()))
