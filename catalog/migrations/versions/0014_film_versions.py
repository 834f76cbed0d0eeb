"""a film's versions: subtitle files and audio tracks, each in one language

The film's languages for the bundle rules and its export readiness come from what is
attached (plus what a curator declares on the film). New table only (no batch copy), so
SQLite keeps the triggers of 0003.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.create_table(
        "filmversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(length=16), nullable=False),
        sa.Column("language", text(length=8), nullable=False),
        sa.Column("path", text(), nullable=False),
        sa.Column("vtt_path", text(), nullable=True),
        sa.Column("original_name", text(), nullable=False),
        sa.Column("format", text(length=16), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", text(length=64), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("qc", json, nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["film.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "film_id", "kind", "language", name="uq_filmversion_film_kind_language"
        ),
    )
    op.create_index("ix_filmversion_film_id", "filmversion", ["film_id"])


def downgrade() -> None:
    op.drop_table("filmversion")
