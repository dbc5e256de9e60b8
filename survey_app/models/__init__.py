"""All database models, importable from one place (``from survey_app.models import Round``)."""

from survey_app.models.accounts import ROLES, User, UserAmbitoGrant, UserSession
from survey_app.models.audit import AuditEvent
from survey_app.models.base import Base, utcnow
from survey_app.models.distribution import DistributionPoint, Panel, PanelCode
from survey_app.models.indicators import VALUE_KINDS, IndicatorValue
from survey_app.models.evaluation import (
    JUDGEMENT_STATES,
    JUDGEMENT_STATUSES,
    Judgement,
    JudgementRevision,
    RoundDesignation,
)
from survey_app.models.plan import PLAN_STATUSES, Ambito, Comune, Indicator, Objective, Plan, QuestionnaireLink
from survey_app.models.questionnaires import QuestionnaireDraft, QuestionnaireVersion
from survey_app.models.qualitative import Passage, QualitativeSession, Theme
from survey_app.models.reports import REVIEW_STATUSES, CommentReview, ReportJob
from survey_app.models.responses import CHANNELS, RESPONDENT_ROLES, Answer, Response
from survey_app.models.results import SNAPSHOT_STATUSES, ResultSnapshot
from survey_app.models.retention import RoundSummary
from survey_app.models.rounds import ROUND_KINDS, ROUND_STATUSES, Round
from survey_app.models.set_asides import SetAside

__all__ = [
    "Ambito", "Answer", "AuditEvent", "Base", "CHANNELS", "CommentReview", "Comune", "DistributionPoint", "Indicator",
    "IndicatorValue", "Objective", "PLAN_STATUSES", "Panel", "PanelCode", "Plan", "QuestionnaireLink",
    "JUDGEMENT_STATES", "JUDGEMENT_STATUSES", "Judgement", "JudgementRevision", "QuestionnaireDraft", "QuestionnaireVersion", "RoundDesignation", "RESPONDENT_ROLES", "ROLES",
    "REVIEW_STATUSES", "ROUND_KINDS", "ROUND_STATUSES", "ReportJob", "Response", "ResultSnapshot", "Round", "RoundSummary",
    "SNAPSHOT_STATUSES", "SetAside", "User", "UserAmbitoGrant", "UserSession",
    "VALUE_KINDS", "utcnow",
    "Passage", "QualitativeSession", "Theme",
]
