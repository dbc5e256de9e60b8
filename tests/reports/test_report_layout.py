"""The report's layout: DOCX column widths and kept-together headings, PDF page breaks, charts.

Issue 15 item 13: the DOCX gave every table equal columns (the indicator column three words
wide), chart legends were cut ("95%" lost), and a heading with its table's caption was left
alone at the foot of a page.
"""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from docx import Document as read_docx

from survey_app.printing import html_to_pdf
from survey_app.reports import render, word
from survey_app.reports.document import Document, Paragraph, Section, Table
from survey_app.results import charts

INDICATOR = (
    "Definizione di protocolli operativi ed accordi specifici con Enti del terzo settore e "
    "istituzioni sanitarie e sociosanitarie per disciplinare e gestire progettualità comuni"
)


def _synoptic_like() -> Document:
    rows = [
        ["8.2 La persona al centro", f"{INDICATOR} {i}", "Processo", "semestrale", "Nessun dato",
         "–", "–"]
        for i in range(6)
    ]
    table = Table("Ogni obiettivo e indicatore", ["Obiettivo", "Indicatore", "Tipo", "Misura",
                                                  "Stato", "Valore", "Andamento"], rows)
    sections = [
        Section("s", "Quadro sinottico", 2, blocks=[Paragraph("Destinatari", "label"), table]),
    ]
    return Document("Titolo", "Sottotitolo", [], [], sections)


def test_docx_columns_follow_their_content_in_grid_and_cells():
    docx = read_docx(io.BytesIO(word.document_docx(_synoptic_like())))
    (table,) = docx.tables
    grid = [column.width for column in table.columns]
    assert len(set(grid)) > 1, "every column equally wide"
    assert max(grid) == grid[1], f"the indicator column is not the widest: {grid}"
    assert grid[1] > 2.5 * grid[2], grid  # far wider than "Processo"
    assert abs(sum(grid) - word.TEXT_WIDTH) < 1000  # the text width of the page, in EMU
    for row in table.rows:  # Word reads the cells' widths, LibreOffice the grid's
        assert [cell.width for cell in row.cells] == grid
    assert table.autofit is False


def test_docx_headings_labels_and_captions_keep_with_what_follows():
    docx = read_docx(io.BytesIO(word.document_docx(_synoptic_like())))

    def keeps(paragraph) -> bool:
        own = paragraph.paragraph_format.keep_with_next
        return own if own is not None else bool(paragraph.style.paragraph_format.keep_with_next)

    paragraphs = {p.text: p for p in docx.paragraphs}
    for text in ("Quadro sinottico", "Destinatari", "Ogni obiettivo e indicatore"):
        assert keeps(paragraphs[text]), text


def test_pdf_never_leaves_a_heading_and_caption_without_their_table():
    sections = []
    for i in range(40):  # varying filler lands the headings at every height of a page
        filler = [Paragraph(f"Riempitivo {i}-{k} " + "parola " * (5 + 13 * (k % 3)))
                  for k in range(i % 9 + 1)]
        table = Table(f"Didascalia {i}", ["Voce", "Valore"],
                      [[f"Riga{i}x{r}", str(r)] for r in range(4)])
        child = Section(f"s{i}c", f"Titolo della sezione {i}", 3, blocks=[table])
        sections.append(Section(f"s{i}", f"Capitolo {i}", 2, blocks=filler, children=[child]))
    pdf = render.document_pdf(Document("Titolo", "Sottotitolo", [], [], sections, contents=False))
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()

    def page_of(text: str) -> int:
        return next(n for n, page in enumerate(pages) if text in page)

    alone = [i for i in range(40)
             if page_of(f"Titolo della sezione {i}") != page_of(f"Riga{i}x0")]
    assert alone == [], f"headings left at the foot of a page: {alone}"


def _rendered(svg) -> tuple[float, float, str, list[tuple[float, float, float, float]]]:
    """The chart alone on a page of its size: that page's size, its text, its glyphs' boxes."""
    width, height = map(int, re.search(r'width="(\d+)" height="(\d+)"', str(svg)).groups())
    html = (f"<!doctype html><html><head><style>@page{{size:{width}px {height}px;margin:0}}"
            f"body{{margin:0}}svg{{display:block}}</style></head><body>{svg}</body></html>")
    document = pypdfium2.PdfDocument(html_to_pdf(html))
    try:
        page = document[0]
        page_width, page_height = page.get_size()
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        glyphs = [textpage.get_charbox(i) for i in range(textpage.count_chars())
                  if i < len(text) and not text[i].isspace()]
    finally:
        document.close()
    return page_width, page_height, text, glyphs


LEGEND = "Valore con intervallo di confidenza al 95%"
TARGET = "≥ 70% (almeno buono: almeno il 70% d'accordo)"
SCALE = ["Per niente d'accordo", "Poco d'accordo", "Né d'accordo né in disaccordo",
         "Abbastanza d'accordo", "Del tutto d'accordo, senza alcuna riserva"]


@pytest.mark.parametrize("svg, labels", [
    (charts.dot_plot("i", [charts.DotRow("Ex post 15 dicembre 2023 (22)",
                                         [charts.Dot(0, 0.5, 0.4, 0.6)]),
                           charts.DotRow("In itinere 30 novembre 2022 (21) " * 3,
                                         [charts.Dot(0, 0.3, 0.2, 0.45)])],
                     [LEGEND], title="t", description="d", axis_max=1, percent=True,
                     target=0.7, target_label=TARGET),
     [LEGEND, TARGET]),
    (charts.dot_plot("c", [charts.DotRow("Dimensione: accoglienza", [charts.Dot(0, 60, 50, 70),
                                                                      charts.Dot(1, 70, 62, 78)])],
                     ["Prima: Ex ante, rilevazione di apertura del piano (12)",
                      "Dopo: Ex post, rilevazione di chiusura del piano (13)"],
                     title="t", description="d"),
     ["Prima: Ex ante, rilevazione di apertura del piano (12)",
      "Dopo: Ex post, rilevazione di chiusura del piano (13)"]),
    (charts.diverging_bars("b", [charts.BarRow("Gli operatori mi hanno ascoltato con attenzione "
                                               "e rispetto e hanno capito i miei bisogni", [10, 20,
                                                                                           30, 20,
                                                                                           20]),
                                 charts.BarRow("W" * 60, [5, 5, 10, 40, 40])],
                           SCALE, title="t", description="d"),
     SCALE),
])
def test_chart_text_is_whole_and_inside_the_figure(svg, labels):
    page_width, page_height, text, glyphs = _rendered(svg)
    flat = re.sub(r"\s+", "", text)
    for label in labels:  # legends are never cut
        assert re.sub(r"\s+", "", label) in flat, label
    outside = [box for box in glyphs
               if box[0] < -0.5 or box[1] < -0.5 or box[2] > page_width + 0.5
               or box[3] > page_height + 0.5]
    assert outside == [], f"text outside the chart's box: {outside[:5]}"
