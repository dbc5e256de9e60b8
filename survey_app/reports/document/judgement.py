"""The evaluator's judgement that opens each objective, the qualitative evidence behind it, and the
final report's summary of judgements and recommendations.

The judgement is what a district pastes into its next plan: status, reasons, strengths,
weaknesses, recommendations (:mod:`survey_app.judgements`). A judgement not yet approved is
marked as a draft in its section and on every page of the document
(:func:`draft_notice`). The qualitative section lists the sessions (kind, date, timing,
participants by number and role: never a name, never their text) and the themes with only the
quotes an evaluator published (:func:`survey_app.qualitative.queries.objective_themes`).
"""

from __future__ import annotations

from survey_app.reports.build import FinalData, ObjectiveData
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import (
    Bullets,
    Cell,
    Facts,
    Paragraph,
    Quotes,
    Section,
    Table,
)
from survey_app.reports.formatting import (
    DASH,
    JUDGEMENT_LABELS,
    PARTICIPANT_ROLE_LABELS,
    ROUND_KIND_LABELS,
    SESSION_KIND_LABELS,
    calendar_date,
    judgement_text,
    local_datetime,
    sentence,
)

#: on every page of a document holding a draft judgement (PDF running head, DOCX header)
DRAFT_MARK = "BOZZA – giudizio di valutazione da rivedere"


def draft_notice(objectives: list[ObjectiveData]) -> str:
    """:data:`DRAFT_MARK` when a judgement of *objectives* is written but not approved, else ``""``."""
    drafts = any(j.draft for o in objectives for j in o.judgements.values())
    return DRAFT_MARK if drafts else ""


def judgement_cell(status: str | None) -> Cell:
    if status is None:
        return Cell("da scrivere", "status status-no-data")
    return Cell(judgement_text(status), f"status judgement-{status.replace('_', '-')}")


def judgement_section(data: ObjectiveData, level: int) -> Section:
    """The evaluator's judgement of the objective and of its indicators."""
    judgement = data.judgement
    section = Section(f"{data.id}-giudizio", "Il giudizio di valutazione", level)
    if judgement is None:
        section.blocks = prose.paragraphs("judgement", "none", css="notice")
    else:
        blocks = prose.paragraphs("judgement", "draft", css="notice draft") if judgement.draft else []
        facts = [("Giudizio", judgement_text(judgement.status))]
        if judgement.suggested_status:
            facts.append(("Lettura dei soli dati", JUDGEMENT_LABELS[judgement.suggested_status]))
        facts.append(("Stato", "approvato" if not judgement.draft else "da rivedere"))
        facts.append(("Ultima modifica", local_datetime(judgement.updated_at)))
        blocks.append(Facts(facts))
        if judgement.against_the_data:
            blocks += prose.paragraphs("judgement", "against_data",
                                       suggested=JUDGEMENT_LABELS[judgement.suggested_status])
        if judgement.reasons:
            blocks += [Paragraph("Ragioni", "label"), *(Paragraph(p) for p in judgement.reasons.split("\n\n"))]
        for label, points in (("Punti di forza", judgement.strengths), ("Punti di debolezza", judgement.weaknesses),
                              ("Raccomandazioni per il prossimo Piano", judgement.recommendations)):
            if points:
                blocks += [Paragraph(label, "label"), Bullets(list(points))]
        section.blocks = blocks
    judged = [(i, data.judgements[i.id]) for i in data.indicators if i.id in data.judgements]
    if judged:
        section.blocks.append(Table(
            "Il giudizio sugli indicatori",
            ["Indicatore", "Giudizio", "Ragioni"],
            [[sentence(i.text), judgement_cell(j.status),
              (j.reasons or DASH) + (" (bozza)" if j.draft else "")] for i, j in judged],
        ))
    return section


def qualitative_section(data: ObjectiveData, level: int) -> Section:
    """Interviews, focus groups and workshops, and the themes they and the free comments raise."""
    section = Section(f"{data.id}-qualitativa", "Le evidenze qualitative", level,
                      prose.paragraphs("judgement", "qualitative_intro"))
    if not data.sessions and not data.themes:
        section.blocks += prose.paragraphs("judgement", "no_evidence", css="note")
        return section
    if data.sessions:
        section.blocks.append(Table(
            "Incontri",
            ["Tipo", "Data", "Momento", "Partecipanti", "Ruoli"],
            [[SESSION_KIND_LABELS[s.kind], calendar_date(s.held_on), ROUND_KIND_LABELS.get(s.timing, s.timing),
              str(s.participants), ", ".join(PARTICIPANT_ROLE_LABELS[r] for r in s.roles) or DASH]
             for s in data.sessions],
            numeric=frozenset({3}),
            row_headers=False,
        ))
    if data.themes:
        section.blocks.append(Table(
            "Temi emersi",
            ["Tema", "Incontri", "Commenti liberi"],
            [[theme.name if not theme.parent else f"{theme.parent} › {theme.name}", str(theme.n_sessions),
              str(theme.n_comments)] for theme in data.themes],
            numeric=frozenset({1, 2}),
        ))
        quoted = [theme for theme in data.themes if theme.quotes]
        for theme in quoted:
            section.blocks += [Paragraph(f"«{theme.name}»", "label"),
                               Quotes([_quote(q) for q in theme.quotes])]
        if quoted:
            section.blocks += prose.paragraphs("judgement", "quotes_note", css="note")
    return section


def _quote(quote) -> str:
    source = SESSION_KIND_LABELS.get(quote.source_kind, quote.source_kind)
    when = f", {calendar_date(quote.source_date)}" if quote.source_date else ""
    return f"{quote.text} ({source.lower() if quote.source_kind == 'comment' else source}{when})"


def summary_section(data: FinalData) -> Section:
    """The final report's opening: objectives by judgement, and the recommendations for the next plan."""
    counts = {status: 0 for status in JUDGEMENT_LABELS}
    missing = 0
    for objective in data.objectives:
        if objective.judgement is None:
            missing += 1
        else:
            counts[objective.judgement.status] += 1
    rows = [[judgement_text(status), str(n)] for status, n in counts.items()]
    rows.append(["Giudizio da scrivere", str(missing)])
    blocks = [
        *prose.paragraphs("judgement", "summary_intro"),
        Table("Obiettivi per giudizio", ["Giudizio", "Obiettivi"], rows, numeric=frozenset({1})),
        Table(
            "Il giudizio di ogni obiettivo",
            ["Obiettivo", "Giudizio", "Stato"],
            [[f"{o.chapter} · {sentence(o.title)}", judgement_cell(o.judgement.status if o.judgement else None),
              DASH if o.judgement is None else ("approvato" if not o.judgement.draft else "bozza da rivedere")]
             for o in data.objectives],
        ),
    ]
    recommendations = [(o, o.judgement.recommendations) for o in data.objectives
                       if o.judgement and o.judgement.recommendations]
    blocks.append(Paragraph("Le raccomandazioni per il prossimo Piano di Zona", "label"))
    if recommendations:
        blocks.append(Bullets([f"{sentence(o.title)}: {point}" for o, points in recommendations for point in points]))
    else:
        blocks += prose.paragraphs("judgement", "no_recommendations", css="note")
    return Section("sintesi", "Sintesi della valutazione", 2, blocks)
