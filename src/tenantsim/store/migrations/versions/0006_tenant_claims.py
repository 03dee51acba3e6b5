"""tenant_claims: which job holds a name that must be unique in a tenant

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import tenantsim.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_claims",
        sa.Column("tenant", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", tenantsim.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "kind", "name"),
    )
    op.create_index("ix_tenant_claims_job_id", "tenant_claims", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_tenant_claims_job_id", table_name="tenant_claims")
    op.drop_table("tenant_claims")
