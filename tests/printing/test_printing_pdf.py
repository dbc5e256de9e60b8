"""html_to_pdf: lazy WeasyPrint, nothing fetched from outside the document."""

from __future__ import annotations

import subprocess
import sys

import pytest

from survey_app.printing import PrintingError, html_to_pdf


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
