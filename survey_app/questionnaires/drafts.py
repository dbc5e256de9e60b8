"""Drafts of questionnaires uploaded on the staff page: who may publish what, create, publish, discard.

A draft is a checked questionnaire (an XLSForm or JSON upload, or a filled translation sheet)
kept until someone publishes it as a new version or discards it. Who may: admins and
operators of the plan's Ambito (an installation-wide admin: any plan). A new version of an
existing questionnaire also needs every plan that questionnaire already measures to be theirs:
an operator of one Ambito never changes what another Ambito's rounds will ask.

No Flask request state here: views pass the user and the :class:`AmbitoScope`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import Plan, QuestionnaireDraft, QuestionnaireLink, QuestionnaireVersion
from survey_app.questionnaires.definition import Problem, QuestionnaireError, content_hash
from survey_app.questionnaires.operations import (
    ImportResult,
    import_questionnaire,
    latest_version,
    plan_catalog,
)

#: drafts a questionnaire may have at once (a corrected upload replaces its own version's draft)
MAX_DRAFTS_PER_QUESTIONNAIRE = 5


class NotAllowed(Exception):
    """The user may not publish this questionnaire in this plan; the message says why, in Italian."""


def publishable_plans(session: Session, scope) -> list[Plan]:
    """The plans whose questionnaires a user with *scope* may publish, newest period first."""
    plans = session.scalars(select(Plan).order_by(Plan.last_year.desc(), Plan.title)).all()
    return [plan for plan in plans if scope.allows(plan.ambito_id) and plan.status != "closed"]


def scope_plans(session: Session, scope) -> list[Plan]:
    """Every plan of *scope*, closed ones too, newest period first."""
    plans = session.scalars(select(Plan).order_by(Plan.last_year.desc(), Plan.title)).all()
    return [plan for plan in plans if scope.allows(plan.ambito_id)]


def read_upload(session: Session, filename: str, raw: bytes, *, chosen: Plan, scope) -> tuple[dict, str, Plan]:
    """Read and check an uploaded questionnaire; return it, its format and the plan it belongs to.

    A questionnaire names the objective and indicators of the plan it was written for (its
    home): a new version of a 2021-2023 questionnaire keeps naming 2021-2023 indicators even
    when the person uploading it chose the plan in force. So when the file does not fit
    *chosen*, it is checked against the other plans of *scope* that already use a
    questionnaire of the same id; the first it fits is its plan. Otherwise the problems
    against the plan it fits best (fewest problems, *chosen* on a tie) are raised.

    :raise QuestionnaireError: with every problem, each at its sheet, row and column.
    """
    from survey_app.questionnaires.operations import read_questionnaire_upload

    try:
        definition, file_format = read_questionnaire_upload(filename, raw, plan_catalog(session, chosen))
        return definition, file_format, chosen
    except QuestionnaireError as first:
        best = first
        for other in scope_plans(session, scope):
            if other.id == chosen.id:
                continue
            try:
                definition, file_format = read_questionnaire_upload(filename, raw, plan_catalog(session, other))
            except QuestionnaireError as exc:
                best = exc if len(exc.problems) < len(best.problems) else best
                continue
            if session.scalar(select(QuestionnaireLink.plan_id).where(
                    QuestionnaireLink.plan_id == other.id,
                    QuestionnaireLink.questionnaire_id == definition["id"]).limit(1)) is not None:
                return definition, file_format, other
        raise best


def home_plan(session: Session, definition: dict, scope) -> Plan | None:
    """The plan of *scope* that uses *definition*'s questionnaire and whose objectives it names, newest first.

    Where a new version made from a stored one (a translation) is checked and published.
    """
    from survey_app.questionnaires.definition import validate_definition

    for plan in scope_plans(session, scope):
        linked = session.scalar(select(QuestionnaireLink.plan_id).where(
            QuestionnaireLink.plan_id == plan.id, QuestionnaireLink.questionnaire_id == definition["id"]).limit(1))
        if linked is not None and not validate_definition(definition, plan_catalog(session, plan), source=""):
            return plan
    return None


def check_allowed(session: Session, scope, questionnaire_id: str, plan: Plan) -> None:
    """Refuse (:class:`NotAllowed`) unless *scope* covers *plan* and every plan already using the questionnaire.

    :raise NotAllowed: with the reason.
    """
    if not scope.allows(plan.ambito_id):
        raise NotAllowed(_("Puoi pubblicare questionari solo per i piani del tuo Ambito."))
    exists = latest_version(session, questionnaire_id) is not None
    if plan.status == "closed" and not exists:  # a new version of its questionnaires adds no link
        raise NotAllowed(_("Il piano «%(title)s» è chiuso: non gli si aggiungono questionari nuovi.",
                           title=plan.title))
    foreign = session.scalars(
        select(Plan).join(QuestionnaireLink, QuestionnaireLink.plan_id == Plan.id)
        .where(QuestionnaireLink.questionnaire_id == questionnaire_id).distinct()).all()
    for other in foreign:
        if not scope.allows(other.ambito_id):
            raise NotAllowed(_("Il questionario «%(id)s» è usato anche da un altro Ambito (%(ambito)s): una nuova "
                               "versione la può pubblicare solo l'amministrazione di tutti gli Ambiti.",
                               id=questionnaire_id, ambito=other.ambito.name))


def create_draft(session: Session, definition: dict, *, plan: Plan, scope, user, filename: str,
                 file_format: str) -> QuestionnaireDraft:
    """Keep a checked *definition* as a draft of *plan*; a draft of the same version is replaced.

    :raise NotAllowed: see :func:`check_allowed`.
    :raise QuestionnaireError: when this version is already published (with the same content:
        nothing to publish; with other content: a new version number is needed).
    """
    from survey_app.audit import record

    check_allowed(session, scope, definition["id"], plan)
    stored = session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == definition["id"],
        QuestionnaireVersion.version == definition["version"]))
    if stored is not None:
        if stored.content_hash == content_hash(definition):
            reason = _("la versione %(version)d è già pubblicata, identica: non c'è niente da pubblicare",
                       version=definition["version"])
        else:
            reason = _("la versione %(version)d è già caricata con un contenuto diverso: aumenta il numero "
                       "di versione per pubblicare la modifica", version=definition["version"])
        raise QuestionnaireError([Problem(filename, "", reason)])
    drafts = session.scalars(select(QuestionnaireDraft).where(
        QuestionnaireDraft.questionnaire_id == definition["id"]).order_by(QuestionnaireDraft.created_at)).all()
    for old in drafts:
        if old.version == definition["version"]:
            session.delete(old)
    if len([d for d in drafts if d.version != definition["version"]]) >= MAX_DRAFTS_PER_QUESTIONNAIRE:
        raise QuestionnaireError([Problem(filename, "", _(
            "il questionario ha già %(n)d bozze: pubblicane o scartane una prima di caricarne un'altra",
            n=MAX_DRAFTS_PER_QUESTIONNAIRE))])
    draft = QuestionnaireDraft(questionnaire_id=definition["id"], version=definition["version"],
                               definition=definition, plan_id=plan.id, filename=filename[:200],
                               file_format=file_format, created_by_id=getattr(user, "id", None))
    session.add(draft)
    session.flush()
    record(session, user, "questionnaire.draft", draft, questionnaire=definition["id"],
           version=definition["version"], file=filename, format=file_format, plan=plan.id)
    return draft


def replaced_version(session: Session, draft: QuestionnaireDraft) -> QuestionnaireVersion | None:
    """The published version *draft* would follow: the highest stored version below its own."""
    return session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == draft.questionnaire_id,
               QuestionnaireVersion.version < draft.version)
        .order_by(QuestionnaireVersion.version.desc()).limit(1))


def publish_draft(session: Session, draft: QuestionnaireDraft, *, scope, user) -> ImportResult:
    """Publish *draft* as a new version, checked again against its plan, and delete the draft.

    Nothing is committed here.

    :raise NotAllowed: see :func:`check_allowed`.
    :raise QuestionnaireError: the plan changed so that the draft no longer fits it, or the
        version was published meanwhile with other content.
    """
    from survey_app.audit import record
    from survey_app.questionnaires.definition import validate_definition

    plan = draft.plan
    check_allowed(session, scope, draft.questionnaire_id, plan)
    problems = validate_definition(draft.definition, plan_catalog(session, plan), source=draft.filename)
    if problems:
        raise QuestionnaireError(problems)
    result = import_questionnaire(session, draft.definition, plan=plan, actor=user, filename=draft.filename,
                                  file_format=draft.file_format)
    record(session, user, "questionnaire.draft.publish", draft, questionnaire=draft.questionnaire_id,
           version=draft.version, plan=plan.id)
    session.delete(draft)
    return result


def discard_draft(session: Session, draft: QuestionnaireDraft, *, scope, user) -> None:
    """Delete *draft*, audited. Nothing is committed here.

    :raise NotAllowed: see :func:`check_allowed`.
    """
    from survey_app.audit import record

    if draft.plan is not None and not scope.allows(draft.plan.ambito_id):
        raise NotAllowed(_("Puoi pubblicare questionari solo per i piani del tuo Ambito."))
    record(session, user, "questionnaire.draft.discard", draft, questionnaire=draft.questionnaire_id,
           version=draft.version, file=draft.filename)
    session.delete(draft)

