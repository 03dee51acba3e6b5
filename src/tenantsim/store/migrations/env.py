"""Alembic environment: the URL comes from the caller (tenantsim.store.engine.upgrade)."""

from __future__ import annotations

from alembic import context

from tenantsim.store.engine import make_engine
from tenantsim.store.tables import metadata

url = context.config.get_main_option("sqlalchemy.url") or ""
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
