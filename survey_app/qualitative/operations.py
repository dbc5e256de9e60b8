"""Write operations on the qualitative evidence: record, edit the details of or delete a session,
add, edit or delete a theme of an objective's codebook, code a passage of a session or a free
comment, publish a passage for reports (or withdraw it), remove a coding.

Each is checked here (not only in the forms) and audited; none commits. The audit log keeps
who, what and when, never a participant's words: a coding is logged by its offsets and
length, a publication with the published text itself (it is meant to be read in a report), an
edit by the names of the fields it changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app import audit
from survey_app.localtime import to_local
from survey_app.models import Objective, Plan, User, utcnow
from survey_app.models.qualitative import (
    CONSENT_METHODS,
    MAX_FACILITATOR_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_THEME_NAME_LENGTH,
    MAX_TITLE_LENGTH,
    PARTICIPANT_ROLES,
    SESSION_KINDS,
    Passage,
    QualitativeSession,
    Theme,
    passage_themes,
)
from survey_app.models.rounds import ROUND_KINDS
from survey_app.qualitative.extraction import normalise_text
from survey_app.qualitative.queries import codable_comment, paragraphs

#: the longest published text of a quote
MAX_PUBLISHED_LENGTH = 4000
MAX_DESCRIPTION_LENGTH = 2000
MAX_PARTICIPANTS = 1000


class QualitativeError(ValueError):
    """The operation cannot be done as asked; ``str(exc)`` says why, in Italian."""


class ThemeParentError(QualitativeError):
    """The parent asked for a theme cannot be (the pages show it by the parent's field)."""


def _who(actor) -> str:
    return actor.email if isinstance(actor, User) else str(actor)


def _actor_id(actor) -> int | None:
    return actor.id if isinstance(actor, User) else None


def _objective(session: Session, plan: Plan, objective_id: str) -> Objective:
    objective = session.get(Objective, (plan.id, objective_id))
    if objective is None:
        raise QualitativeError(_("Obiettivo non trovato in questo piano."))
    return objective


@dataclass(frozen=True)
class SessionDetails:
    """What a session records about itself: everything but its kind and its material, so what
    may be edited once it is recorded (:func:`update_session`)."""

    title: str
    held_on: date
    timing: str
    facilitator: str
    participants: int
    participant_roles: tuple[str, ...]
    consent: bool
    consent_method: str | None


#: the columns :func:`update_session` may change, in the order of the form
SESSION_DETAIL_FIELDS = ("title", "held_on", "timing", "facilitator", "participants", "participant_roles",
                         "consent", "consent_method")


@dataclass(frozen=True)
class SessionInput(SessionDetails):
    """What a new session records (the material's text already extracted and normalised)."""

    kind: str
    material: str
    text: str
    source_filename: str | None = None
    source_format: str | None = None


def _checked_details(data: SessionDetails) -> dict:
    """The values of :data:`SESSION_DETAIL_FIELDS` as stored, checked.

    :raise QualitativeError: as :func:`record_session` for these fields.
    """
    title, facilitator = data.title.strip(), data.facilitator.strip()
    if data.timing not in ROUND_KINDS:
        raise QualitativeError(_("Scegli il momento della valutazione."))
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise QualitativeError(_("Scrivi un titolo di al massimo %(n)d caratteri.", n=MAX_TITLE_LENGTH))
    if not facilitator or len(facilitator) > MAX_FACILITATOR_LENGTH:
        raise QualitativeError(_("Scrivi chi ha condotto l'incontro (al massimo %(n)d caratteri).",
                                 n=MAX_FACILITATOR_LENGTH))
    if data.held_on > to_local(utcnow()).date():
        raise QualitativeError(_("La data dell'incontro non può essere nel futuro."))
    if not 1 <= data.participants <= MAX_PARTICIPANTS:
        raise QualitativeError(_("I partecipanti vanno da 1 a %(n)d.", n=MAX_PARTICIPANTS))
    roles = tuple(dict.fromkeys(data.participant_roles))
    if not roles or any(role not in PARTICIPANT_ROLES for role in roles):
        raise QualitativeError(_("Indica almeno un ruolo dei partecipanti."))
    if data.consent and data.consent_method not in CONSENT_METHODS:
        raise QualitativeError(_("Indica come è stato raccolto il consenso."))
    if not data.consent and data.consent_method:
        raise QualitativeError(_("Il modo del consenso si indica solo se il consenso è stato raccolto."))
    return {"title": title, "held_on": data.held_on, "timing": data.timing, "facilitator": facilitator,
            "participants": data.participants, "participant_roles": [r for r in PARTICIPANT_ROLES if r in roles],
            "consent": data.consent, "consent_method": data.consent_method if data.consent else None}


def record_session(session: Session, plan: Plan, objective_id: str, data: SessionInput, *,
                   actor: User | str) -> QualitativeSession:
    """Store a session of *objective_id* in *plan* (not committed), audited.

    :raise QualitativeError: for an unknown objective, kind, timing, role or consent method;
        a missing title, facilitator or text; a number of participants out of range; consent
        without how it was recorded (or the reverse); a date in the future.
    """
    _objective(session, plan, objective_id)
    text = normalise_text(data.text or "")
    if data.kind not in SESSION_KINDS:
        raise QualitativeError(_("Scegli il tipo di incontro."))
    details = _checked_details(data)
    if data.material not in ("notes", "transcript"):
        raise QualitativeError(_("Scrivi gli appunti o carica la trascrizione."))
    if not text:
        raise QualitativeError(_("Scrivi gli appunti o carica la trascrizione."))
    if len(text) > MAX_TEXT_LENGTH:
        raise QualitativeError(_("Il testo supera %(n)d caratteri.", n=MAX_TEXT_LENGTH))
    row = QualitativeSession(
        ambito_id=plan.ambito_id, plan_id=plan.id, objective_id=objective_id, kind=data.kind, **details,
        material=data.material, text=text,
        source_filename=(data.source_filename or None) and data.source_filename[-255:],
        source_format=data.source_format, created_by_id=_actor_id(actor), created_by=_who(actor))
    session.add(row)
    session.flush()
    audit.record(session, actor, "qualitative.session", row, plan=plan.id, objective=objective_id, kind=row.kind,
                 held_on=row.held_on.isoformat(), material=row.material, source_format=row.source_format,
                 characters=len(text), consent=row.consent)
    return row


def update_session(session: Session, row: QualitativeSession, data: SessionDetails, *,
                   actor: User | str) -> list[str]:
    """Change a session's details (not committed), audited with the names of the fields changed;
    return those names (none: nothing is written, nothing audited).

    The kind, the material and the text stay as recorded: passages are character offsets into
    the text, so a different text would move them onto other words.

    Consent set to no keeps the published texts of the session's passages, but reports stop
    quoting them (:func:`survey_app.qualitative.queries.objective_themes` reads the session's
    consent), and they cannot be published again until consent is recorded.

    :raise QualitativeError: as :func:`record_session` for these fields.
    """
    values = _checked_details(data)
    changed = [name for name in SESSION_DETAIL_FIELDS if getattr(row, name) != values[name]]
    if not changed:
        return []
    for name in changed:
        setattr(row, name, values[name])
    session.flush()
    audit.record(session, actor, "qualitative.session_update", row, plan=row.plan_id, objective=row.objective_id,
                 changed=changed, consent=row.consent if "consent" in changed else None)
    return changed


def delete_session(session: Session, row: QualitativeSession, *, actor: User | str) -> None:
    """Delete a session and its passages (not committed), audited."""
    passages = len(row.passages)
    audit.record(session, actor, "qualitative.session_delete", row, plan=row.plan_id, objective=row.objective_id,
                 kind=row.kind, held_on=row.held_on.isoformat(), passages=passages)
    session.delete(row)
    session.flush()


def _checked_theme(session: Session, plan_id: int, objective_id: str, *, name: str, description: str,
                   parent_id: int | None, theme: Theme | None = None) -> tuple[str, str]:
    """The name and description as stored, checked against the objective's codebook (*theme*
    being the one edited, if any).

    :raise QualitativeError: as :func:`add_theme`; for *theme*, also a parent that is the theme
        itself or one of its sub-themes (a theme cannot be its own ancestor).
    """
    name, description = (name or "").strip(), (description or "").strip()
    if not name or len(name) > MAX_THEME_NAME_LENGTH:
        raise QualitativeError(_("Scrivi il nome del tema (al massimo %(n)d caratteri).", n=MAX_THEME_NAME_LENGTH))
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise QualitativeError(_("La descrizione supera %(n)d caratteri.", n=MAX_DESCRIPTION_LENGTH))
    existing = session.scalars(select(Theme).where(Theme.plan_id == plan_id, Theme.objective_id == objective_id)).all()
    others = [t for t in existing if theme is None or t.id != theme.id]
    if any(t.name.casefold() == name.casefold() for t in others):
        raise QualitativeError(_("Nel codebook c'è già un tema «%(name)s».", name=name))
    if parent_id is not None and parent_id not in {t.id for t in existing}:
        raise ThemeParentError(_("Il tema superiore non è di questo obiettivo."))
    if theme is not None and parent_id is not None:
        # walk up from the new parent: meeting the theme means it would be its own ancestor
        parents = {t.id: t.parent_id for t in existing}
        ancestor, seen = parent_id, set()
        while ancestor is not None and ancestor not in seen:
            if ancestor == theme.id:
                raise ThemeParentError(_("Un tema non può stare sotto sé stesso né sotto un suo sotto-tema."))
            seen.add(ancestor)
            ancestor = parents.get(ancestor)
    return name, description


def add_theme(session: Session, plan: Plan, objective_id: str, *, name: str, description: str = "",
              parent_id: int | None = None, actor: User | str) -> Theme:
    """Add a theme to the objective's codebook (not committed), audited.

    :raise QualitativeError: without a name, with a name already in the codebook, a too long
        description, or a parent of another objective.
    """
    _objective(session, plan, objective_id)
    name, description = _checked_theme(session, plan.id, objective_id, name=name, description=description,
                                       parent_id=parent_id)
    theme = Theme(plan_id=plan.id, objective_id=objective_id, name=name, description=description,
                  parent_id=parent_id)
    session.add(theme)
    session.flush()
    event = audit.record(session, actor, "qualitative.theme", theme, plan=plan.id, objective=objective_id,
                         name=name, parent=parent_id)
    event.ambito_id = plan.ambito_id
    return theme


def update_theme(session: Session, plan: Plan, theme: Theme, *, name: str, description: str = "",
                 parent_id: int | None = None, actor: User | str) -> list[str]:
    """Rename a theme, change its description or its parent (not committed), audited with the
    names of the fields changed; return those names (none: nothing written, nothing audited).

    Its passages keep it: they link to the theme, not to its name.

    :raise QualitativeError: as :func:`add_theme` (the name unique in the codebook, whatever the
        case, but the theme's own), and for a parent that is the theme or one of its sub-themes.
    """
    if theme.plan_id != plan.id:
        raise QualitativeError(_("Obiettivo non trovato in questo piano."))
    name, description = _checked_theme(session, plan.id, theme.objective_id, name=name, description=description,
                                       parent_id=parent_id, theme=theme)
    values = {"name": name, "description": description, "parent_id": parent_id}
    changed = [field for field, value in values.items() if getattr(theme, field) != value]
    if not changed:
        return []
    previous_name = theme.name
    for field in changed:
        setattr(theme, field, values[field])
    session.flush()
    event = audit.record(session, actor, "qualitative.theme_update", theme, plan=plan.id,
                         objective=theme.objective_id, changed=changed, name=theme.name,
                         previous_name=previous_name if "name" in changed else None,
                         parent=theme.parent_id if "parent_id" in changed else None)
    event.ambito_id = plan.ambito_id
    return changed


def theme_uses(session: Session, theme: Theme) -> tuple[int, int]:
    """How many passages are coded with *theme* and how many sub-themes it has."""
    passages = session.scalar(select(func.count()).select_from(passage_themes)
                              .where(passage_themes.c.theme_id == theme.id))
    children = session.scalar(select(func.count(Theme.id)).where(Theme.parent_id == theme.id))
    return passages or 0, children or 0


def delete_theme(session: Session, plan: Plan, theme: Theme, *, actor: User | str) -> None:
    """Delete a theme no passage is coded with and without sub-themes (not committed), audited.

    Refused otherwise rather than cascading: deleting it would silently take it off passages
    (some perhaps published) or lift its sub-themes to the top of the codebook.

    :raise QualitativeError: saying how many passages use it and how many sub-themes it has.
    """
    if theme.plan_id != plan.id:
        raise QualitativeError(_("Obiettivo non trovato in questo piano."))
    passages, children = theme_uses(session, theme)
    reasons = []
    if passages:
        reasons.append(ngettext(
            "Il tema «%(name)s» è usato da %(num)d passaggio codificato: toglilo prima dal passaggio.",
            "Il tema «%(name)s» è usato da %(num)d passaggi codificati: toglilo prima da ciascun passaggio.",
            passages, name=theme.name))
    if children:
        reasons.append(ngettext(
            "Il tema «%(name)s» ha %(num)d sotto-tema: spostalo sotto un altro tema o eliminalo prima.",
            "Il tema «%(name)s» ha %(num)d sotto-temi: spostali sotto un altro tema o eliminali prima.",
            children, name=theme.name))
    if reasons:
        raise QualitativeError(" ".join(reasons))
    event = audit.record(session, actor, "qualitative.theme_delete", theme, plan=plan.id,
                         objective=theme.objective_id, name=theme.name, parent=theme.parent_id)
    event.ambito_id = plan.ambito_id
    session.delete(theme)
    session.flush()


def _themes(session: Session, plan_id: int, objective_id: str, theme_ids) -> list[Theme]:
    ids = {int(i) for i in theme_ids}
    if not ids:
        raise QualitativeError(_("Scegli almeno un tema."))
    themes = session.scalars(select(Theme).where(Theme.id.in_(ids), Theme.plan_id == plan_id,
                                                 Theme.objective_id == objective_id)).all()
    if len(themes) != len(ids):
        raise QualitativeError(_("Un tema scelto non è del codebook di questo obiettivo."))
    return list(themes)


def locate(text: str, excerpt: str, scope: tuple[int, int] | None = None) -> tuple[int, int]:
    """Return the offsets of *excerpt* in *text* (within *scope*, if given).

    Spaces and line breaks may differ (a selection copied from the page joins lines), the
    words and punctuation may not.

    :raise QualitativeError: when the excerpt is not there, or is there more than once.
    """
    words = (excerpt or "").split()
    if not words:
        raise QualitativeError(_("Incolla il passaggio o scegli i paragrafi."))
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    start, end = scope or (0, len(text))
    matches = list(pattern.finditer(text, start, end))
    if not matches:
        raise QualitativeError(_("Il passaggio non si trova nel testo: copialo esattamente com'è (parole e "
                                 "punteggiatura) o scegli i paragrafi."))
    if len(matches) > 1:
        raise QualitativeError(_("Il passaggio compare %(n)d volte nel testo: indica anche i paragrafi in cui si "
                                 "trova.", n=len(matches)))
    return matches[0].start(), matches[0].end()


def passage_span(text: str, *, excerpt: str = "", first_paragraph: int | None = None,
                 last_paragraph: int | None = None) -> tuple[int, int]:
    """The offsets a coding form asks for: an excerpt, paragraphs, or an excerpt within them.

    :raise QualitativeError: for paragraphs that do not exist or are in the wrong order, and
        as :func:`locate`.
    """
    numbered = paragraphs(text)
    scope = None
    if first_paragraph is not None or last_paragraph is not None:
        first = first_paragraph if first_paragraph is not None else last_paragraph
        last = last_paragraph if last_paragraph is not None else first_paragraph
        if not (1 <= first <= len(numbered) and 1 <= last <= len(numbered)):
            raise QualitativeError(_("I paragrafi vanno da 1 a %(n)d.", n=len(numbered)))
        if last < first:
            raise QualitativeError(_("L'ultimo paragrafo deve venire dopo il primo."))
        scope = (numbered[first - 1].start, numbered[last - 1].end)
    if (excerpt or "").strip():
        return locate(text, excerpt, scope)
    if scope is None:
        raise QualitativeError(_("Incolla il passaggio o scegli i paragrafi."))
    return scope


def code_session_passage(session: Session, row: QualitativeSession, *, theme_ids, excerpt: str = "",
                         first_paragraph: int | None = None, last_paragraph: int | None = None,
                         actor: User | str) -> Passage:
    """Code a passage of a session's text with one or more themes (not committed), audited.

    Coding the same span again adds the new themes to the passage already there.
    """
    start, end = passage_span(row.text, excerpt=excerpt, first_paragraph=first_paragraph,
                              last_paragraph=last_paragraph)
    themes = _themes(session, row.plan_id, row.objective_id, theme_ids)
    passage = session.scalar(select(Passage).where(Passage.session_id == row.id, Passage.start_offset == start,
                                                   Passage.end_offset == end))
    return _store(session, passage, themes, actor, row.ambito_id, lambda: Passage(
        plan_id=row.plan_id, objective_id=row.objective_id, session_id=row.id, start_offset=start, end_offset=end,
        text=row.text[start:end]), session_id=row.id)


def code_comment(session: Session, plan: Plan, objective_id: str, response_id: int, *, theme_ids,
                 excerpt: str = "", actor: User | str) -> Passage:
    """Code a reviewed free comment (its published text, or a passage of it) with themes (not
    committed), audited.

    :raise QualitativeError: for a comment that is not one of the objective's published ones.
    """
    comment = codable_comment(session, plan.id, objective_id, response_id)
    if comment is None:
        raise QualitativeError(_("Commento non trovato tra quelli pubblicati di questo obiettivo."))
    start, end = locate(comment.text, excerpt) if (excerpt or "").strip() else (0, len(comment.text))
    themes = _themes(session, plan.id, objective_id, theme_ids)
    passage = session.scalar(select(Passage).where(
        Passage.response_id == response_id, Passage.plan_id == plan.id, Passage.objective_id == objective_id,
        Passage.start_offset == start, Passage.end_offset == end))
    return _store(session, passage, themes, actor, plan.ambito_id, lambda: Passage(
        plan_id=plan.id, objective_id=objective_id, response_id=response_id, start_offset=start, end_offset=end,
        text=comment.text[start:end]), response_id=response_id)


def _store(session, passage, themes, actor, ambito_id, make, **where) -> Passage:
    if passage is None:
        passage = make()
        passage.created_by_id, passage.created_by = _actor_id(actor), _who(actor)
        session.add(passage)
        passage.themes = sorted(themes, key=lambda t: t.name)
    else:
        passage.themes = sorted({t.id: t for t in [*passage.themes, *themes]}.values(), key=lambda t: t.name)
    session.flush()
    event = audit.record(session, actor, "qualitative.code", passage, plan=passage.plan_id,
                         objective=passage.objective_id, start=passage.start_offset, end=passage.end_offset,
                         themes=[t.id for t in themes], **where)
    event.ambito_id = ambito_id
    return passage


def remove_theme_from_passage(session: Session, passage: Passage, theme_id: int, *, actor: User | str,
                              ambito_id: int) -> bool:
    """Take a theme off a passage; a passage left without themes is deleted. Return whether the
    passage is gone (not committed), audited."""
    kept = [t for t in passage.themes if t.id != theme_id]
    if len(kept) == len(passage.themes):
        raise QualitativeError(_("Il passaggio non ha questo tema."))
    event = audit.record(session, actor, "qualitative.uncode", passage, plan=passage.plan_id,
                         objective=passage.objective_id, theme=theme_id, deleted=not kept or None)
    event.ambito_id = ambito_id
    if kept:
        passage.themes = kept
        session.flush()
        return False
    session.delete(passage)
    session.flush()
    return True


def publish_passage(session: Session, passage: Passage, published_text: str | None, *, actor: User | str,
                    ambito_id: int) -> Passage:
    """Mark *passage* quotable in reports with *published_text* (``None`` or blank: withdraw
    it); the original stays as coded (not committed), audited.

    :raise QualitativeError: for a too long text, or a session passage whose session did not
        record the participants' consent.
    """
    text = (published_text or "").strip() or None
    if text is not None:
        if len(text) > MAX_PUBLISHED_LENGTH:
            raise QualitativeError(_("Il testo da pubblicare supera %(n)d caratteri.", n=MAX_PUBLISHED_LENGTH))
        if passage.session is not None and not passage.session.consent:
            raise QualitativeError(_("Senza il consenso dei partecipanti i loro passaggi non si citano nei rapporti."))
    previous = passage.published_text
    if previous == text:
        return passage
    passage.published_text = text
    passage.published_at = utcnow() if text else None
    passage.published_by = _who(actor) if text else None
    session.flush()
    event = audit.record(session, actor, "qualitative.publish" if text else "qualitative.unpublish", passage,
                         plan=passage.plan_id, objective=passage.objective_id, published_text=text,
                         edited=(text != passage.text) if text else None)
    event.ambito_id = ambito_id
    return passage
