"""users, media analysis, jobs, clusters, bundles, sharing

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cluster',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('facet', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('keywords', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('explanation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('film_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('renamed', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cluster_facet'), ['facet'], unique=False)

    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus'), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_status'), ['status'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facet', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('unplaced', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('blocked_by', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sa.Enum('filmmaker', 'curator', 'broadcaster', 'admin', name='userrole'), nullable=False),
    sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_email'), ['email'], unique=True)
        batch_op.create_index(batch_op.f('ix_user_role'), ['role'], unique=False)

    op.create_table('bundle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('facet', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('explanation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('explanation_en', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pitch_text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('scores', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'edited', 'locked', 'archived', name='bundlestatus'), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bundle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundle_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundle_status'), ['status'], unique=False)

    op.create_table('bundleitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['film_id'], ['film.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bundle_id', 'film_id')
    )
    with op.batch_alter_table('bundleitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundleitem_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bundleitem_film_id'), ['film_id'], unique=False)

    op.create_table('bundlerevision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bundlerevision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bundlerevision_bundle_id'), ['bundle_id'], unique=False)

    op.create_table('sharelink',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('recipient_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recipient_email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('broadcaster_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['broadcaster_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sharelink', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharelink_broadcaster_id'), ['broadcaster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sharelink_bundle_id'), ['bundle_id'], unique=False)

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=True),
    sa.Column('share_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.Enum('interested', 'maybe', 'pass', name='verdict'), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['film_id'], ['film.id'], ),
    sa.ForeignKeyConstraint(['share_id'], ['sharelink.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_film_id'), ['film_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_share_id'), ['share_id'], unique=False)

    op.create_table('pitchevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bundle_id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=True),
    sa.Column('share_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundle.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['film_id'], ['film.id'], ),
    sa.ForeignKeyConstraint(['share_id'], ['sharelink.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pitchevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pitchevent_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pitchevent_share_id'), ['share_id'], unique=False)

    with op.batch_alter_table('film', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_title', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('search_text', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('curator_message', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('screener_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f('ix_film_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_film_sort_title'), ['sort_title'], unique=False)
        batch_op.create_foreign_key('fk_film_owner_id_user', 'user', ['owner_id'], ['id'])

    with op.batch_alter_table('mediaasset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_sheet_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('preview_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('style', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('style_vector', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('qc', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('analysed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('analysis_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    _fill_title_columns()


def _fold(text: str) -> str:
    # The catalog's fold() as of this revision, copied so the migration never changes.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", stripped).strip()


def _fill_title_columns() -> None:
    """Films already in the catalog get their sort title and search text."""
    connection = op.get_bind()
    film = sa.table(
        "film",
        sa.column("id", sa.Integer),
        sa.column("original_title", sa.String),
        sa.column("title_fr", sa.String),
        sa.column("title_en", sa.String),
        sa.column("sort_title", sa.String),
        sa.column("search_text", sa.String),
    )
    rows = connection.execute(
        sa.select(film.c.id, film.c.original_title, film.c.title_fr, film.c.title_en)
    ).all()
    for film_id, original, french, english in rows:
        titles = [t for t in dict.fromkeys([original, french, english]) if t]
        connection.execute(
            film.update()
            .where(film.c.id == film_id)
            .values(sort_title=_fold(original or ""), search_text=" ".join(map(_fold, titles)))
        )


def downgrade() -> None:
    with op.batch_alter_table('mediaasset', schema=None) as batch_op:
        batch_op.drop_column('analysis_error')
        batch_op.drop_column('analysed_at')
        batch_op.drop_column('qc')
        batch_op.drop_column('style_vector')
        batch_op.drop_column('style')
        batch_op.drop_column('preview_path')
        batch_op.drop_column('contact_sheet_path')

    with op.batch_alter_table('film', schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_constraint('fk_film_owner_id_user', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_film_sort_title'))
        batch_op.drop_index(batch_op.f('ix_film_owner_id'))
        batch_op.drop_column('screener_url')
        batch_op.drop_column('curator_message')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('search_text')
        batch_op.drop_column('sort_title')

    with op.batch_alter_table('pitchevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pitchevent_share_id'))
        batch_op.drop_index(batch_op.f('ix_pitchevent_bundle_id'))

    op.drop_table('pitchevent')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_share_id'))
        batch_op.drop_index(batch_op.f('ix_answer_film_id'))
        batch_op.drop_index(batch_op.f('ix_answer_bundle_id'))

    op.drop_table('answer')
    with op.batch_alter_table('sharelink', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharelink_bundle_id'))
        batch_op.drop_index(batch_op.f('ix_sharelink_broadcaster_id'))

    op.drop_table('sharelink')
    with op.batch_alter_table('bundlerevision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundlerevision_bundle_id'))

    op.drop_table('bundlerevision')
    with op.batch_alter_table('bundleitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundleitem_film_id'))
        batch_op.drop_index(batch_op.f('ix_bundleitem_bundle_id'))

    op.drop_table('bundleitem')
    with op.batch_alter_table('bundle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bundle_status'))
        batch_op.drop_index(batch_op.f('ix_bundle_proposal_id'))

    op.drop_table('bundle')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_role'))
        batch_op.drop_index(batch_op.f('ix_user_email'))

    op.drop_table('user')
    op.drop_table('proposal')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_status'))
        batch_op.drop_index(batch_op.f('ix_job_kind'))

    op.drop_table('job')
    with op.batch_alter_table('cluster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cluster_facet'))

    op.drop_table('cluster')
    # PostgreSQL keeps enum types after their tables are gone.
    for name in ("jobstatus", "userrole", "bundlestatus", "verdict"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
