"""jobs that fan out: a child names its parent and a key unique under it

The job table has no triggers, so SQLite's batch copy (needed for the foreign key and the
unique constraint) loses nothing.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("child_key", text(length=64), nullable=True))
        batch.create_foreign_key(
            "fk_job_parent_id_job", "job", ["parent_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_unique_constraint("uq_job_parent_child", ["parent_id", "child_key"])
        batch.create_index("ix_job_parent_id", ["parent_id"])


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_index("ix_job_parent_id")
        batch.drop_constraint("uq_job_parent_child", type_="unique")
        batch.drop_constraint("fk_job_parent_id_job", type_="foreignkey")
        batch.drop_column("child_key")
        batch.drop_column("parent_id")
