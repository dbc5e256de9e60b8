"""Unanswered questionnaires, rendered once and reused: their questions, and whole pages.

Rendering a questionnaire's items (a fieldset, a legend and six radio buttons each) was the
largest cost of serving the form. Everything in them is fixed by the form class (questionnaire
version and options, see ``survey_app.forms.questionnaire``), the questionnaire's language and
the interface language, as long as nothing has been answered and nothing is in error. Such a
fresh form's questions are therefore rendered once per key and kept; the parts that change with
every page (CSRF token, submission id, start time, panel code) are outside them
(``respond/_fields.html``). A form with answers or errors is always rendered in full.

A whole page of an unanswered form (:func:`fresh_form_page`) is likewise kept, rendered with
placeholders where the CSRF token, the submission id and the start time go, and filled in for
each request; the view decides which pages qualify and what their key is.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup, escape
from wtforms import TextAreaField
from wtforms.fields.choices import SelectFieldBase

from survey_app.caching import BoundedCache

#: rendered questions by (form class, questionnaire language, interface language)
_RENDERED: BoundedCache[Markup] = BoundedCache(512)


def is_pristine(form) -> bool:
    """Tell whether *form* has no answer and no error in any question (hidden fields aside)."""
    return not form.errors and all(
        field.data in (None, "") for field in form if isinstance(field, (SelectFieldBase, TextAreaField)))


def fresh_questions_html(form, questionnaire, language: str) -> Markup | None:
    """Return the HTML of *form*'s questions if it is unanswered, rendered at most once per key.

    ``None`` when the form holds answers or errors: the template then renders them in full.
    """
    if not is_pristine(form):
        return None
    key = (type(form), language, str(get_locale()))
    return _RENDERED.get_or_build(key, lambda: Markup(render_template(
        "respond/_questions.html", form=form, questionnaire=questionnaire, language=language)))


#: the values a form page gets per request; their placeholders carry a mark random per process,
#: so no questionnaire text can contain one by chance
_SLOT_MARK = secrets.token_hex(12)
PAGE_SLOTS = ("csrf_token", "submission_id", "started")
#: pages with placeholders, by the key the view gives
_PAGES: BoundedCache[str] = BoundedCache(512)


def _slot(name: str) -> str:
    return f"{_SLOT_MARK}-{name}"


def _page_values(form) -> dict[str, str]:
    return {"csrf_token": form.csrf_token.current_token, "submission_id": form.submission_id.data,
            "started": form.started.data}


def _set_page_values(form, values: dict[str, str]) -> None:
    form.csrf_token.current_token = values["csrf_token"]
    form.submission_id.data = values["submission_id"]
    form.started.data = values["started"]


def kept_form_page(key: Hashable, values: dict[str, str]) -> str | None:
    """Return the page kept under *key* with this request's *values* put in, or ``None``.

    *values* are the :data:`PAGE_SLOTS`: lets a view answer without building the form at all
    when the page is kept (the form is built only to render it the first time).
    """
    page = _PAGES.get(key)
    return None if page is None else _filled(page, values)


def _filled(page: str, values: dict[str, str]) -> str:
    for name in PAGE_SLOTS:
        page = page.replace(_slot(name), str(escape(values[name] or "")))
    return page


def fresh_form_page(key: Hashable, form, render: Callable[[], str]) -> str:
    """Return the page of the unanswered *form*, rendering it with *render* once per *key*.

    *key* must identify everything else the page shows (form class, languages, link, query
    string...). The kept page holds placeholders for the form's CSRF token, submission id and
    start time; this request's values are put in, escaped as the template would.
    """
    page = _PAGES.get(key)
    if page is None:
        values = _page_values(form)
        _set_page_values(form, {name: _slot(name) for name in PAGE_SLOTS})
        try:
            page = render()
        finally:
            _set_page_values(form, values)
        if any(page.count(_slot(name)) != 1 for name in PAGE_SLOTS):
            return render()  # a template that does not show each value once: never reuse it
        _PAGES.put(key, page)
    return _filled(page, _page_values(form))
