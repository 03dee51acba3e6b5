"""the company per job; the ledger keyed by platform

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import tenantsim.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job_id"),
    )
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=32), nullable=False, server_default=""))
    # Every existing row belongs to its job's one platform (a job without one is an Asana job).
    op.execute("UPDATE ledger SET platform = COALESCE((SELECT COALESCE(jobs.connection_type, 'asana') "
               "FROM jobs WHERE jobs.id = ledger.job_id), 'asana')")
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ledger_job_kind_key", type_="unique")
        batch_op.create_unique_constraint("uq_ledger_job_platform_kind_key",
                                          ["job_id", "platform", "kind", "key"])


def downgrade() -> None:
    with op.batch_alter_table("ledger", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ledger_job_platform_kind_key", type_="unique")
        batch_op.create_unique_constraint("uq_ledger_job_kind_key", ["job_id", "kind", "key"])
        batch_op.drop_column("platform")
    op.drop_table("companies")
