"""The questions of an unanswered questionnaire, rendered once and reused.

Rendering a questionnaire's items (a fieldset, a legend and six radio buttons each) was the
largest cost of serving the form. Everything in them is fixed by the form class (questionnaire
version and options, see ``survey_app.forms.questionnaire``), the questionnaire's language and
the interface language, as long as nothing has been answered and nothing is in error. Such a
fresh form's questions are therefore rendered once per key and kept; the parts that change with
every page (CSRF token, submission id, start time, panel code) are outside them
(``respond/_fields.html``). A form with answers or errors is always rendered in full.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

#: rendered questions by (form class, questionnaire language, interface language)
_RENDERED: dict[tuple, Markup] = {}
#: bound on the entries kept: questionnaires x option sets x languages stay far below it
_CACHE_SIZE = 512


def is_pristine(form) -> bool:
    """Tell whether *form* has no answer and no error in any question (hidden fields aside)."""
    return not form.errors and all(
        field.data in (None, "") for field in form if field.type in ("RadioField", "SelectField",
                                                                      "TextAreaField"))


def fresh_questions_html(form, questionnaire, language: str) -> Markup | None:
    """Return the HTML of *form*'s questions if it is unanswered, rendered at most once per key.

    ``None`` when the form holds answers or errors: the template then renders them in full.
    """
    if not is_pristine(form):
        return None
    key = (type(form), language, str(get_locale()))
    html = _RENDERED.get(key)
    if html is None:
        if len(_RENDERED) >= _CACHE_SIZE:
            _RENDERED.clear()
        html = _RENDERED[key] = Markup(render_template(
            "respond/_questions.html", form=form, questionnaire=questionnaire, language=language))
    return html
