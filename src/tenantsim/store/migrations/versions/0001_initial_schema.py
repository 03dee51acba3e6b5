"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 18:36:15.418195
"""

import sqlalchemy as sa
from alembic import op

import tenantsim.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("ts", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("objects", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index("ix_activity_job_id_id", ["job_id", "id"], unique=False)
        batch_op.create_index("ix_activity_job_ts", ["job_id", "ts"], unique=False)

    op.create_table(
        "content_pool",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("context_key", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_pool", schema=None) as batch_op:
        batch_op.create_index(
            "ix_content_pool_lookup", ["provider", "industry", "kind", "context_key"], unique=False
        )

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("connection_type", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("industry", sa.String(length=64), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("cleanup_result", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("llm_input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("llm_output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("created_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.Column("first_started_at", tenantsim.store.types.UTCDateTime(), nullable=True),
        sa.Column("started_at", tenantsim.store.types.UTCDateTime(), nullable=True),
        sa.Column("stopped_at", tenantsim.store.types.UTCDateTime(), nullable=True),
        sa.Column("stop_at", tenantsim.store.types.UTCDateTime(), nullable=True),
        sa.Column("cleanup_at", tenantsim.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_activity_at", tenantsim.store.types.UTCDateTime(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", tenantsim.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_status"), ["status"], unique=False)

    op.create_table(
        "ledger",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("platform_id", sa.String(length=200), nullable=True),
        sa.Column("parent_key", sa.String(length=300), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attrs", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "kind", "key", name="uq_ledger_job_kind_key"),
    )
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_job_status", ["job_id", "status"], unique=False)

    op.create_table(
        "servers",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("hostname", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("servers")
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_job_status")

    op.drop_table("ledger")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_jobs_owner"))

    op.drop_table("jobs")
    with op.batch_alter_table("content_pool", schema=None) as batch_op:
        batch_op.drop_index("ix_content_pool_lookup")

    op.drop_table("content_pool")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_job_ts")
        batch_op.drop_index("ix_activity_job_id_id")

    op.drop_table("activity")
