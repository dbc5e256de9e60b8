"""Interface language: Flask-Babel set-up and the choice of language per request.

The interface is written in Italian (the msgids are Italian); English and other languages
come from the catalogs in ``survey_app/translations``. Questionnaire texts are translated
in the questionnaire files themselves, not in these catalogs.
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, format_date, format_datetime, get_locale
from flask_babel import gettext as _

from survey_app.localtime import shown_day

from survey_app.questionnaires.definition import DEFAULT_LANGUAGE, Questionnaire, is_rtl, localized

LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"it": "Italiano", "en": "English", "ar": "العربية", "fr": "Français"}


def requested_language() -> str | None:
    """Return the language asked explicitly by ``?lang=`` or remembered in a cookie."""
    wanted = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if wanted and 2 <= len(wanted) <= 16 and wanted.replace("-", "").isalpha():
        return wanted.lower()
    return None


def select_locale() -> str:
    """Pick the interface language: explicit choice, then the browser's, then Italian.

    Outside a request (commands, workers) messages are in Italian, the interface's language.
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    supported = current_app.config["LANGUAGES"]
    wanted = requested_language()
    if wanted in supported:
        return wanted
    return request.accept_languages.best_match(supported, default=DEFAULT_LANGUAGE)


def content_language(questionnaire: Questionnaire) -> str:
    """Return the language to show *questionnaire* in for this request.

    The explicit choice wins when the questionnaire has it (an Arabic questionnaire can
    be shown even if the interface has no Arabic catalog), then the browser's preference
    among the questionnaire's languages, then Italian.
    """
    available = questionnaire.languages
    wanted = requested_language()
    if wanted in available:
        chosen = wanted
    else:
        chosen = request.accept_languages.best_match(available, default=DEFAULT_LANGUAGE)
    g.content_language = chosen
    return chosen


def page_language() -> str:
    """Return the language of the page's main content (for ``<html lang>``)."""
    return g.get("content_language") or str(get_locale())


def remember_language(response):
    """Keep an explicit ``?lang=`` choice in a cookie for the next pages."""
    wanted = request.args.get("lang")
    if wanted and wanted == requested_language():
        response.set_cookie(LANGUAGE_COOKIE, wanted, max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def local_datetime(value) -> str:
    """Format a naive UTC datetime in the district's time zone, e.g. ``3 ottobre 2022, 09:00``."""
    return format_datetime(value, "d MMMM yyyy, HH:mm") if value else ""


def _day_text(value, *, closing: bool, format: str) -> str:
    day, whole_day = shown_day(value, closing=closing)
    text = format_date(day, format)
    if not whole_day and format == "long":
        text = f"{text}, {format_datetime(value, 'HH:mm')}"
    return text


def opening_date(value, format: str = "long") -> str:
    """Format an opening time as its local day (``3 ottobre 2022``), with the hour if not midnight."""
    return _day_text(value, closing=False, format=format) if value else ""


def closing_date(value, format: str = "long") -> str:
    """Format a closing time as the last day answers are taken: stored 1 July 00:00 shows 30 June."""
    return _day_text(value, closing=True, format=format) if value else ""


def round_dates(round_, format: str = "medium") -> str:
    """The period of a round in short, for lists and drop-downs: ``1 ott 2026 – 30 giu 2027``.

    A round opened without an opening date counts from its creation.
    """
    start = opening_date(round_.opens_at or round_.created_at, format)
    if round_.closes_at is None:
        return _("dal %(start)s", start=start)
    return _("%(start)s – %(end)s", start=start, end=closing_date(round_.closes_at, format))


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and the template helpers for languages."""
    Babel(app, locale_selector=select_locale)
    app.after_request(remember_language)
    app.jinja_env.globals.update(page_language=page_language, is_rtl=is_rtl, language_names=LANGUAGE_NAMES)
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters.update(opening_date=opening_date, closing_date=closing_date, round_dates=round_dates)
