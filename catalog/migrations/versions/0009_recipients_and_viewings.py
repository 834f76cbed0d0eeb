"""one named recipient per pitch link, viewing windows and caps, what each recipient watched

`sharelink` gains the recipient's organisation and language, a viewing window's start, a view
cap (plays per film) and the invitation's state. `viewing` holds, per link and film, the
plays and the union of the ranges the player reported as played.

New columns are nullable or have server defaults, and `viewing` is a new table, so SQLite
needs no batch copy (the triggers of 0003 stay).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.add_column(
        "sharelink",
        sa.Column("recipient_organisation", text(), nullable=False, server_default=""),
    )
    op.add_column(
        "sharelink",
        sa.Column("recipient_language", text(length=8), nullable=False, server_default="fr"),
    )
    op.add_column("sharelink", sa.Column("starts_at", UTC(), nullable=True))
    op.add_column("sharelink", sa.Column("view_cap", sa.Integer(), nullable=True))
    op.add_column("sharelink", sa.Column("invited_at", UTC(), nullable=True))
    op.add_column("sharelink", sa.Column("invite_error", text(), nullable=False, server_default=""))
    op.add_column("sharelink", sa.Column("reminded_at", UTC(), nullable=True))
    op.create_table(
        "viewing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("share_id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=True),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("watched", JSONType, nullable=False),
        sa.Column("watched_seconds", sa.Float(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("first_played_at", UTC(), nullable=True),
        sa.Column("last_seen_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(["share_id"], ["sharelink.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["bundle_id"], ["bundle.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["film_id"], ["film.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("share_id", "film_id", name="uq_viewing_share_film"),
    )
    op.create_index("ix_viewing_share_id", "viewing", ["share_id"])
    op.create_index("ix_viewing_bundle_id", "viewing", ["bundle_id"])


def downgrade() -> None:
    op.drop_index("ix_viewing_bundle_id", table_name="viewing")
    op.drop_index("ix_viewing_share_id", table_name="viewing")
    op.drop_table("viewing")
    for column in (
        "reminded_at",
        "invite_error",
        "invited_at",
        "view_cap",
        "starts_at",
        "recipient_language",
        "recipient_organisation",
    ):
        with op.batch_alter_table("sharelink") as batch:
            batch.drop_column(column)
