"""HTML to PDF with WeasyPrint, imported only when a PDF is asked for.

Importing WeasyPrint takes about half a second and loads Pango: the web app must not pay that
at start, so the import is inside :func:`html_to_pdf`.
"""

from __future__ import annotations


class PrintingError(RuntimeError):
    """A document could not be turned into a PDF."""


def html_to_pdf(html: str) -> bytes:
    """Return *html* as a PDF (vector: text stays text, inline SVG QR codes stay paths).

    The documents of this package are self-contained, so no resource is fetched: a reference
    to anything but a ``data:`` URL (a stylesheet, an image, a file) raises
    :class:`PrintingError` rather than reaching the network or the file system.
    """
    import weasyprint  # noqa: PLC0415 - lazy on purpose, see the module docstring
    from weasyprint.urls import FatalURLFetchingError, URLFetcher  # noqa: PLC0415

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    try:
        return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as exc:  # a BaseException: turn it into an ordinary error
        raise PrintingError(f"the document refers to an external resource: {exc}") from exc
