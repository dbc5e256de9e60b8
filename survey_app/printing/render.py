"""Print-ready HTML from the templates in ``survey_app/templates/printing``.

The templates are rendered through a Jinja2 environment of this module, not Flask's, so they
work in a command or a worker as well as in a view. Autoescaping is on: every text that comes
from a questionnaire, a round or an operator is escaped; only the QR codes, which this package
generates, are inserted as markup. Fixed sentences go through gettext with the interface
catalogs of ``survey_app/translations`` (Italian msgids, so Italian needs no catalog and a
sentence not yet translated stays Italian).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from survey_app.printing.content import CardSheetContent, PanelCardSheet, PosterContent
from survey_app.printing.qr import qr_svg
from survey_app.questionnaires.definition import DEFAULT_LANGUAGE, Questionnaire, is_rtl, localized

TEMPLATE_DIRECTORY = Path(__file__).resolve().parents[1] / "templates" / "printing"
TRANSLATIONS_DIRECTORY = Path(__file__).resolve().parents[1] / "translations"
#: cut-out cards on one A4 sheet (2 columns, 4 rows)
CARDS_PER_SHEET = 8
#: panel cards on one A4 page (2 columns, 4 rows); more cards make more pages
PANEL_CARDS_PER_PAGE = 8


def _babel_locale(language: str) -> str:
    try:
        return str(Locale.parse(language.replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        return DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def environment(language: str = DEFAULT_LANGUAGE) -> Environment:
    """Return the template environment for documents in *language* (one per language, cached)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIRECTORY),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    locale = _babel_locale(language)
    env.install_gettext_translations(  # type: ignore[attr-defined]  # added by the i18n extension
        Translations.load(str(TRANSLATIONS_DIRECTORY), [locale]), newstyle=True)
    env.globals.update(
        language=language,
        direction="rtl" if is_rtl(language) else "ltr",
        long_date=lambda value: format_date(value, format="long", locale=locale),
    )
    env.filters["breakable_url"] = breakable_url
    return env


def breakable_url(url: str) -> Markup:
    """Return *url* escaped, breakable only after a slash.

    Without this a long link breaks at a hyphen or anywhere inside its token, and whoever
    types it cannot tell whether the hyphen at the end of the line is part of the link.
    """
    parts = url.split("/")
    return Markup("/<wbr>").join(Markup('<span class="nowrap">%s</span>') % part if part else Markup()
                                 for part in parts)


def _render(template: str, language: str, **context) -> str:
    return environment(language).get_template(template).render(**context)


def _qr(url: str) -> Markup:
    # the SVG comes from qrcode, not from user text: the URL inside it is XML-escaped
    return Markup(qr_svg(url))


def render_poster(poster: PosterContent) -> str:
    """Return a one-page A4 poster as a self-contained HTML document."""
    return _render("poster.html", poster.language, p=poster, qr=_qr(poster.url))


def render_cards(cards: CardSheetContent) -> str:
    """Return one A4 sheet of :data:`CARDS_PER_SHEET` identical cut-out cards as HTML."""
    return _render("cards.html", cards.language, c=cards, qr=_qr(cards.url), count=CARDS_PER_SHEET)


def render_panel_cards(sheet: PanelCardSheet) -> str:
    """Return the panel cards of *sheet* as HTML, :data:`PANEL_CARDS_PER_PAGE` to an A4 page."""
    cards = [(card, _qr(card.url)) for card in sheet.cards]
    pages = [cards[i:i + PANEL_CARDS_PER_PAGE] for i in range(0, len(cards), PANEL_CARDS_PER_PAGE)]
    return _render("panel_cards.html", sheet.language, s=sheet, pages=pages)


@dataclass(frozen=True)
class PaperItem:
    """One statement of the paper questionnaire, with the texts of its boxes."""

    number: int
    id: str
    text: str
    labels: tuple[str, ...]
    dont_know: str | None


@dataclass(frozen=True)
class PaperGrid:
    """Consecutive statements answered on the same scale: one table, the box labels at its head.

    Printing the labels once per table rather than under every statement is what fits ten
    statements in a page at 14 pt; the head is repeated on every page the table reaches.
    ``rows`` holds section titles (``str``) and statements (:class:`PaperItem`), in order.
    """

    labels: tuple[str, ...]
    dont_know: str | None
    rows: tuple[str | PaperItem, ...]


def paper_grids(sections: Sequence[tuple[str, Sequence[PaperItem]]]) -> list[PaperGrid]:
    """Group the statements of *sections* (see :func:`paper_items`) into :class:`PaperGrid` tables."""
    grids: list[PaperGrid] = []
    for title, items in sections:
        pending_title: str | None = title
        for item in items:
            rows: list[str | PaperItem] = [pending_title] if pending_title is not None else []
            pending_title = None
            last = grids[-1] if grids else None
            if last is not None and (last.labels, last.dont_know) == (item.labels, item.dont_know):
                grids[-1] = PaperGrid(last.labels, last.dont_know, last.rows + (*rows, item))
            else:
                grids.append(PaperGrid(item.labels, item.dont_know, (*rows, item)))
    return grids


@dataclass(frozen=True)
class PaperChoice:
    """A single-answer context question (comune, service, role) on paper."""

    kind: str
    label: str
    options: tuple[str, ...]

    @property
    def columns(self) -> int:
        """Columns to print the options in: four for short names (comuni), else two."""
        if len(self.options) < 2:
            return 1
        if len(self.options) > 6 and max(len(o) for o in self.options) <= 16:
            return 4
        return 2


def paper_items(questionnaire: Questionnaire, language: str) -> list[tuple[str, list[PaperItem]]]:
    """Return ``(dimension title, items)`` pairs, numbered 1..N in the order of the web form."""
    by_dimension: dict[str, list[PaperItem]] = {}
    for number, item in enumerate(questionnaire.items, start=1):
        by_dimension.setdefault(item.dimension_id, []).append(PaperItem(
            number=number,
            id=item.id,
            text=localized(item.text, language),
            labels=tuple(localized(label, language) for label in item.scale.labels),
            dont_know=localized(item.scale.dont_know, language) if item.scale.dont_know else None,
        ))
    return [(localized(d["title"], language), by_dimension[d["id"]]) for d in questionnaire.dimensions]


def render_paper_questionnaire(
    questionnaire: Questionnaire,
    language: str = DEFAULT_LANGUAGE,
    comuni: Sequence[str] = (),
    round_label: str | None = None,
    closes_on: datetime.date | None = None,
    *,
    ask_comune: bool = True,
    ask_service: bool = True,
) -> str:
    """Return a printable paper version of *questionnaire* as HTML.

    Same items in the same order and numbering as the web form, each with one box per scale
    point and a separate box for "non so"; then the context questions, the comment box and a
    line for the office that types the answers in. At least 14 pt text, black on white.

    :param comuni: names of the comuni to offer as tick boxes; empty gives a line to write on.
    :param round_label: the round's name, printed in the heading and the office line.
    :param closes_on: the last day to hand the questionnaire in.
    :param ask_comune: ``False`` when the round is limited to one comune (as in the web form).
    :param ask_service: ``False`` when the round is limited to one service.
    """
    definition = questionnaire.definition
    choices: list[PaperChoice] = []
    comune = questionnaire.context_question("comune")
    service = questionnaire.context_question("service")
    role = questionnaire.context_question("role")
    if comune and ask_comune:
        choices.append(PaperChoice("comune", localized(comune.get("label"), language), tuple(comuni)))
    if service and ask_service:
        choices.append(PaperChoice("service", localized(service.get("label"), language),
                                   tuple(localized(o["label"], language) for o in service["options"])))
    if role:
        # role options are ids; the template gives them their (translated) labels
        choices.append(PaperChoice("role", localized(role.get("label"), language), tuple(role["options"])))
    comment = questionnaire.comment
    return _render(
        "paper_questionnaire.html", language,
        questionnaire=questionnaire,
        organisation=localized(definition["organisation"], language),
        title=localized(definition["title"], language),
        introduction=localized(definition["introduction"], language),
        privacy_notice=localized(definition["privacy_notice"], language),
        grids=paper_grids(paper_items(questionnaire, language)),
        total=len(questionnaire.items),
        has_dont_know=any(item.scale.dont_know for item in questionnaire.items),
        choices=choices,
        comment_label=localized(comment["label"], language) if comment else None,
        comment_hint=localized(comment.get("hint"), language) if comment else None,
        round_label=round_label,
        closes_on=closes_on,
    )
