"""a film's edit history, and curators' scores and notes on submissions

`filmchange` keeps each edit of a film's record (who, how, each field before and after), so
the film page can show who changed what. `review` holds one curator's score (1 to 5) and
private notes on a film, one row per curator and film.

New tables only (no batch copy), so SQLite keeps the triggers of 0003.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "filmchange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("changes", JSONType, nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["film.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_filmchange_film_id", "filmchange", ["film_id"])
    op.create_index("ix_filmchange_created_at", "filmchange", ["created_at"])
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["film_id"], ["film.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("film_id", "user_id", name="uq_review_film_user"),
    )
    op.create_index("ix_review_film_id", "review", ["film_id"])
    op.create_index("ix_review_user_id", "review", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_review_user_id", table_name="review")
    op.drop_index("ix_review_film_id", table_name="review")
    op.drop_table("review")
    op.drop_index("ix_filmchange_created_at", table_name="filmchange")
    op.drop_index("ix_filmchange_film_id", table_name="filmchange")
    op.drop_table("filmchange")
