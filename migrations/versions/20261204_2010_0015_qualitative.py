"""qualitative: interviews, focus groups and workshops of an objective, its themes, coded passages

Four new tables, ``qualitative_sessions``, ``qualitative_themes``, ``qualitative_passages`` and
``qualitative_passage_themes``; nothing else changes, so no row of any other table is touched.

Revision ID: 0015_qualitative
Revises: 0014_judgements
Create Date: 2026-12-04 20:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015_qualitative'
down_revision = '0014_judgements'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'qualitative_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('ambito_id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('objective_id', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('timing', sa.String(length=12), nullable=False),
        sa.Column('facilitator', sa.String(length=200), nullable=False),
        sa.Column('participants', sa.Integer(), nullable=False),
        sa.Column('participant_roles', sa.JSON(), nullable=False),
        sa.Column('consent', sa.Boolean(), nullable=False),
        sa.Column('consent_method', sa.String(length=16), nullable=True),
        sa.Column('material', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('source_filename', sa.String(length=255), nullable=True),
        sa.Column('source_format', sa.String(length=4), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("consent_method IS NULL OR consent_method IN ('written', 'oral_recorded', 'oral_minuted')",
                           name=op.f('ck_qualitative_sessions_consent_method')),
        sa.CheckConstraint("kind IN ('interview', 'focus_group', 'workshop')", name=op.f('ck_qualitative_sessions_kind')),
        sa.CheckConstraint("material IN ('notes', 'transcript')", name=op.f('ck_qualitative_sessions_material')),
        sa.CheckConstraint("source_format IS NULL OR source_format IN ('txt', 'docx', 'pdf')",
                           name=op.f('ck_qualitative_sessions_source_format')),
        sa.CheckConstraint("timing IN ('ex-ante', 'in-itinere', 'ex-post', 'follow-up')",
                           name=op.f('ck_qualitative_sessions_timing')),
        sa.CheckConstraint('consent_method IS NULL OR consent',
                           name=op.f('ck_qualitative_sessions_consent_method_needs_consent')),
        sa.CheckConstraint('participants >= 1', name=op.f('ck_qualitative_sessions_participants')),
        sa.ForeignKeyConstraint(['ambito_id'], ['ambiti.id'], name=op.f('fk_qualitative_sessions_ambito_id_ambiti')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_qualitative_sessions_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['plan_id', 'objective_id'], ['objectives.plan_id', 'objectives.id'],
                                name='fk_qualitative_sessions_objective'),
        sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_qualitative_sessions_plan_id_plans')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qualitative_sessions')),
        sa.UniqueConstraint('uuid', name=op.f('uq_qualitative_sessions_uuid')),
    )
    with op.batch_alter_table('qualitative_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualitative_sessions_ambito_id'), ['ambito_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qualitative_sessions_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_qualitative_sessions_plan_id'), ['plan_id'], unique=False)

    op.create_table(
        'qualitative_themes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('objective_id', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_qualitative_themes_not_own_parent')),
        sa.ForeignKeyConstraint(['parent_id'], ['qualitative_themes.id'],
                                name=op.f('fk_qualitative_themes_parent_id_qualitative_themes'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['plan_id', 'objective_id'], ['objectives.plan_id', 'objectives.id'],
                                name='fk_qualitative_themes_objective'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qualitative_themes')),
        sa.UniqueConstraint('plan_id', 'objective_id', 'name', name=op.f('uq_qualitative_themes_plan_id')),
        sa.UniqueConstraint('uuid', name=op.f('uq_qualitative_themes_uuid')),
    )
    with op.batch_alter_table('qualitative_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualitative_themes_plan_id'), ['plan_id'], unique=False)

    op.create_table(
        'qualitative_passages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('objective_id', sa.String(length=100), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('response_id', sa.Integer(), nullable=True),
        sa.Column('start_offset', sa.Integer(), nullable=False),
        sa.Column('end_offset', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('published_text', sa.Text(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('published_by', sa.String(length=254), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('(published_text IS NULL) = (published_at IS NULL)',
                           name=op.f('ck_qualitative_passages_published_complete')),
        sa.CheckConstraint('(session_id IS NULL) <> (response_id IS NULL)',
                           name=op.f('ck_qualitative_passages_one_source')),
        sa.CheckConstraint('start_offset >= 0 AND end_offset > start_offset', name=op.f('ck_qualitative_passages_span')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_qualitative_passages_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['plan_id', 'objective_id'], ['objectives.plan_id', 'objectives.id'],
                                name='fk_qualitative_passages_objective'),
        sa.ForeignKeyConstraint(['response_id'], ['responses.id'],
                                name=op.f('fk_qualitative_passages_response_id_responses'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['qualitative_sessions.id'],
                                name=op.f('fk_qualitative_passages_session_id_qualitative_sessions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_qualitative_passages')),
        sa.UniqueConstraint('uuid', name=op.f('uq_qualitative_passages_uuid')),
    )
    with op.batch_alter_table('qualitative_passages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualitative_passages_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qualitative_passages_response_id'), ['response_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qualitative_passages_session_id'), ['session_id'], unique=False)

    op.create_table(
        'qualitative_passage_themes',
        sa.Column('passage_id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['passage_id'], ['qualitative_passages.id'],
                                name=op.f('fk_qualitative_passage_themes_passage_id_qualitative_passages'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['theme_id'], ['qualitative_themes.id'],
                                name=op.f('fk_qualitative_passage_themes_theme_id_qualitative_themes'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('passage_id', 'theme_id', name=op.f('pk_qualitative_passage_themes')),
    )
    with op.batch_alter_table('qualitative_passage_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualitative_passage_themes_theme_id'), ['theme_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('qualitative_passage_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualitative_passage_themes_theme_id'))
    op.drop_table('qualitative_passage_themes')
    with op.batch_alter_table('qualitative_passages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualitative_passages_session_id'))
        batch_op.drop_index(batch_op.f('ix_qualitative_passages_response_id'))
        batch_op.drop_index(batch_op.f('ix_qualitative_passages_plan_id'))
    op.drop_table('qualitative_passages')
    with op.batch_alter_table('qualitative_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualitative_themes_plan_id'))
    op.drop_table('qualitative_themes')
    with op.batch_alter_table('qualitative_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualitative_sessions_plan_id'))
        batch_op.drop_index(batch_op.f('ix_qualitative_sessions_held_on'))
        batch_op.drop_index(batch_op.f('ix_qualitative_sessions_ambito_id'))
    op.drop_table('qualitative_sessions')
