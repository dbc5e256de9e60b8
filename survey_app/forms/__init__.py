"""WTForms forms; questionnaire forms are built from the questionnaire data at runtime."""

from survey_app.forms.questionnaire import (
    DONT_KNOW,
    build_questionnaire_form,
    item_field_name,
    submission_from_form,
)

__all__ = ["DONT_KNOW", "build_questionnaire_form", "item_field_name", "submission_from_form"]
