"""a trigram index for title search, a catalog version kept by triggers, credits by film

The catalog's text search is a substring match on film.search_text. Without an index it
reads every row (3 ms for 10,000 films, twice per page: count and rows). This adds:

- on SQLite, an FTS5 table with the trigram tokenizer over film.search_text, kept in step
  by triggers (external content: the text itself stays in film);
- on PostgreSQL, a pg_trgm GIN index, which LIKE '%…%' uses as it is. Where the server
  does not offer pg_trgm the index is left out and search scans, as before.

It adds the one-row table catalogversion, whose number triggers raise on every insert,
update or delete of what the catalog and pitch pages show (films, credits, media, regions,
bundles and their items): the web app keeps rendered lists of films and pitch cards for as
long as it has not moved (row triggers on SQLite, statement triggers on PostgreSQL).

It also replaces the index on credit.role, which SQLite chose over the film's own credits
(1 ms instead of 0.02 ms for a page's directors), with one on (film_id, role, position).

Beware on SQLite: a later batch migration that recreates one of VERSIONED_TABLES drops
its triggers; it must create them again (see `sqlite_triggers` and `version_triggers`)
and rebuild the search index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEX = 'ix_film_search_text_trgm'

sqlite_triggers = (
    """CREATE TRIGGER film_search_insert AFTER INSERT ON film BEGIN
        INSERT INTO film_search(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER film_search_delete AFTER DELETE ON film BEGIN
        INSERT INTO film_search(film_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER film_search_update AFTER UPDATE OF search_text ON film BEGIN
        INSERT INTO film_search(film_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO film_search(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
)


VERSIONED_TABLES = ('film', 'credit', 'mediaasset', 'region', 'bundle', 'bundleitem')


def version_triggers(dialect: str) -> list[str]:
    """The statements that make every write to a versioned table raise the version."""
    bump = 'UPDATE catalogversion SET version = version + 1 WHERE id = 1'
    if dialect == 'sqlite':
        return [
            f'CREATE TRIGGER catalog_version_{table}_{event.lower()} AFTER {event} ON {table}'
            f' BEGIN {bump}; END'
            for table in VERSIONED_TABLES
            for event in ('INSERT', 'UPDATE', 'DELETE')
        ]
    # Once per transaction: each UPDATE of the one row leaves a dead copy behind, and an
    # import's thousands of statements made every next UPDATE slower (10 times the import).
    flag = "'anthologie.catalog_version_raised'"
    return [
        'CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN'
        f" IF current_setting({flag}, true) IS DISTINCT FROM 'yes' THEN {bump};"
        f" PERFORM set_config({flag}, 'yes', true); END IF; RETURN NULL; END $$",
        *(
            f'CREATE TRIGGER catalog_version_{table} AFTER INSERT OR UPDATE OR DELETE'
            f' OR TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()'
            for table in VERSIONED_TABLES
        ),
    ]


def upgrade() -> None:
    op.create_table('catalogversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute('INSERT INTO catalogversion (id, version) VALUES (1, 0)')
    for statement in version_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('credit', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_role')
        batch_op.create_index('ix_credit_film_role', ['film_id', 'role', 'position'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute(
            "CREATE VIRTUAL TABLE film_search USING fts5("
            "search_text, content='film', content_rowid='id', tokenize='trigram')"
        )
        for trigger in sqlite_triggers:
            op.execute(trigger)
        op.execute("INSERT INTO film_search(film_search) VALUES ('rebuild')")
    elif bind.dialect.name == 'postgresql':
        offered = bind.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).first()
        if offered is None:
            return
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute(f'CREATE INDEX {TRIGRAM_INDEX} ON film USING gin (search_text gin_trgm_ops)')


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in VERSIONED_TABLES:
        if dialect == 'sqlite':
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER IF EXISTS catalog_version_{table}_{event}')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS catalog_version_{table} ON {table}')
    if dialect != 'sqlite':
        op.execute('DROP FUNCTION IF EXISTS bump_catalog_version()')
    op.drop_table('catalogversion')
    with op.batch_alter_table('credit', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_film_role')
        batch_op.create_index('ix_credit_role', ['role'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for name in ('film_search_insert', 'film_search_delete', 'film_search_update'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS film_search')
    elif bind.dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {TRIGRAM_INDEX}')
