"""Printed material for a survey round: QR codes, posters, cut-out cards, panel-code cards and
paper questionnaires, as print-ready HTML and as PDF.

Pure functions: no Flask request, no database. The caller gathers the texts (from the
questionnaire, the round and the distribution point) into the frozen values of
:mod:`survey_app.printing.content` and gets back a self-contained A4 HTML document (CSS in a
``<style>`` element, QR codes as inline SVG, nothing fetched) that a browser prints as is, or
a PDF through :func:`html_to_pdf`. Every text given is escaped.

::

    poster = PosterContent.from_questionnaire(questionnaire, url=link, closes_on=date(2023, 12, 15),
                                              point_label="Sportello sociale di Lovere")
    pdf = html_to_pdf(render_poster(poster))
"""

from survey_app.printing.content import CardSheetContent, PanelCard, PanelCardSheet, PosterContent
from survey_app.printing.pdf import PrintingError, html_to_pdf
from survey_app.printing.qr import qr_png, qr_svg
from survey_app.printing.render import (
    CARDS_PER_SHEET,
    PANEL_CARDS_PER_PAGE,
    render_cards,
    render_panel_cards,
    render_paper_questionnaire,
    render_poster,
)

__all__ = [
    "CARDS_PER_SHEET",
    "PANEL_CARDS_PER_PAGE",
    "CardSheetContent",
    "PanelCard",
    "PanelCardSheet",
    "PosterContent",
    "PrintingError",
    "html_to_pdf",
    "qr_png",
    "qr_svg",
    "render_cards",
    "render_panel_cards",
    "render_paper_questionnaire",
    "render_poster",
]
