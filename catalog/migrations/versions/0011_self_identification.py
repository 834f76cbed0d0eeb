"""Voluntary self-identification of a submitted film's director, in a table of its own

`selfidentification` holds, for at most one row per film, the answers a filmmaker gave with
consent (director's gender, first film, Indigenous director or community, nation); it is
kept apart from `film` so that no reading of a film's record loads it (catalog/indicators.py
reads it only to count, with small counts suppressed).

A new table only (no batch copy), so SQLite keeps the triggers of 0003.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "selfidentification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("director_gender", text(length=16), nullable=True),
        sa.Column("first_film", sa.Boolean(), nullable=True),
        sa.Column("indigenous", sa.Boolean(), nullable=True),
        sa.Column("nation", text(length=200), nullable=True),
        sa.Column("consent_at", moment(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", moment(), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["film.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("film_id"),
    )


def downgrade() -> None:
    op.drop_table("selfidentification")
