"""a bundle's pitch text in English, beside the French one

The pitch page, the kit and the exports give an English-speaking buyer the English text when
the curator wrote one (the French one, said as such, otherwise). A column with a server
default, so SQLite needs no batch copy (the triggers of 0003 stay).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "bundle",
        sa.Column(
            "pitch_text_en", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("bundle") as batch:
        batch.drop_column("pitch_text_en")
