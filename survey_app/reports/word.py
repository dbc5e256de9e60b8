"""A report document as DOCX, for the district to edit before it goes into the plan.

python-docx writes the same headings, paragraphs, tables and reviewed comments as the HTML
and the PDF. Charts are left out (python-docx cannot place SVG, and turning them into
pictures would need a rasteriser the project does not otherwise use): the document says so
at the top, and every chart's numbers are in the tables next to it.
"""

from __future__ import annotations

import io

from docx import Document as new_docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor

from survey_app.reports.document import Cell, Document, Section, Table
from survey_app.results.charts import text_width

CHARTS_LEFT_OUT = (
    "Questa versione modificabile non contiene i grafici: si trovano nella versione PDF del "
    "rapporto. Le tabelle riportano gli stessi numeri."
)
MUTED = RGBColor(0x5C, 0x6F, 0x82)
PAGE_WIDTH, MARGIN = Cm(21), Cm(2)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
#: Word's default left and right cell margins (0.19 cm each), in points
CELL_PADDING = 10.8
#: bold text (headers, row headers) is wider
BOLD = 1.1
#: Arial's metrics are the ones column widths are measured with; LibreOffice and Linux
#: have them as Liberation Sans (python-docx's default, Calibri, is often missing there)
FONT = "Arial"


def document_docx(document: Document) -> bytes:
    """Return *document* as the bytes of a .docx file."""
    docx = new_docx()
    _set_up(docx, document)
    docx.add_paragraph(document.title, style="Title")
    docx.add_paragraph(document.subtitle, style="Subtitle")
    for term, value in document.facts:
        _term(docx, term, value)
    _note(docx, CHARTS_LEFT_OUT)
    for paragraph in document.intro:
        _paragraph(docx, paragraph.text, paragraph.css)
    for section in document.sections:
        _section(docx, section)
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


def _set_up(docx, document: Document) -> None:
    for section in docx.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, Cm(29.7)
        section.left_margin = section.right_margin = MARGIN
        section.top_margin = section.bottom_margin = Cm(2)
    normal = docx.styles["Normal"]
    normal.font.size = Pt(10)
    normal.font.name = FONT
    # Italian for the spelling checker of whoever edits the report
    properties = normal.element.get_or_add_rPr()
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "it-IT")
    properties.append(language)
    if document.draft_mark:
        # on every page, as the PDF's running head: a draft judgement is never pasted as final
        for section in docx.sections:
            mark = section.header.paragraphs[0]
            mark.text = document.draft_mark
            mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in mark.runs:
                run.bold = True
    core = docx.core_properties
    core.title, core.subject, core.language = document.title, document.subtitle, "it-IT"
    core.author = "Ambito - Ufficio di Piano"


def _section(docx, section: Section) -> None:
    if section.page_break:
        docx.add_page_break()
    heading = docx.add_heading(section.title, level=max(1, min(section.level - 1, 9)))
    heading.paragraph_format.keep_with_next = True  # never alone at the foot of a page
    for block in section.blocks:
        _block(docx, block)
    for child in section.children:
        _section(docx, child)


def _block(docx, block) -> None:
    kind = block.kind
    if kind == "paragraph":
        _paragraph(docx, block.text, block.css)
    elif kind == "facts":
        for term, value in block.items:
            _term(docx, term, value)
    elif kind == "bullets":
        for item in block.items:
            docx.add_paragraph(item, style="List Bullet")
    elif kind == "quotes":
        for text in block.items:
            docx.add_paragraph(text, style="Quote")
    elif kind == "table":
        _table(docx, block)
    # figures: left out, see CHARTS_LEFT_OUT


def _paragraph(docx, text: str, css: str = "") -> None:
    if css == "label":  # a small heading of the blocks after it
        paragraph = docx.add_paragraph()
        paragraph.add_run(text).bold = True
        paragraph.paragraph_format.keep_with_next = True
    elif css in ("meta", "note"):
        _note(docx, text)
    else:
        docx.add_paragraph(text)


def _note(docx, text: str) -> None:
    run = docx.add_paragraph().add_run(text)
    run.italic = True
    run.font.size = Pt(9)
    run.font.color.rgb = MUTED


def _term(docx, term: str, value: str) -> None:
    paragraph = docx.add_paragraph()
    paragraph.add_run(f"{term}: ").bold = True
    paragraph.add_run(value)
    paragraph.paragraph_format.space_after = Pt(0)


def _text(cell) -> str:
    return cell.text if isinstance(cell, Cell) else str(cell)


def _table(docx, table: Table) -> None:
    caption = docx.add_paragraph(table.caption, style="Caption")
    caption.paragraph_format.keep_with_next = True
    size = Pt(7.5 if table.compact else 8.5)
    grid = docx.add_table(rows=len(table.rows) + 1, cols=len(table.header))
    grid.style = "Table Grid"
    widths = column_widths(table, size.pt, TEXT_WIDTH)
    _fix_widths(grid, widths)
    for row_index, (row, values) in enumerate(
        zip(grid.rows, [table.header, *table.rows], strict=True)
    ):
        heading = row_index == 0
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))  # as the PDF: a row stays on one page
        if heading:  # repeated on every page
            properties.append(OxmlElement("w:tblHeader"))
        for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = widths[column]
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(_text(value))
            run.font.size = size
            run.bold = (
                heading or (column == 0 and table.row_headers) or (row_index - 1) in table.totals
            )
            if isinstance(value, Cell) and value.css == "suppressed":
                run.italic = True
            if column in table.numeric and not heading:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    docx.add_paragraph()


def column_widths(table: Table, size: float, total: int) -> list[Emu]:
    """Column widths (EMU, summing to *total*) that follow the content, as a browser's do.

    HTML's automatic table layout, which the PDF gets: each column is at least as wide as its
    longest word, and the width left over goes to the columns in proportion to how much more
    their longest cell would need to fit on one line. So a column of long indicator texts is
    wide and a column of counts narrow, where equal widths made rows of one word a line.
    """
    fewest, most = [], []
    for column, values in enumerate(zip(*([table.header, *table.rows]), strict=True)):
        bold = column == 0 and table.row_headers
        cells = [(_text(value), BOLD if row == 0 or bold else 1)
                 for row, value in enumerate(values)]
        words = [(word, factor) for text, factor in cells for word in text.split()] or [("", 1)]
        fewest.append(max(text_width(w, size) * f for w, f in words) + CELL_PADDING)
        most.append(max(text_width(t, size) * f for t, f in cells) + CELL_PADDING)
    available = Emu(total).pt
    if sum(most) <= available:  # every cell fits on one line: share the rest alike
        points = [width * available / sum(most) for width in most]
    elif sum(fewest) >= available:  # too many columns: words will break anyway
        points = [width * available / sum(fewest) for width in fewest]
    else:
        extra = [m - f for m, f in zip(most, fewest, strict=True)]
        left = available - sum(fewest)
        points = [f + left * e / sum(extra) for f, e in zip(fewest, extra, strict=True)]
    widths = [Emu(int(Pt(p))) for p in points]
    widths[-1] = Emu(total - sum(widths[:-1]))  # rounding
    return widths


def _fix_widths(grid, widths: list[Emu]) -> None:
    """Set the table's fixed layout, width and grid: Word reads the cells' widths, LibreOffice
    the grid's, so both get the same (the cells are set as they are filled)."""
    grid.autofit = False
    properties = grid._tbl.tblPr
    table_width = properties.find(qn("w:tblW"))  # python-docx writes one, "auto"
    table_width.set(qn("w:w"), str(int(sum(widths) / 635)))  # twentieths of a point
    table_width.set(qn("w:type"), "dxa")
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
