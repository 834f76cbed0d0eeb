"""a bundle's English label beside its French one

`bundle.label` stays the French label (and a curator's own name); `label_en` holds the
English label the engine proposed, or the one a curator gives. Empty means "the same as the
French": a curator's rename without an English name shows in both languages.

A plain ADD COLUMN (no batch copy), so SQLite keeps the catalog-version triggers of 0003.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bundle", sa.Column("label_en", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("bundle", "label_en")
