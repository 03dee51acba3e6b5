"""The schema: jobs, ledger, companies, activity, content pool, job runs, servers. Alembic owns changes."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tenantsim.store.types import UTCDateTime

metadata = MetaData()

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
AutoId = BigInteger().with_variant(Integer(), "sqlite")

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("connection_type", String(32), nullable=True),  # NULL: a legacy job, read as asana
    Column("status", String(16), nullable=False, index=True),
    Column("name", String(200), nullable=False, default=""),
    Column("industry", String(64), nullable=False, default=""),
    Column("config", JSON, nullable=False),  # without secrets
    Column("secrets", Text, nullable=True),  # Fernet-encrypted JSON of every secret field
    Column("seed", BigInteger, nullable=False, default=0),
    Column("progress", JSON, nullable=False, default=dict),  # checkpoint of the job's work
    Column("stats", JSON, nullable=False, default=dict),  # counts, rate-limit figures, events
    Column("cleanup_result", JSON, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("llm_input_tokens", BigInteger, nullable=False, default=0),
    Column("llm_output_tokens", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("first_started_at", UTCDateTime, nullable=True),
    Column("started_at", UTCDateTime, nullable=True),
    Column("stopped_at", UTCDateTime, nullable=True),
    Column("stop_at", UTCDateTime, nullable=True),  # duration_days deadline
    Column("cleanup_at", UTCDateTime, nullable=True),  # cleanup_after deadline
    Column("last_activity_at", UTCDateTime, nullable=True),
    Column("owner", String(200), nullable=True, index=True),  # server holding the lease
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Index("ix_jobs_created_at_id", "created_at", "id"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("job_id", String(40), nullable=False),
    Column("platform", String(32), nullable=False, server_default=""),  # connection_type of the object
    Column("kind", String(40), nullable=False),
    Column("key", String(300), nullable=False),
    Column("platform_id", String(200), nullable=True),
    Column("parent_key", String(300), nullable=True),
    Column("actor", String(200), nullable=True),
    Column("status", String(16), nullable=False),  # intent | created | deleted | failed
    Column("attrs", JSON, nullable=False, default=dict),
    Column("error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("job_id", "platform", "kind", "key", name="uq_ledger_job_platform_kind_key"),
    Index("ix_ledger_job_status", "job_id", "status"),
)

# The company a job plays (scenario/company.py), one JSON document per job.
companies = Table(
    "companies",
    metadata,
    Column("job_id", String(40), primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

activity = Table(
    "activity",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("job_id", String(40), nullable=False),
    Column("ts", UTCDateTime, nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("objects", JSON, nullable=False, default=list),
    Index("ix_activity_job_id_id", "job_id", "id"),
    Index("ix_activity_job_ts", "job_id", "ts"),
)

content_pool = Table(
    "content_pool",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("provider", String(32), nullable=False),
    Column("industry", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("context_key", String(300), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_content_pool_lookup", "provider", "industry", "kind", "context_key"),
)

# One row per worker a server ran for a job: proves a job never ran on two servers at once.
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("job_id", String(40), nullable=False),
    Column("server_id", String(200), nullable=False),
    Column("mode", String(16), nullable=False),  # run | cleanup
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),  # NULL: still running, or the server died
    Column("end_reason", String(40), nullable=True),
    Index("ix_job_runs_job", "job_id", "started_at"),
)

servers = Table(
    "servers",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("hostname", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)

# Server-wide values every server of a database shares. ``secret_key_check``: a fixed text sealed with
# the secret key, so a server started with another key refuses to run instead of failing on every job.
server_settings = Table(
    "settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Which job holds a name that must be unique in a tenant (a login, a group's name). Two jobs on one
# tenant may draw the same name; the first to claim it makes the object, the other leaves it be, so a
# job never adopts (and its cleanup never deletes) what another job made, without marking the object.
tenant_claims = Table(
    "tenant_claims",
    metadata,
    Column("tenant", String(300), primary_key=True),  # the platform and its tenant, e.g. okta:https://…
    Column("kind", String(40), primary_key=True),
    Column("name", String(300), primary_key=True),
    Column("job_id", String(40), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
)
