"""What a round's questionnaire form is made of, and a per-process copy of it by public link.

The form of a round depends on its questionnaire version (parsed once per process), the comuni
offered and the round's scope. A copy of these is kept by link each time a form is built, so a
submission can be shown again with every answer when the database cannot be read at all (not
even to find the round): the person sends the same page again once it is back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey_app.caching import BoundedCache
from survey_app.forms.questionnaire import (
    QuestionnaireForm,
    build_questionnaire_form,
    form_class_key,
    form_options,
)
from survey_app.models import Round
from survey_app.questionnaires.definition import Questionnaire
from survey_app.rounds.queries import comune_choices


@dataclass(frozen=True)
class RoundForm:
    """Everything building a round's form needs, without the database."""

    round_id: int
    questionnaire: Questionnaire
    comuni: tuple[tuple[int, str], ...]
    #: the round's scope: a comune and service it is limited to are not asked
    comune_id: int | None
    service: str | None
    is_panel: bool

    def _options(self, ask_channel: bool) -> dict:
        return {"ask_comune": self.comune_id is None, "ask_service": self.service is None,
                "ask_panel_code": self.is_panel, "ask_channel": ask_channel}

    def build(self, language: str, formdata=None, *, ask_channel: bool = False,
              csrf: bool = True) -> QuestionnaireForm:
        """Return the form in *language*, bound to *formdata* when given.

        :param csrf: ``False`` for data that comes from a file, not from a page of the app.
        """
        return build_questionnaire_form(self.questionnaire, language, list(self.comuni),
                                        **self._options(ask_channel), formdata=formdata, csrf=csrf)

    def form_class_key(self, language: str) -> tuple:
        """Return what identifies the class of the respondents' form :meth:`build` returns,
        without building it."""
        return form_class_key(self.questionnaire, form_options(language, self.comuni, **self._options(False)))


#: the last form of each public link this process built
_BY_LINK: BoundedCache[RoundForm] = BoundedCache(1024)


def round_form(session: Session, round_: Round, link: str | None = None) -> RoundForm:
    """Return what *round_*'s form is made of (one query), kept for *link* if given."""
    found = RoundForm(round_.id, round_.questionnaire_version.questionnaire,
                      tuple(comune_choices(session, round_)), round_.comune_id, round_.service, round_.is_panel)
    if link is not None:
        _BY_LINK.put(link, found)
    return found


def last_round_form(link: str) -> RoundForm | None:
    """Return the form last built for *link* in this process, if any (see :func:`round_form`)."""
    return _BY_LINK.get(link)
