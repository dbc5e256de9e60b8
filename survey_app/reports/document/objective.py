"""The report of one objective: its document, its sections in order, the notices above them.

The same sections are the objective's chapter in the final report
(:mod:`.final`), one heading level down. Each section is built in its own module: the
evaluator's judgement first (:mod:`.judgement`), then the evidence: :mod:`.indicators`,
:mod:`.questionnaires` (and within it comparisons, breakdowns and comments), the qualitative
evidence (:mod:`.judgement`), :mod:`.methods`.
"""

from __future__ import annotations

from survey_app.reports import ambito_label
from survey_app.reports.build import ObjectiveData
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import Bullets, Document, Facts, Paragraph, Section
from survey_app.reports.document.indicators import indicators_section, semestral_section
from survey_app.reports.document.judgement import (
    draft_notice,
    judgement_section,
    qualitative_section,
)
from survey_app.reports.document.methods import methods_note
from survey_app.reports.document.questionnaires import questionnaires_section
from survey_app.reports.formatting import LEVEL_LABELS, LEVEL_NAMES, local_datetime, sentence


def objective_document(data: ObjectiveData, plan, generated_at) -> Document:
    """The report of one objective of *plan*, on its own."""
    return Document(
        title=f"{data.chapter} · {sentence(data.title)}",
        subtitle=f"Rapporto per obiettivo – {plan.title} – {ambito_label(plan.ambito.name)}",
        facts=[("Generato il", local_datetime(generated_at))],
        intro=pending_notes(data),
        sections=objective_sections(data, level=2),
        draft_mark=draft_notice([data]),
    )


def pending_notes(data: ObjectiveData) -> list[Paragraph]:
    """Notices that some results are still being computed, or could not be."""
    notes = []
    if data.pending:
        notes += prose.paragraphs("objective", "pending", css="notice")
    for error in data.errors:
        # the error is appended, not a template variable: its line breaks are its own
        notes.append(Paragraph(f"{prose.text('objective', 'analysis_failed')} {error}", "notice"))
    return notes


def objective_sections(data: ObjectiveData, level: int) -> list[Section]:
    """The sections of an objective, the first at heading *level*."""
    facts = [
        ("Capitolo del Piano", data.chapter),
        ("Livello", LEVEL_LABELS.get(data.level, data.level)),
    ]
    if data.macroarea:
        facts.append(("Macroarea", sentence(data.macroarea)))
    facts.append(
        (
            "Livelli di valutazione con dati",
            ", ".join(LEVEL_NAMES[v] for v in data.levels) if data.levels else "nessuno",
        )
    )
    blocks = [Facts(facts)]
    if data.description:
        blocks.append(Paragraph(data.description))
    if data.targets:
        blocks += [Paragraph("Destinatari", "label"), Bullets(list(data.targets))]
    # the judgement first: it is what the district reads and pastes into its next plan
    sections = [judgement_section(data, level), Section(f"{data.id}-obiettivo", "L'obiettivo nel Piano", level, blocks)]
    sections.append(indicators_section(data, level))
    semestral = semestral_section(data, level)
    if semestral:
        sections.append(semestral)
    sections.append(questionnaires_section(data, level))
    sections.append(qualitative_section(data, level))
    sections.append(methods_note(data, level))
    return sections
