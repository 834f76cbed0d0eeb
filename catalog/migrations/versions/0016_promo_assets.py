"""a film's promotional material: making-of, interviews, stills, a teacher's guide…

New table only (no batch copy), so SQLite keeps the triggers of 0003.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "promoasset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(length=24), nullable=False),
        sa.Column("language", text(length=8), nullable=False),
        sa.Column("title", text(), nullable=False),
        sa.Column("media_type", text(length=8), nullable=False),
        sa.Column("path", text(), nullable=False),
        sa.Column("original_name", text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", text(length=64), nullable=False),
        sa.Column("probe", json, nullable=False),
        sa.Column("preview_path", text(), nullable=True),
        sa.Column("thumbnail_path", text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["film.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_promoasset_film_id", "promoasset", ["film_id"])


def downgrade() -> None:
    op.drop_table("promoasset")
