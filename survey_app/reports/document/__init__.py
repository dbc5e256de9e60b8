"""The report as a document: sections of headings, paragraphs, tables and charts, in Italian.

Built from the data of :mod:`survey_app.reports.build`, and rendered as is by the HTML and
PDF renderer (:mod:`survey_app.reports.render`) and by the DOCX writer
(:mod:`survey_app.reports.word`), so every format says the same thing. Every number is
written here, once; a suppressed cell is written ``n<5`` and nothing else.

One module per part of the report, in the order a reader meets them:

- :mod:`.blocks`: what a document is made of (sections, paragraphs, tables, figures...);
- :mod:`.final`: the final report (introduction, synoptic table, a chapter per objective);
- :mod:`.objective`: the report of one objective, its sections in order;
- :mod:`.indicators`: the indicators' status and their semestral values;
- :mod:`.questionnaires`: the results of each questionnaire, with
  :mod:`.comparisons` (before/after), :mod:`.breakdowns` (by comune and service) and
  :mod:`.comments` (free comments);
- :mod:`.methods`: each objective's methods note and the final report's methods annex;
- :mod:`.names`: how rounds and dimensions are named wherever they appear;
- :mod:`.prose`: the fixed texts, read from ``templates/reports/prose/`` (a district can
  adjust them there).

The names below are the ones callers use (``document.final_document(...)``).
"""

from survey_app.reports.document.blocks import (
    Bullets,
    Cell,
    Document,
    Facts,
    Figure,
    Paragraph,
    Quotes,
    Section,
    Table,
    hidden_cell,
    plural,
    status_cell,
)
from survey_app.reports.document.breakdowns import breakdowns_section
from survey_app.reports.document.comments import comments_section
from survey_app.reports.document.comparisons import comparison_blocks, comparisons_section
from survey_app.reports.document.final import final_document, synoptic_section
from survey_app.reports.document.indicators import (
    format_point,
    indicators_section,
    latest_text,
    semestral_section,
    sparkline,
    trend_text,
)
from survey_app.reports.document.methods import (
    methods_annex,
    methods_note,
    response_rates_section,
    scales_table,
)
from survey_app.reports.document.objective import objective_document, objective_sections
from survey_app.reports.document.questionnaires import questionnaire_section, questionnaires_section

__all__ = [
    "Bullets",
    "Cell",
    "Document",
    "Facts",
    "Figure",
    "Paragraph",
    "Quotes",
    "Section",
    "Table",
    "breakdowns_section",
    "comments_section",
    "comparison_blocks",
    "comparisons_section",
    "final_document",
    "format_point",
    "hidden_cell",
    "indicators_section",
    "latest_text",
    "methods_annex",
    "methods_note",
    "objective_document",
    "objective_sections",
    "plural",
    "questionnaire_section",
    "questionnaires_section",
    "response_rates_section",
    "scales_table",
    "semestral_section",
    "sparkline",
    "status_cell",
    "synoptic_section",
    "trend_text",
]
