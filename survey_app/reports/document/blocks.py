"""The parts a report document is made of: sections, paragraphs, tables, figures, quotes.

Plain data, already written in Italian: the HTML and PDF renderer
(:mod:`survey_app.reports.render`) and the DOCX writer (:mod:`survey_app.reports.word`)
show them as they are, so every format says the same thing. Also the few cells every
section writes alike (a suppressed cell is ``n<5`` and nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from survey_app.reports.formatting import HIDDEN, status_text


@dataclass(frozen=True)
class Cell:
    """A table cell with a class for its look (``status-met``, ``suppressed``...)."""

    text: str
    css: str = ""


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list]
    #: columns aligned to the right (numbers)
    numeric: frozenset = frozenset()
    #: the first cell of each row is its header
    row_headers: bool = True
    #: rows shown as totals
    totals: frozenset = frozenset()
    #: small print (long tables)
    compact: bool = False
    kind: str = "table"


@dataclass
class Paragraph:
    text: str
    css: str = ""
    #: an inline SVG after the text (a sparkline)
    svg: Markup | None = None
    kind: str = "paragraph"


@dataclass
class Facts:
    items: list[tuple[str, str]]
    kind: str = "facts"


@dataclass
class Bullets:
    items: list[str]
    kind: str = "bullets"


@dataclass
class Figure:
    svg: Markup
    caption: str
    kind: str = "figure"


@dataclass
class Quotes:
    """Free comments, already reviewed."""

    items: list[str]
    kind: str = "quotes"


@dataclass
class Section:
    id: str
    title: str
    #: heading level: 2 for h2...
    level: int
    blocks: list = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    #: start on a new page when printed
    page_break: bool = False
    kind: str = "section"

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Document:
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    intro: list[Paragraph]
    sections: list[Section]
    #: list the top-level sections at the start
    contents: bool = True
    #: written on every page (PDF running head, DOCX header) while a judgement is a draft
    draft_mark: str = ""

    def walk(self):
        for section in self.sections:
            yield from section.walk()

    @property
    def tables(self) -> list[Table]:
        return [b for s in self.walk() for b in s.blocks if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [b for s in self.walk() for b in s.blocks if isinstance(b, Figure)]


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def hidden_cell() -> Cell:
    return Cell(HIDDEN, "suppressed")


def status_cell(status: str) -> Cell:
    return Cell(status_text(status), f"status status-{status.replace('_', '-')}")
