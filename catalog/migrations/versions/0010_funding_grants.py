"""Telefilm Canada's funding disclosure, one row per grant, placed in Québec's regions

`fundinggrant` holds the lines of Telefilm's proactive disclosure of funding as the file gives
them (amounts in whole cents), with whether the grant went to Québec and, when its city
could be placed, the administrative region (99 for a grant outside Québec). An import
replaces the whole set (catalog/funding.py).

A new table only (no batch copy), so SQLite keeps the triggers of 0003.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "fundinggrant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("row_hash", text(length=64), nullable=False),
        sa.Column("period", text(length=9), nullable=False),
        sa.Column("quarter", text(length=2), nullable=False),
        sa.Column("recipient", text(), nullable=False),
        sa.Column("city", text(), nullable=False),
        sa.Column("province", text(), nullable=False),
        sa.Column("country", text(), nullable=False),
        sa.Column("title", text(), nullable=False),
        sa.Column("language", text(), nullable=False),
        sa.Column("genre", text(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=True),
        sa.Column("final_cents", sa.BigInteger(), nullable=False),
        sa.Column("original_cents", sa.BigInteger(), nullable=False),
        sa.Column("kind", text(), nullable=False),
        sa.Column("programme", text(), nullable=False),
        sa.Column("comments", text(), nullable=False),
        sa.Column("quebec", sa.Boolean(), nullable=False),
        sa.Column("region_code", text(length=2), nullable=True),
        sa.Column("municipality", text(), nullable=True),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fundinggrant_period", "fundinggrant", ["period"])
    op.create_index("ix_fundinggrant_quebec", "fundinggrant", ["quebec"])
    op.create_index("ix_fundinggrant_region_code", "fundinggrant", ["region_code"])


def downgrade() -> None:
    op.drop_index("ix_fundinggrant_region_code", table_name="fundinggrant")
    op.drop_index("ix_fundinggrant_quebec", table_name="fundinggrant")
    op.drop_index("ix_fundinggrant_period", table_name="fundinggrant")
    op.drop_table("fundinggrant")
