"""every crew role, and each credit's region and person key

Credits take the technicians' roles beyond the six head credits, the person's region for
that film when known, and the folded name a person's page gathers credits by. Columns only
(no batch copy), so SQLite keeps the triggers of 0003; existing credits get their key here.
On PostgreSQL the role type gains its values; a downgrade cannot take values out of a
PostgreSQL enum, so it leaves them (no row uses them once the credits are gone).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_ROLES = (
    "camera_operator",
    "sound_recordist",
    "sound_designer",
    "gaffer",
    "art_director",
    "costume_designer",
    "makeup_artist",
    "vfx",
    "animator",
    "colorist",
    "music_supervisor",
    "production_manager",
    "assistant_director",
)


def fold(name: str) -> str:
    """The name without case, accents or repeated spaces (as catalog.people.person_key)."""
    bare = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare).strip().casefold()[:200]


OLD_ROLES = ("director", "producer", "writer", "cinematographer", "editor", "composer", "cast")


def version_triggers() -> list[str]:
    """0003's SQLite triggers on credit, which a batch copy of the table drops."""
    bump = "UPDATE catalogversion SET version = version + 1 WHERE id = 1"
    return [
        f"CREATE TRIGGER catalog_version_credit_{event.lower()} AFTER {event} ON credit"
        f" BEGIN {bump}; END"
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def set_roles(roles: Sequence[str]) -> None:
    """Let credit.role take `roles`: new values of PostgreSQL's enum type, and on SQLite
    the column's width (a batch copy, after which 0003's triggers are made again)."""
    if op.get_bind().dialect.name == "postgresql":
        for role in roles:
            op.execute(f"ALTER TYPE role ADD VALUE IF NOT EXISTS '{role}'")
        return
    with op.batch_alter_table("credit") as batch:
        batch.alter_column("role", type_=sa.Enum(*roles, name="role"), existing_nullable=False)
    for statement in version_triggers():
        op.execute(statement)


def upgrade() -> None:
    bind = op.get_bind()
    set_roles(OLD_ROLES + NEW_ROLES)
    text = sqlmodel.sql.sqltypes.AutoString
    op.add_column("credit", sa.Column("region_code", text(length=2), nullable=True))
    op.add_column(
        "credit",
        sa.Column("person_key", text(length=200), nullable=False, server_default=""),
    )
    op.create_index("ix_credit_region_code", "credit", ["region_code"])
    op.create_index("ix_credit_person_key", "credit", ["person_key"])
    credit = sa.table(
        "credit",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("person_key", sa.String),
    )
    rows = bind.execute(sa.select(credit.c.id, credit.c.name)).all()
    for credit_id, name in rows:
        bind.execute(
            credit.update().where(credit.c.id == credit_id).values(person_key=fold(name or ""))
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        op.execute(
            "DELETE FROM credit WHERE role IN (" + ", ".join(f"'{r}'" for r in NEW_ROLES) + ")"
        )
    else:
        op.execute(
            "DELETE FROM credit WHERE role::text IN ("
            + ", ".join(f"'{r}'" for r in NEW_ROLES)
            + ")"
        )
    op.drop_index("ix_credit_person_key", table_name="credit")
    op.drop_index("ix_credit_region_code", table_name="credit")
    op.drop_column("credit", "person_key")
    op.drop_column("credit", "region_code")
    if bind.dialect.name != "postgresql":
        set_roles(OLD_ROLES)
