"""What a printed document says: plain frozen values, filled by the caller.

The renderers take these values and nothing else (no request, no database), so a view, a
command or a test builds them the same way. Texts are already in the document's language;
the ``language`` field sets ``<html lang>``, the date format and the catalog of the few
fixed sentences.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from survey_app.questionnaires.definition import DEFAULT_LANGUAGE, Questionnaire, localized


@dataclass(frozen=True, kw_only=True)
class _Invitation:
    organisation: str
    title: str
    url: str
    short_url: str = ""
    closes_on: datetime.date | None = None
    estimated_minutes: int | None = None
    point_label: str = ""
    invitation: str | None = None
    language: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        if not self.url:
            raise ValueError("url is required: it is what the QR code encodes")
        if self.estimated_minutes is not None and self.estimated_minutes < 1:
            raise ValueError("estimated_minutes must be at least 1")

    @classmethod
    def from_questionnaire(cls, questionnaire: Questionnaire, *, url: str, short_url: str = "",
                           closes_on: datetime.date | None = None, point_label: str = "",
                           invitation: str | None = None, language: str = DEFAULT_LANGUAGE):
        """Take the organisation, title and estimated time from *questionnaire* in *language*."""
        definition = questionnaire.definition
        return cls(
            organisation=localized(definition["organisation"], language),
            title=localized(definition["title"], language),
            url=url,
            short_url=short_url,
            closes_on=closes_on,
            estimated_minutes=definition.get("estimated_minutes"),
            point_label=point_label,
            invitation=invitation,
            language=language,
        )


@dataclass(frozen=True, kw_only=True)
class PosterContent(_Invitation):
    """An A4 poster inviting people to answer online.

    :param organisation: who runs the survey, at the top.
    :param title: the questionnaire title, the headline.
    :param invitation: replaces the default "Dicci come ti trovi con i nostri servizi.
        Bastano N minuti. Le risposte sono anonime."
    :param url: the link the QR code encodes, printed below it when there is no short one.
    :param short_url: the short address printed below the QR code for people to type
        (``esempio.it/r/k7m4-px9q``), opening the same page as *url*.
    :param closes_on: the last day to answer, or ``None`` when the round has no end yet.
    :param estimated_minutes: the time to answer, or ``None`` to leave it out.
    :param point_label: where the poster hangs (the distribution point), printed small.
    :param language: the language of the texts above.
    """


@dataclass(frozen=True, kw_only=True)
class CardSheetContent(_Invitation):
    """An A4 sheet of identical cut-out cards (see :data:`CARDS_PER_SHEET`) with the same
    fields as :class:`PosterContent`."""


@dataclass(frozen=True)
class PanelCard:
    """One panel card: a single-use respondent code and the link its QR code opens."""

    code: str
    url: str

    def __post_init__(self) -> None:
        if not self.code or not self.url:
            raise ValueError("a panel card needs both a code and a url")

    @property
    def groups(self) -> list[str]:
        """The code split at its hyphens, to print each group apart (``7KQ2``, ``M9XD``, ...)."""
        return self.code.split("-")


@dataclass(frozen=True, kw_only=True)
class PanelCardSheet:
    """Panel cards to print, as many A4 pages as they need.

    :param cards: :class:`PanelCard` values or ``(code, url)`` pairs, printed in this order.
        The codes are made elsewhere; printing never invents one.
    """

    organisation: str
    title: str
    cards: tuple[PanelCard, ...]
    language: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        object.__setattr__(self, "cards", _panel_cards(self.cards))
        if not self.cards:
            raise ValueError("a panel card sheet needs at least one card")


def _panel_cards(cards: Iterable[PanelCard | tuple[str, str]]) -> tuple[PanelCard, ...]:
    return tuple(card if isinstance(card, PanelCard) else PanelCard(*card) for card in cards)
