"""a job's lease: which run holds it and until when

A run claims a job by setting `lease_owner` and `lease_expires_at` in one conditional UPDATE
(only if the job is unfinished and its lease free or run out), renews the lease while it
works, and stores its result only while it still owns it. Any live worker queues again a
job whose lease ran out, within seconds, instead of waiting for its own restart.

Plain ADD COLUMNs (no batch copy), so SQLite keeps the triggers of 0003.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "job",
        sa.Column("lease_owner", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    )
    op.add_column(
        "job", sa.Column("lease_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("job", "lease_expires_at")
    op.drop_column("job", "lease_owner")
