"""Reads of the qualitative evidence: a plan's objectives with their sessions and themes, an
objective's sessions and codebook, the free comments that may be coded, the themes with the
passages behind them, and :func:`objective_themes`, the only function reports call.

Pure SQLAlchemy on a session: no Flask request state.

Which free comments may be coded: those of the plan's rounds of the objective's questionnaires
whose review published them (approved, or redacted: then the redacted text is the one coded),
left out when their response is set aside from the analysis. A comment whose review changes
to "rejected" later stops counting everywhere, its passages kept but never shown in a report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from survey_app.models import CommentReview, Objective, Plan, Response, Round
from survey_app.models.qualitative import Passage, QualitativeSession, Theme
from survey_app.models.questionnaires import QuestionnaireVersion
from survey_app.models.reports import PUBLISHED_REVIEW_STATUSES
from survey_app.plans.queries import questionnaires_of_objective
from survey_app.set_asides.queries import is_set_aside

#: the smallest round whose comments a report may quote (the reports' rule, see
#: :data:`survey_app.reports.comments.MIN_CELL`)
MIN_CELL = 5

SESSION_KIND_LABELS = {
    "interview": _l("Intervista in profondità"),
    "focus_group": _l("Focus group"),
    "workshop": _l("Laboratorio partecipato"),
}
#: every kind of source a passage comes from: the session kinds and the questionnaires' comments
SOURCE_KIND_LABELS = {**SESSION_KIND_LABELS, "comment": _l("Commento libero ai questionari")}
PARTICIPANT_ROLE_LABELS = {
    "beneficiaries": _l("Beneficiari"),
    "carers": _l("Familiari e caregiver"),
    "operators": _l("Operatori"),
    "third_sector": _l("Terzo settore"),
    "administrators": _l("Amministratori"),
    "citizens": _l("Cittadini"),
}
CONSENT_METHOD_LABELS = {
    "written": _l("Scritto"),
    "oral_recorded": _l("Orale, registrato"),
    "oral_minuted": _l("Orale, messo a verbale"),
}


# --- paragraphs and passages of a text --------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    """A non-empty line of a session's text, numbered from 1, with its offsets (end excluded)."""

    number: int
    start: int
    end: int
    text: str


def paragraphs(text: str) -> list[Paragraph]:
    """The numbered paragraphs of *text*: each non-empty line (a speaker's turn, a note)."""
    found, position = [], 0
    for line in text.split("\n"):
        if line.strip():
            found.append(Paragraph(len(found) + 1, position, position + len(line), line))
        position += len(line) + 1
    return found


# --- a plan's objectives ----------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveOverview:
    objective: Objective
    sessions: int
    themes: int
    passages: int


def plan_overview(session: Session, plan: Plan) -> list[ObjectiveOverview]:
    """Every objective of *plan*, in chapter order, with its sessions, themes and passages."""
    def counts(model):
        return dict(session.execute(
            select(model.objective_id, func.count()).where(model.plan_id == plan.id)
            .group_by(model.objective_id)).all())

    sessions, themes, passages = counts(QualitativeSession), counts(Theme), counts(Passage)
    objectives = session.scalars(select(Objective).where(Objective.plan_id == plan.id)).all()
    objectives = sorted(objectives, key=lambda o: (_chapter_key(o.chapter), o.id))
    return [ObjectiveOverview(o, sessions.get(o.id, 0), themes.get(o.id, 0), passages.get(o.id, 0))
            for o in objectives]


def _chapter_key(chapter: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in (chapter or "").split("."))


def objective_sessions(session: Session, plan_id: int, objective_id: str) -> list[QualitativeSession]:
    """The objective's sessions, most recent first."""
    return list(session.scalars(
        select(QualitativeSession)
        .where(QualitativeSession.plan_id == plan_id, QualitativeSession.objective_id == objective_id)
        .order_by(QualitativeSession.held_on.desc(), QualitativeSession.id.desc())))


def plan_sessions(session: Session, plan_id: int) -> list[QualitativeSession]:
    """Every session of the plan, oldest first."""
    return list(session.scalars(
        select(QualitativeSession).where(QualitativeSession.plan_id == plan_id)
        .options(selectinload(QualitativeSession.passages).selectinload(Passage.themes))
        .order_by(QualitativeSession.held_on, QualitativeSession.id)))


@dataclass(frozen=True)
class CodebookEntry:
    theme: Theme
    #: 0 for a theme without parent, 1 under it...
    depth: int


def codebook(session: Session, plan_id: int, objective_id: str) -> list[CodebookEntry]:
    """The objective's themes, each parent followed by its children, by name at each level."""
    themes = list(session.scalars(
        select(Theme).where(Theme.plan_id == plan_id, Theme.objective_id == objective_id)))
    return codebook_order(themes)


def codebook_order(themes: list[Theme]) -> list[CodebookEntry]:
    """*themes* as a tree in depth-first order (a theme whose parent is missing is a root)."""
    ids = {t.id for t in themes}
    children: dict[int | None, list[Theme]] = defaultdict(list)
    for theme in themes:
        children[theme.parent_id if theme.parent_id in ids else None].append(theme)
    ordered: list[CodebookEntry] = []

    def walk(parent_id, depth, seen):
        for theme in sorted(children.get(parent_id, []), key=lambda t: t.name.casefold()):
            if theme.id in seen:  # a cycle cannot be made by the operations; never loop on one
                continue
            ordered.append(CodebookEntry(theme, depth))
            walk(theme.id, depth + 1, seen | {theme.id})

    walk(None, 0, frozenset())
    return ordered


# --- free comments ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CodableComment:
    """A reviewed free comment of one of the objective's questionnaires, as published."""

    response_id: int
    round_id: int
    round_label: str
    round_kind: str
    #: the text the review published: the comment as written, or the redacted text
    text: str
    passages: tuple[Passage, ...] = ()


def _codable_comments_query(plan_id: int, questionnaire_ids: list[str]):
    return (
        select(Response.id, Response.round_id, Response.comment, CommentReview.status, CommentReview.redacted_text)
        .join(CommentReview, CommentReview.response_id == Response.id)
        .join(Round, Round.id == Response.round_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Round.questionnaire_version_id)
        .where(Round.plan_id == plan_id, QuestionnaireVersion.questionnaire_id.in_(questionnaire_ids),
               CommentReview.status.in_(PUBLISHED_REVIEW_STATUSES), ~is_set_aside(Response))
    )


def _published(comment, status, redacted) -> str:
    return ((comment if status == "approved" else redacted) or "").strip()


def codable_comments(session: Session, plan_id: int, objective_id: str) -> list[CodableComment]:
    """The free comments that may be coded for the objective, by round then response, with
    their passages."""
    questionnaire_ids = questionnaires_of_objective(session, plan_id, objective_id)
    if not questionnaire_ids:
        return []
    rows = session.execute(_codable_comments_query(plan_id, questionnaire_ids)
                           .order_by(Response.round_id, Response.id)).all()
    rounds = {r.id: r for r in session.scalars(select(Round).where(Round.id.in_({row[1] for row in rows})))}
    passages: dict[int, list[Passage]] = defaultdict(list)
    for passage in session.scalars(
            select(Passage).options(selectinload(Passage.themes))
            .where(Passage.plan_id == plan_id, Passage.objective_id == objective_id,
                   Passage.response_id.in_([row[0] for row in rows]))
            .order_by(Passage.start_offset, Passage.id)):
        passages[passage.response_id].append(passage)
    found = []
    for response_id, round_id, comment, status, redacted in rows:
        text = _published(comment, status, redacted)
        if text:
            round_ = rounds[round_id]
            found.append(CodableComment(response_id, round_id, round_.display_label, round_.kind, text,
                                        tuple(passages.get(response_id, ()))))
    return found


def codable_comment(session: Session, plan_id: int, objective_id: str, response_id: int) -> CodableComment | None:
    """One comment of :func:`codable_comments` (without its passages), or ``None``."""
    questionnaire_ids = questionnaires_of_objective(session, plan_id, objective_id)
    if not questionnaire_ids:
        return None
    row = session.execute(_codable_comments_query(plan_id, questionnaire_ids)
                          .where(Response.id == response_id)).first()
    if row is None or not _published(*row[2:]):
        return None
    round_ = session.get(Round, row[1])
    return CodableComment(row[0], row[1], round_.display_label, round_.kind, _published(*row[2:]))


def _live_comment_responses(session: Session, plan_id: int, objective_id: str) -> set[int]:
    """The responses whose comment may still be coded (review still published, not set aside)."""
    questionnaire_ids = questionnaires_of_objective(session, plan_id, objective_id)
    if not questionnaire_ids:
        return set()
    return {row[0] for row in session.execute(_codable_comments_query(plan_id, questionnaire_ids))}


def _quotable_rounds(session: Session, round_ids) -> set[int]:
    """The rounds with at least :data:`MIN_CELL` responses the analysis counts."""
    ids = list(round_ids)
    if not ids:
        return set()
    return {round_id for round_id, n in session.execute(
        select(Response.round_id, func.count(Response.id))
        .where(Response.round_id.in_(ids), ~is_set_aside(Response)).group_by(Response.round_id)) if n >= MIN_CELL}


# --- themes and the passages behind them ------------------------------------------------------


@dataclass(frozen=True)
class PassageView:
    """A passage as the staff pages list it under a theme."""

    passage: Passage
    source_kind: str
    #: the session's title, or the round's label for a comment
    source_label: str
    source_date: date | None
    timing: str
    session_id: int | None


@dataclass
class ThemeOverview:
    """A theme of the codebook with how many sessions and comments mention it (staff pages)."""

    theme: Theme
    depth: int
    n_sessions: int = 0
    n_comments: int = 0
    #: passages by source kind (:data:`SOURCE_KIND_LABELS`)
    by_source: dict[str, int] = field(default_factory=dict)
    passages: list[PassageView] = field(default_factory=list)

    @property
    def mentions(self) -> int:
        return self.n_sessions + self.n_comments


def theme_overview(session: Session, plan_id: int, objective_id: str) -> list[ThemeOverview]:
    """Every theme of the objective in codebook order, with the sessions and comments that
    mention it, passages by source, and every passage (published or not: for staff only)."""
    entries = codebook(session, plan_id, objective_id)
    overviews = {e.theme.id: ThemeOverview(e.theme, e.depth) for e in entries}
    live = _live_comment_responses(session, plan_id, objective_id)
    sessions_seen: dict[int, set[int]] = defaultdict(set)
    comments_seen: dict[int, set[int]] = defaultdict(set)
    passages = session.scalars(
        select(Passage).options(selectinload(Passage.themes), selectinload(Passage.session))
        .where(Passage.plan_id == plan_id, Passage.objective_id == objective_id)
        .order_by(Passage.session_id, Passage.response_id, Passage.start_offset, Passage.id)).all()
    rounds = _rounds_of_responses(session, [p.response_id for p in passages if p.response_id])
    for passage in passages:
        view = _passage_view(passage, rounds)
        if view is None or (passage.response_id is not None and passage.response_id not in live):
            continue
        for theme in passage.themes:
            overview = overviews.get(theme.id)
            if overview is None:
                continue
            overview.passages.append(view)
            overview.by_source[view.source_kind] = overview.by_source.get(view.source_kind, 0) + 1
            if passage.session_id is not None:
                sessions_seen[theme.id].add(passage.session_id)
            else:
                comments_seen[theme.id].add(passage.response_id)
    for theme_id, overview in overviews.items():
        overview.n_sessions = len(sessions_seen[theme_id])
        overview.n_comments = len(comments_seen[theme_id])
    return [overviews[e.theme.id] for e in entries]


def _rounds_of_responses(session: Session, response_ids) -> dict[int, Round]:
    ids = list(set(response_ids))
    if not ids:
        return {}
    return {response_id: round_ for response_id, round_ in session.execute(
        select(Response.id, Round).join(Round, Round.id == Response.round_id).where(Response.id.in_(ids)))}


def _passage_view(passage: Passage, rounds: dict[int, Round]) -> PassageView | None:
    if passage.session is not None:
        s = passage.session
        return PassageView(passage, s.kind, s.title, s.held_on, s.timing, s.id)
    round_ = rounds.get(passage.response_id)
    if round_ is None:
        return None
    return PassageView(passage, "comment", round_.display_label, None, round_.kind, None)


# --- what a report may show -------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """A published passage a report may quote."""

    #: the evaluator's published text (never the original passage)
    text: str
    #: ``interview``, ``focus_group``, ``workshop`` or ``comment`` (:data:`SOURCE_KIND_LABELS`)
    source_kind: str
    #: the session's date; ``None`` for a comment (reports show comments without dates)
    source_date: date | None
    #: ``ex-ante``, ``in-itinere``, ``ex-post`` or ``follow-up``: the session's timing, or the
    #: kind of the comment's round
    timing: str


@dataclass(frozen=True)
class ThemeSummary:
    """A theme of an objective as a report shows it."""

    name: str
    description: str
    #: the parent theme's name, ``None`` for a top-level theme
    parent: str | None
    #: distinct sessions with a passage coded with this theme (not its sub-themes)
    n_sessions: int
    #: distinct free comments coded with this theme
    n_comments: int
    quotes: tuple[Quote, ...]


def objective_themes(session: Session, plan_id: int, objective_id: str) -> list[ThemeSummary]:
    """The themes of an objective that sessions or free comments mention, for a report.

    Most mentioned first (sessions plus comments), then by name; themes nobody mentions are
    left out. Counts are of distinct sessions and distinct comments coded with the theme itself
    (a parent theme does not add up its sub-themes). A comment counts while its review still
    publishes it and its response is not set aside.

    ``quotes`` holds **only published passages**, as their published text (the original as
    coded is never returned), oldest source first:

    * from a session, only when the session records the participants' consent now (consent
      set to no later, on the session's page, keeps the published texts but quotes none);
    * from a free comment, only when its round has at least :data:`MIN_CELL` responses the
      analysis counts (the reports' rule for comments), without a date.

    Pure: reads the session, writes nothing, needs no request.
    """
    plan = session.get(Plan, plan_id)
    if plan is None:
        return []
    overviews = theme_overview(session, plan_id, objective_id)
    rounds = _rounds_of_responses(session, [view.passage.response_id for o in overviews for view in o.passages
                                            if view.passage.response_id])
    quotable_rounds = _quotable_rounds(session, {r.id for r in rounds.values()})
    names = {o.theme.id: o.theme.name for o in overviews}
    found = []
    for overview in overviews:
        if not overview.mentions:
            continue
        quotes = []
        for view in overview.passages:
            passage = view.passage
            if passage.published_at is None or not (passage.published_text or "").strip():
                continue
            if passage.session is not None and not passage.session.consent:
                continue
            if passage.response_id is not None and rounds[passage.response_id].id not in quotable_rounds:
                continue
            quotes.append(Quote(passage.published_text.strip(), view.source_kind, view.source_date, view.timing))
        quotes.sort(key=lambda q: (q.source_date or date.max, q.source_kind, q.text))
        theme = overview.theme
        found.append(ThemeSummary(theme.name, theme.description or "", names.get(theme.parent_id),
                                  overview.n_sessions, overview.n_comments, tuple(quotes)))
    found.sort(key=lambda t: (-(t.n_sessions + t.n_comments), t.name.casefold()))
    return found
