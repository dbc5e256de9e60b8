"""html_to_pdf: lazy WeasyPrint, nothing fetched from outside the document."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from survey_app.printing import PrintingError, html_to_pdf
from tests.printing.conftest import about_the_document


def test_importing_the_package_does_not_import_weasyprint():
    code = "import sys, survey_app.printing; sys.exit('weasyprint' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("reference", [
    '<img src="file:///etc/hostname">',
    '<link rel="stylesheet" href="http://127.0.0.1:9/print.css">',
    '<p style="background:url(https://example.invalid/x.png)">x</p>',
])
def test_external_resources_are_refused(reference):
    with pytest.raises(PrintingError):
        html_to_pdf(f"<!doctype html><html lang=it><title>t</title>{reference}")


def test_plain_document():
    pdf = html_to_pdf("<!doctype html><html lang=it><title>t</title><p>Ciao</p>")
    assert pdf.startswith(b"%PDF-")


def _weasyprint_record(message: str) -> logging.LogRecord:
    return logging.LogRecord("weasyprint", logging.WARNING, "fonts.py", 1, message, (), None)


def test_the_font_subsetting_library_is_not_a_document_warning():
    """A machine without libharfbuzz-subset0 makes WeasyPrint warn; that says nothing of the document."""
    fallback = _weasyprint_record('Using fontTools instead of HarfBuzz-Subset for font "DejaVu Sans". '
                                  "This will be unsupported in future versions of WeasyPrint.")
    assert not about_the_document(fallback)


def test_a_document_warning_still_fails_the_printing_tests(weasyprint_messages):
    before = len(weasyprint_messages)
    html_to_pdf('<!doctype html><html lang=it><title>t</title><p style="break-inside: sideways">x</p>')
    new = [m.getMessage() for m in weasyprint_messages[before:]]
    del weasyprint_messages[before:]  # keep the session's collector clean for the other tests
    assert new and all("break-inside" in m for m in new)
