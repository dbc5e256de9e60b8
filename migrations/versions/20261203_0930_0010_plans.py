"""plans: each Ambito's Piani di Zona; objectives, indicators, rounds and values scoped by plan

The catalog that was global becomes the plan "Piano di Zona 2021-2023" (code ``pdz-2021-2023``)
of the Ambito Alto Sebino, and of every other Ambito that already has rounds or semestral
values (each keeps the objectives its data point at). Objectives and indicators get the
composite primary key ``(plan_id, id)``, so their tables are rebuilt: rows are read, the
tables dropped and created anew, the rows written back unchanged. Questionnaire-indicator
links become plan-scoped :class:`QuestionnaireLink` rows (by questionnaire id, any version).
Rounds get their plan; a round that opened after the plan's period is marked a follow-up,
which keeps it out of the plan's verdicts (it stays visible and can be designated).

Revision ID: 0010_plans
Revises: 0009_shortcode
Create Date: 2026-12-03 09:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0010_plans'
down_revision = '0009_shortcode'
branch_labels = None
depends_on = None

LEGACY_PLAN = {
    "code": "pdz-2021-2023",
    "title": "Piano di Zona 2021-2023",
    "first_year": 2021,
    "last_year": 2023,
    "approval_act": None,
    "document_url": None,
}
#: the Ambito whose plan the shipped catalog is
LEGACY_AMBITO = "alto-sebino"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _objectives_table(with_plan: bool) -> sa.Table:
    plan = [sa.Column('plan_id', sa.Integer(), nullable=False)] if with_plan else []
    constraints = (
        [sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name='fk_objectives_plan_id_plans'),
         sa.PrimaryKeyConstraint('plan_id', 'id', name='pk_objectives')]
        if with_plan else [sa.PrimaryKeyConstraint('id', name='pk_objectives')]
    )
    return op.create_table(
        'objectives', *plan,
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('chapter', sa.String(length=20), nullable=False),
        sa.Column('level', sa.String(length=40), nullable=False),
        sa.Column('macroarea', sa.Text(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        *constraints,
    )


def _indicators_table(with_plan: bool) -> sa.Table:
    common = [
        sa.Column('id', sa.String(length=140), nullable=False),
        sa.Column('objective_id', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('via_questionnaire', sa.Boolean(), nullable=False),
        sa.Column('respondents', sa.Text(), nullable=True),
        sa.Column('timing', sa.JSON(), nullable=False),
        sa.CheckConstraint("kind IN ('process', 'output', 'outcome')", name='ck_indicators_kind'),
    ]
    if not with_plan:
        return op.create_table(
            'indicators', *common,
            sa.ForeignKeyConstraint(['objective_id'], ['objectives.id'],
                                    name='fk_indicators_objective_id_objectives'),
            sa.PrimaryKeyConstraint('id', name='pk_indicators'),
            sa.UniqueConstraint('objective_id', 'kind', 'position', name='uq_indicators_objective_id'),
        )
    return op.create_table(
        'indicators',
        sa.Column('plan_id', sa.Integer(), nullable=False),
        *common,
        sa.Column('target', sa.Text(), nullable=True),
        sa.Column('predecessor_plan_id', sa.Integer(), nullable=True),
        sa.Column('predecessor_id', sa.String(length=140), nullable=True),
        sa.ForeignKeyConstraint(['plan_id', 'objective_id'], ['objectives.plan_id', 'objectives.id'],
                                name='fk_indicators_objective'),
        sa.ForeignKeyConstraint(['predecessor_plan_id', 'predecessor_id'], ['indicators.plan_id', 'indicators.id'],
                                name='fk_indicators_predecessor'),
        sa.PrimaryKeyConstraint('plan_id', 'id', name='pk_indicators'),
        sa.UniqueConstraint('plan_id', 'objective_id', 'kind', 'position', name='uq_indicators_plan_id'),
    )


def _indicator_values_table(with_plan: bool) -> sa.Table:
    if with_plan:
        scope = [sa.Column('plan_id', sa.Integer(), nullable=False)]
        keys = [
            sa.ForeignKeyConstraint(['plan_id', 'indicator_id'], ['indicators.plan_id', 'indicators.id'],
                                    name='fk_indicator_values_indicator'),
            sa.UniqueConstraint('plan_id', 'indicator_id', 'semester', 'comune_id',
                                name='uq_indicator_values_plan_comune'),
        ]
    else:
        scope = []
        keys = [
            sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'],
                                    name='fk_indicator_values_indicator_id_indicators'),
            sa.UniqueConstraint('ambito_id', 'indicator_id', 'semester', 'comune_id',
                                name='uq_indicator_values_comune'),
        ]
    return op.create_table(
        'indicator_values',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ambito_id', sa.Integer(), nullable=False),
        *scope,
        sa.Column('indicator_id', sa.String(length=140), nullable=False),
        sa.Column('semester', sa.String(length=7), nullable=False),
        sa.Column('comune_id', sa.Integer(), nullable=True),
        sa.Column('value_kind', sa.String(length=10), nullable=False),
        sa.Column('value_number', sa.Float(), nullable=True),
        sa.Column('value_flag', sa.Boolean(), nullable=True),
        sa.Column('value_text', sa.String(length=500), nullable=True),
        sa.Column('source', sa.String(length=200), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("(value_kind IN ('number', 'percent') AND value_number IS NOT NULL AND value_flag IS NULL AND value_text IS NULL) OR (value_kind = 'yes_no' AND value_flag IS NOT NULL AND value_number IS NULL AND value_text IS NULL) OR (value_kind = 'text' AND value_text IS NOT NULL AND value_number IS NULL AND value_flag IS NULL)", name='ck_indicator_values_value_matches_kind'),
        sa.CheckConstraint("semester LIKE '____-H1' OR semester LIKE '____-H2'", name='ck_indicator_values_semester'),
        sa.CheckConstraint("value_kind IN ('number', 'percent', 'yes_no', 'text')", name='ck_indicator_values_value_kind'),
        sa.CheckConstraint("value_number IS NULL OR (value_number >= 0 AND (value_kind <> 'percent' OR value_number <= 100))", name='ck_indicator_values_value_number_range'),
        sa.ForeignKeyConstraint(['ambito_id'], ['ambiti.id'], name='fk_indicator_values_ambito_id_ambiti'),
        sa.ForeignKeyConstraint(['comune_id'], ['comuni.id'], name='fk_indicator_values_comune_id_comuni'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name='fk_indicator_values_created_by_id_users', ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name='fk_indicator_values_updated_by_id_users', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_indicator_values'),
        *keys,
    )


def _create_indicator_values_indexes(with_plan: bool) -> None:
    op.create_index('ix_indicator_values_ambito_id', 'indicator_values', ['ambito_id'])
    op.create_index('ix_indicator_values_comune_id', 'indicator_values', ['comune_id'])
    op.create_index('ix_indicator_values_indicator_id', 'indicator_values', ['indicator_id'])
    where = dict(sqlite_where=sa.text('comune_id IS NULL'), postgresql_where=sa.text('comune_id IS NULL'))
    if with_plan:
        op.create_index('ix_indicator_values_plan_id', 'indicator_values', ['plan_id'])
        op.create_index('uq_indicator_values_plan_total', 'indicator_values',
                        ['plan_id', 'indicator_id', 'semester'], unique=True, **where)
    else:
        op.create_index('uq_indicator_values_ambito_total', 'indicator_values',
                        ['ambito_id', 'indicator_id', 'semester'], unique=True, **where)


def _rows(connection, table: str) -> list[dict]:
    """Every row of *table*, read through its reflected column types (SQLite's plain ``SELECT``
    gives dates and JSON as text, which the typed tables they are written to would refuse or
    encode twice)."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
    return [dict(row._mapping) for row in connection.execute(sa.select(reflected))]


def _reset_sequence(connection, table: str) -> None:
    """After inserting explicit ids, PostgreSQL's sequence must continue after the largest."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))


def _legacy_plan_ambiti(connection) -> list[int]:
    """The Ambiti that get the legacy plan: Alto Sebino, and every Ambito with data.

    Without a loaded catalog only the Ambiti with rounds or values get it (empty): every round
    must belong to a plan.
    """
    with_data = {row[0] for row in connection.execute(sa.text(
        "SELECT ambito_id FROM rounds UNION SELECT ambito_id FROM indicator_values"))}
    if not connection.execute(sa.text("SELECT COUNT(*) FROM objectives")).scalar():
        return sorted(with_data)
    legacy = connection.execute(sa.text("SELECT id FROM ambiti WHERE code = :code"),
                                {"code": LEGACY_AMBITO}).scalar()
    if legacy is None and not with_data:
        legacy = connection.execute(sa.text("SELECT MIN(id) FROM ambiti")).scalar()
    return sorted(with_data | ({legacy} if legacy is not None else set()))


def upgrade() -> None:
    connection = op.get_bind()
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ambito_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('approval_act', sa.Text(), nullable=True),
    sa.Column('document_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'in_force', 'closed')", name=op.f('ck_plans_status')),
    sa.CheckConstraint('first_year <= last_year', name=op.f('ck_plans_period')),
    sa.ForeignKeyConstraint(['ambito_id'], ['ambiti.id'], name=op.f('fk_plans_ambito_id_ambiti')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('ambito_id', 'code', name=op.f('uq_plans_ambito_id'))
    )
    op.create_index(op.f('ix_plans_ambito_id'), 'plans', ['ambito_id'], unique=False)

    # the legacy plan, per Ambito that needs it
    now = _now()
    status = "closed" if now.year > LEGACY_PLAN["last_year"] else "in_force"
    plans_table = sa.table('plans', *(sa.column(c) for c in (
        'ambito_id', 'code', 'title', 'first_year', 'last_year', 'status', 'approval_act',
        'document_url', 'created_at', 'updated_at')))
    plan_of_ambito: dict[int, int] = {}
    for ambito_id in _legacy_plan_ambiti(connection):
        connection.execute(plans_table.insert().values(
            ambito_id=ambito_id, status=status, created_at=now, updated_at=now, **LEGACY_PLAN))
        plan_of_ambito[ambito_id] = connection.execute(
            sa.text("SELECT id FROM plans WHERE ambito_id = :a AND code = :c"),
            {"a": ambito_id, "c": LEGACY_PLAN["code"]}).scalar()

    # read what is rebuilt
    objectives = _rows(connection, "objectives")
    indicators = _rows(connection, "indicators")
    values = _rows(connection, "indicator_values")
    links = [dict(row._mapping) for row in connection.execute(sa.text(
        "SELECT DISTINCT v.questionnaire_id, qi.indicator_id FROM questionnaire_indicators qi "
        "JOIN questionnaire_versions v ON v.id = qi.questionnaire_version_id"))]

    # drop what points at the old keys, then the old tables
    with op.batch_alter_table('questionnaire_versions') as batch_op:
        batch_op.drop_constraint('fk_questionnaire_versions_objective_id_objectives', type_='foreignkey')
    op.drop_table('questionnaire_indicators')
    op.drop_table('indicator_values')
    op.drop_table('indicators')
    op.drop_table('objectives')

    new_objectives = _objectives_table(with_plan=True)
    new_indicators = _indicators_table(with_plan=True)
    new_values = _indicator_values_table(with_plan=True)
    op.create_index('ix_indicators_objective_id', 'indicators', ['objective_id'])
    _create_indicator_values_indexes(with_plan=True)
    op.create_table('questionnaire_links',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=140), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=64), nullable=False),
    sa.Column('measure', sa.String(length=140), nullable=False),
    sa.ForeignKeyConstraint(['plan_id', 'indicator_id'], ['indicators.plan_id', 'indicators.id'], name='fk_questionnaire_links_indicator', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'indicator_id', 'questionnaire_id', name=op.f('pk_questionnaire_links'))
    )
    op.create_index(op.f('ix_questionnaire_links_questionnaire_id'), 'questionnaire_links', ['questionnaire_id'], unique=False)
    op.create_table('round_designations',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=140), nullable=False),
    sa.Column('before_round_id', sa.Integer(), nullable=True),
    sa.Column('after_round_id', sa.Integer(), nullable=True),
    sa.Column('designated_by_id', sa.Integer(), nullable=True),
    sa.Column('designated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['after_round_id'], ['rounds.id'], name=op.f('fk_round_designations_after_round_id_rounds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['before_round_id'], ['rounds.id'], name=op.f('fk_round_designations_before_round_id_rounds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['designated_by_id'], ['users.id'], name=op.f('fk_round_designations_designated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id', 'indicator_id'], ['indicators.plan_id', 'indicators.id'], name='fk_round_designations_indicator', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'indicator_id', name=op.f('pk_round_designations'))
    )

    # write the rows back, once per legacy plan
    links_table = sa.table('questionnaire_links', sa.column('plan_id'), sa.column('indicator_id'),
                           sa.column('questionnaire_id'), sa.column('measure'))
    for plan_id in plan_of_ambito.values():
        if objectives:
            connection.execute(new_objectives.insert(), [{**o, "plan_id": plan_id} for o in objectives])
        if indicators:
            connection.execute(new_indicators.insert(), [
                {**i, "plan_id": plan_id, "target": None, "predecessor_plan_id": None,
                 "predecessor_id": None} for i in indicators])
        if links:
            connection.execute(links_table.insert(), [
                {"plan_id": plan_id, "indicator_id": link["indicator_id"],
                 "questionnaire_id": link["questionnaire_id"], "measure": link["indicator_id"]}
                for link in links])
    if values:
        connection.execute(new_values.insert(), [{**v, "plan_id": plan_of_ambito[v["ambito_id"]]} for v in values])
    _reset_sequence(connection, "indicator_values")

    # rounds belong to a plan; those opened after its period are follow-ups
    with op.batch_alter_table('rounds') as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('is_follow_up', sa.Boolean(), nullable=False, server_default=sa.false()))
    period_end = datetime(LEGACY_PLAN["last_year"] + 1, 1, 1)
    for ambito_id, plan_id in plan_of_ambito.items():
        connection.execute(sa.text("UPDATE rounds SET plan_id = :p WHERE ambito_id = :a"),
                           {"p": plan_id, "a": ambito_id})
    connection.execute(
        sa.text("UPDATE rounds SET is_follow_up = :yes WHERE COALESCE(opens_at, created_at) >= :end"),
        {"yes": True, "end": period_end})
    with op.batch_alter_table('rounds') as batch_op:
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('is_follow_up', existing_type=sa.Boolean(), server_default=None)
        batch_op.create_index(batch_op.f('ix_rounds_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_rounds_plan_id_plans'), 'plans', ['plan_id'], ['id'])

    with op.batch_alter_table('report_jobs') as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_report_jobs_plan_id'), ['plan_id'], unique=False)
    for ambito_id, plan_id in plan_of_ambito.items():
        connection.execute(sa.text("UPDATE report_jobs SET plan_id = :p WHERE ambito_id = :a"),
                           {"p": plan_id, "a": ambito_id})


def downgrade() -> None:
    """Back to one global catalog: possible only while at most one plan's objectives exist."""
    connection = op.get_bind()
    plan_ids = [row[0] for row in connection.execute(sa.text("SELECT DISTINCT plan_id FROM objectives"))]
    legacy = [row[0] for row in connection.execute(
        sa.text("SELECT id FROM plans WHERE code = :c"), {"c": LEGACY_PLAN["code"]})]
    keep = legacy[0] if legacy else (plan_ids[0] if plan_ids else None)
    if len(plan_ids) > 1 and len(set(plan_ids) - set(legacy)) > 0:
        raise RuntimeError("cannot downgrade: the database holds more than one plan's objectives")
    objectives = [o for o in _rows(connection, "objectives") if o["plan_id"] == keep]
    indicators = [i for i in _rows(connection, "indicators") if i["plan_id"] == keep]
    values = _rows(connection, "indicator_values")
    links = [dict(row._mapping) for row in connection.execute(sa.text(
        "SELECT v.id AS questionnaire_version_id, l.indicator_id FROM questionnaire_links l "
        "JOIN questionnaire_versions v ON v.questionnaire_id = l.questionnaire_id WHERE l.plan_id = :p"),
        {"p": keep})]

    with op.batch_alter_table('report_jobs') as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_jobs_plan_id'))
        batch_op.drop_column('plan_id')
    with op.batch_alter_table('rounds') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rounds_plan_id_plans'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_rounds_plan_id'))
        batch_op.drop_column('is_follow_up')
        batch_op.drop_column('plan_id')
    op.drop_table('round_designations')
    op.drop_table('questionnaire_links')
    op.drop_table('indicator_values')
    op.drop_table('indicators')
    op.drop_table('objectives')
    old_objectives = _objectives_table(with_plan=False)
    old_indicators = _indicators_table(with_plan=False)
    old_values = _indicator_values_table(with_plan=False)
    op.create_index('ix_indicators_objective_id', 'indicators', ['objective_id'])
    _create_indicator_values_indexes(with_plan=False)
    op.create_table('questionnaire_indicators',
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.String(length=140), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name='fk_questionnaire_indicators_indicator_id_indicators'),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_questionnaire_indicators_questionnaire_version_id_questionnaire_versions')),
    sa.PrimaryKeyConstraint('questionnaire_version_id', 'indicator_id', name='pk_questionnaire_indicators')
    )
    if objectives:
        connection.execute(old_objectives.insert(), [
            {k: v for k, v in o.items() if k != "plan_id"} for o in objectives])
    if indicators:
        connection.execute(old_indicators.insert(), [
            {k: v for k, v in i.items() if k not in ("plan_id", "target", "predecessor_plan_id", "predecessor_id")}
            for i in indicators])
    if links:
        connection.execute(sa.table('questionnaire_indicators', sa.column('questionnaire_version_id'),
                                    sa.column('indicator_id')).insert(), links)
    kept_values = [{k: v for k, v in row.items() if k != "plan_id"} for row in values if row["plan_id"] == keep]
    if kept_values:
        connection.execute(old_values.insert(), kept_values)
    _reset_sequence(connection, "indicator_values")
    with op.batch_alter_table('questionnaire_versions') as batch_op:
        batch_op.create_foreign_key('fk_questionnaire_versions_objective_id_objectives', 'objectives',
                                    ['objective_id'], ['id'])
    op.drop_index(op.f('ix_plans_ambito_id'), table_name='plans')
    op.drop_table('plans')
