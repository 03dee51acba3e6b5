"""Alembic environment: the URL comes from the caller (tenantsim.store.engine.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from tenantsim.store.engine import make_engine
from tenantsim.store.tables import metadata

# Several servers may start at once on one PostgreSQL database: one migrates, the others wait and
# then find the schema current. The lock is released with the transaction.
MIGRATION_LOCK_KEY = 7_316_257_001

url = context.config.get_main_option("sqlalchemy.url") or ""
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()
engine.dispose()
