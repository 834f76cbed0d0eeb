"""sessions that log-out ends, and failed log-ins counted per account and per address

`user.session_epoch` is raised by log-out, a password change and deactivation; a session
carries the epoch it was made in and stops counting when they differ, so a cookie copied
before log-out no longer works. `loginfailures` counts recent failed log-ins per account and
per address and holds the end of a lock once they reach the limit.

A plain ADD COLUMN and a new table (no batch copy), so SQLite keeps the triggers of 0003.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "user", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "loginfailures",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("first_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("loginfailures")
    op.drop_column("user", "session_epoch")
