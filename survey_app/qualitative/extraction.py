"""The text of an uploaded transcript: plain text, Word (DOCX, with python-docx) or PDF with a
text layer (with pypdf).

Only the extracted text is kept, with the file's name and format; the file itself is not
stored. The text is what evaluators code and what the REFI-QDA export carries; the original
(often with names in its metadata, tracked changes or comments) stays in the Ambito's own
records, under their own retention. A scanned PDF has no text to code and is refused, saying
so, rather than stored empty.

Line endings become ``\\n`` and a paragraph is separated from the next by one empty line, so
offsets mean the same in the database, on the page and in the exported ``.txt``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

from survey_app.models.qualitative import MAX_TEXT_LENGTH

#: the largest transcript accepted (a long DOCX with a few images stays well under this)
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
#: a DOCX larger than this once unzipped is refused before it is opened (zip bombs)
MAX_DOCX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
#: the most PDF pages read
MAX_PDF_PAGES = 500
EXTENSIONS = {"txt": "txt", "text": "txt", "docx": "docx", "pdf": "pdf"}


class ExtractionError(ValueError):
    """The file cannot give a text to code; ``str(exc)`` says why, in Italian."""


@dataclass(frozen=True)
class ExtractedText:
    text: str
    source_format: str


def normalise_text(text: str) -> str:
    """Return *text* with ``\\n`` line endings, no trailing blanks on lines, at most one empty
    line between paragraphs, and nothing blank at either end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\ufeff", "")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def extract_text(filename: str, data: bytes) -> ExtractedText:
    """Return the normalised text of an uploaded transcript.

    :raise ExtractionError: for an empty or too large file, an extension other than
        ``.txt``, ``.docx`` or ``.pdf``, contents that do not match the extension, a file that
        cannot be read, a PDF without a text layer, or no text at all.
    """
    if not data:
        raise ExtractionError(_("Il file è vuoto."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExtractionError(_("Il file supera %(n)d MB: carica una trascrizione più piccola.",
                                n=MAX_UPLOAD_BYTES // (1024 * 1024)))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = EXTENSIONS.get(extension)
    if kind is None:
        raise ExtractionError(_("Formato non accettato: carica un file di testo (.txt), Word (.docx) o PDF."))
    text = {"txt": _plain_text, "docx": _docx_text, "pdf": _pdf_text}[kind](data)
    text = normalise_text(text)
    if not text:
        raise ExtractionError(_("Il file non contiene testo."))
    if len(text) > MAX_TEXT_LENGTH:
        raise ExtractionError(_("Il testo supera %(n)d caratteri: dividi la trascrizione in più file.",
                                n=MAX_TEXT_LENGTH))
    return ExtractedText(text, kind)


def _plain_text(data: bytes) -> str:
    if data.startswith((b"%PDF-", b"PK\x03\x04")) or b"\x00" in data[:4096]:
        raise ExtractionError(_("Il file .txt non è testo semplice: salvalo come testo o carica il file originale."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExtractionError(_("Il file di testo non è in UTF-8 né in Windows-1252: salvalo in UTF-8."))


def _docx_text(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not data.startswith(b"PK\x03\x04"):
        raise ExtractionError(_("Il file non è un documento Word (.docx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_UNCOMPRESSED_BYTES:
                raise ExtractionError(_("Il documento Word è troppo grande una volta aperto."))
            if "word/document.xml" not in archive.namelist():
                raise ExtractionError(_("Il file non è un documento Word (.docx)."))
        document = docx.Document(io.BytesIO(data))
    except ExtractionError:
        raise
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise ExtractionError(_("Il documento Word non si apre: è danneggiato?")) from exc
    paragraphs = [p.text for p in document.paragraphs]
    # transcripts sometimes put speakers and turns in a table
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            paragraphs.append(" – ".join(dict.fromkeys(c for c in cells if c)))
    return "\n\n".join(p.strip() for p in paragraphs if p.strip())


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.startswith(b"%PDF-"):
        raise ExtractionError(_("Il file non è un PDF."))
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractionError(_("Il PDF è protetto da password: caricane una copia senza protezione."))
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ExtractionError(_("Il PDF ha più di %(n)d pagine.", n=MAX_PDF_PAGES))
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ExtractionError(_("Il PDF non si apre: è danneggiato?")) from exc
    if not any(page.strip() for page in pages):
        raise ExtractionError(_("Il PDF non contiene testo (è una scansione?): carica la trascrizione come "
                                "Word o testo, oppure un PDF con il testo selezionabile."))
    return "\n\n".join(page.strip() for page in pages if page.strip())
