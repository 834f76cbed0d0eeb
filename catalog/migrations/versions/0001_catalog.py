"""the catalog: films, credits, regions, municipalities, media, embeddings

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('region',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('film',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('match_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('original_title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title_fr', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('runtime_seconds', sa.Integer(), nullable=True),
    sa.Column('form', sa.Enum('fiction', 'documentary', 'animation', 'experimental', 'hybrid', name='form'), nullable=True),
    sa.Column('genres', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('subjects', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('style_tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('synopsis_fr', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('synopsis_en', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('synopsis_long_fr', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('synopsis_long_en', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('logline', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('original_languages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('subtitle_languages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('closed_captions', sa.Boolean(), nullable=True),
    sa.Column('described_video', sa.Boolean(), nullable=True),
    sa.Column('audience', sa.Enum('jeunesse', 'famille', 'general', 'adulte', name='audience'), nullable=True),
    sa.Column('audience_age_min', sa.Integer(), nullable=True),
    sa.Column('audience_age_max', sa.Integer(), nullable=True),
    sa.Column('countries', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('municipality', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('production_company', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('festival_selections', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('awards', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rights_territories', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rights_window_start', sa.Date(), nullable=True),
    sa.Column('rights_window_end', sa.Date(), nullable=True),
    sa.Column('rights_exclusive', sa.Boolean(), nullable=True),
    sa.Column('rights_notes', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('contact_email', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'accepted', 'declined', 'archived', name='status'), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('film', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_film_external_id'), ['external_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_film_match_key'), ['match_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_film_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_film_source_hash'), ['source_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_film_status'), ['status'], unique=False)

    op.create_table('municipality',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('designation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('mrc_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_municipality_region_code'), ['region_code'], unique=False)

    op.create_table('credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('director', 'producer', 'writer', 'cinematographer', 'editor', 'composer', 'cast', name='role'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['film_id'], ['film.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_film_id'), ['film_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_role'), ['role'], unique=False)

    op.create_table('embedding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=False),
    sa.Column('facet', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('model_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('dimension', sa.Integer(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('source_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['film_id'], ['film.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('film_id', 'facet', 'model_id')
    )
    with op.batch_alter_table('embedding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_embedding_film_id'), ['film_id'], unique=False)

    op.create_table('mediaasset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('probe', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('poster_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('thumbnail_paths', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('proxy_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('is_stand_in', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['film_id'], ['film.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mediaasset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediaasset_film_id'), ['film_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mediaasset_sha256'), ['sha256'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('mediaasset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mediaasset_sha256'))
        batch_op.drop_index(batch_op.f('ix_mediaasset_film_id'))

    op.drop_table('mediaasset')
    with op.batch_alter_table('embedding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_embedding_film_id'))

    op.drop_table('embedding')
    with op.batch_alter_table('credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_role'))
        batch_op.drop_index(batch_op.f('ix_credit_name'))
        batch_op.drop_index(batch_op.f('ix_credit_film_id'))

    op.drop_table('credit')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_region_code'))
        batch_op.drop_index(batch_op.f('ix_municipality_name'))

    op.drop_table('municipality')
    with op.batch_alter_table('film', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_film_status'))
        batch_op.drop_index(batch_op.f('ix_film_source_hash'))
        batch_op.drop_index(batch_op.f('ix_film_region_code'))
        batch_op.drop_index(batch_op.f('ix_film_match_key'))
        batch_op.drop_index(batch_op.f('ix_film_external_id'))

    op.drop_table('film')
    op.drop_table('region')
    # PostgreSQL keeps enum types after their tables are gone.
    for name in ("role", "status", "audience", "form"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
