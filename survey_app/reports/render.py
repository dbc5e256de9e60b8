"""A report document as HTML (a page fragment, or a self-contained printable file) and as PDF.

The templates (``templates/reports``) are rendered through a Jinja environment of this
module, not Flask's, so the worker and the command line make exactly what the pages show.
Autoescaping is on: plan texts, round labels and comments are escaped; only the SVG charts,
which :mod:`survey_app.results.charts` builds with escaped labels, go in as markup.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from survey_app.printing import html_to_pdf
from survey_app.reports.document import Document

TEMPLATE_DIRECTORY = Path(__file__).resolve().parents[1] / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIRECTORY),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def body_html(document: Document) -> Markup:
    """The report as an ``<article>`` for an app page (no style, no script: the CSP holds)."""
    return Markup(environment().get_template("reports/body.html").render(doc=document))


def document_html(document: Document) -> str:
    """The report as a self-contained HTML document, with its print stylesheet."""
    return (
        environment()
        .get_template("reports/document.html")
        .render(
            doc=document,
            running_title=Markup(_css_string(f"{document.title} – {document.subtitle}")),
            draft_mark=Markup(_css_string(document.draft_mark)),
        )
    )


def document_pdf(document: Document) -> bytes:
    """The report as a PDF (WeasyPrint, imported only now): text stays text, charts vectors."""
    return html_to_pdf(document_html(document))


def _css_string(text: str) -> str:
    """*text* safe inside a double-quoted CSS string in a ``<style>`` element."""
    cleaned = "".join(c for c in text if c not in '"\\<>\n\r')
    return cleaned[:120]
