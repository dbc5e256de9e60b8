"""The report's fixed prose, read from templates a district can adjust.

The long standard texts of the report (the small-cell rule, the methods note of each
objective, the methods annex, the notes under charts and comments...) are plain-text Jinja
templates in ``templates/reports/prose/``, one file per part of the report, one ``{% block %}``
per text where a file holds several. In a text, a blank line starts a new paragraph and a
single line break is a space, so the files can be wrapped freely; the renderers escape the
text (it is plain text, not HTML).

The figures the code uses are template variables, so a text cannot contradict the code:
every template gets :func:`standard_variables` (``min_cell``, ``hidden``,
``indicative_below``, ``acceptable_alpha``, ``improvement_alpha``, ``min_answered_share``,
``significance``, ``no_difference``, ``too_small``, ``min_n_to_conclude``), and some blocks
get their own (a template comment names them). An unknown variable is an error
(:class:`~jinja2.StrictUndefined`), not an empty string in a printed report.

Why not Flask's ``render_template``: reports are built in the results worker and by the
command line as well as in requests, and :mod:`survey_app.reports.render` already renders
the report templates through its own environment for that reason. This one is separate
because the prose is plain text (no autoescaping here: the HTML renderer escapes it once,
the DOCX writer takes it as text). It reads the files of the app's template folder; Jinja
checks their modification time, so an edited text is in the next report made. Reports
already stored are not marked stale by an edit (the fingerprint of
:mod:`survey_app.reports.jobs` covers the data, not the texts): "Genera" makes them again.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from survey_app.analysis import wording
from survey_app.analysis.breakdowns import INDICATIVE_BELOW
from survey_app.analysis.privacy import MIN_CELL
from survey_app.analysis.scores import ACCEPTABLE_ALPHA
from survey_app.analysis.targets import MIN_ANSWERED_SHARE
from survey_app.reports.build import IMPROVEMENT_ALPHA
from survey_app.reports.document.blocks import Paragraph
from survey_app.reports.formatting import HIDDEN, number

TEMPLATE_DIRECTORY = Path(__file__).resolve().parents[2] / "templates"
PROSE_FOLDER = "reports/prose"

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")


@lru_cache(maxsize=1)
def environment() -> Environment:
    # the directory is read at first use, so a test can point it at a copy (and clear the cache)
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIRECTORY),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def standard_variables() -> dict:
    """The figures every prose template may use, written as the report writes them."""
    return {
        "min_cell": MIN_CELL,
        "hidden": HIDDEN,
        "indicative_below": INDICATIVE_BELOW,
        "acceptable_alpha": number(ACCEPTABLE_ALPHA, 2),
        "improvement_alpha": number(IMPROVEMENT_ALPHA, 2),
        "min_answered_share": f"{MIN_ANSWERED_SHARE[0] / MIN_ANSWERED_SHARE[1]:.0%}",
        "significance": number(wording.SIGNIFICANCE, 2),
        "no_difference": wording.NO_DIFFERENCE,
        "too_small": wording.TOO_SMALL,
        "min_n_to_conclude": wording.MIN_N_TO_CONCLUDE,
    }


def paragraphs(name: str, block: str | None = None, *, css: str = "", **variables) -> list[Paragraph]:
    """The paragraphs of ``prose/<name>.txt`` (of its *block*, or of the whole file)."""
    return [Paragraph(paragraph, css) for paragraph in _render(name, block, variables)]


def text(name: str, block: str | None = None, **variables) -> str:
    """The text of ``prose/<name>.txt`` as one paragraph (a chart's description, a note
    that goes inside another text): its paragraphs, if a district wrote several, joined."""
    return " ".join(_render(name, block, variables))


def _render(name: str, block: str | None, variables: dict) -> list[str]:
    template = environment().get_template(f"{PROSE_FOLDER}/{name}.txt")
    values = {**standard_variables(), **variables}
    if block is None:
        rendered = template.render(values)
    elif block in template.blocks:
        rendered = "".join(template.blocks[block](template.new_context(values)))
    else:
        raise LookupError(f"{PROSE_FOLDER}/{name}.txt has no block {block!r}")
    return [
        _LINE_BREAK.sub(" ", paragraph.strip())
        for paragraph in _PARAGRAPH_BREAK.split(rendered)
        if paragraph.strip()
    ]
