"""All database models, importable from one place (``from survey_app.models import Round``)."""

from survey_app.models.base import Base, utcnow
from survey_app.models.plan import Ambito, Comune, Indicator, Objective
from survey_app.models.questionnaires import QuestionnaireVersion, questionnaire_indicators
from survey_app.models.responses import CHANNELS, RESPONDENT_ROLES, Answer, Response
from survey_app.models.rounds import ROUND_KINDS, ROUND_STATUSES, Round

__all__ = [
    "Ambito", "Answer", "Base", "CHANNELS", "Comune", "Indicator", "Objective",
    "QuestionnaireVersion", "RESPONDENT_ROLES", "ROUND_KINDS", "ROUND_STATUSES", "Response",
    "Round", "questionnaire_indicators", "utcnow",
]
