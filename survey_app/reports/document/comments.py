"""A questionnaire's free comments: only those a reviewer approved, of rounds with enough responses.

The comments come already filtered by :mod:`survey_app.reports.comments` (the queries);
this module only lays them out, with how many are still waiting for a review.
"""

from __future__ import annotations

from survey_app.reports.build import QuestionnaireData
from survey_app.reports.document import prose
from survey_app.reports.document.blocks import Paragraph, Quotes, Section, plural
from survey_app.reports.document.names import round_name


def comments_section(q: QuestionnaireData, level: int, chart_prefix: str) -> Section:
    section = Section(f"{chart_prefix}-commenti", "Commenti liberi", level)
    asked = q.questionnaire.comment is not None
    if not asked:
        section.blocks.append(Paragraph("Il questionario non prevede commenti liberi."))
        return section
    any_shown = False
    for r in q.rounds:
        if not r.any_responses:
            continue
        if r.responses is None:
            continue  # fewer than 5 responses: nothing about its comments, not even a count
        if r.comments:
            any_shown = True
            section.blocks.append(
                Paragraph(
                    f"{round_name(r)}: "
                    + plural(len(r.comments), "commento revisionato", "commenti revisionati")
                    + ".",
                    "label",
                )
            )
            section.blocks.append(Quotes(list(r.comments)))
        if r.unreviewed_comments:
            section.blocks.append(
                Paragraph(
                    f"{round_name(r)}: "
                    + plural(
                        r.unreviewed_comments,
                        "commento non ancora revisionato non è riportato",
                        "commenti non ancora revisionati non sono riportati",
                    )
                    + ".",
                    "meta",
                )
            )
    if not any_shown:
        section.blocks.insert(0, Paragraph("Nessun commento revisionato da riportare."))
    section.blocks += prose.paragraphs("comments", css="meta")
    return section
