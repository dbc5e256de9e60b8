"""The import template: every indicator that takes semestral values, as CSV or XLSX.

Pure module. One row per indicator of the plan not measured by questionnaire: its id, its
objective and its wording (help columns, never read back), the ``tipo`` already used for it
in the Ambito or suggested by its wording, and empty ``semestre``, ``comune``, ``valore``,
``fonte`` and ``nota``. Every text cell goes through
:func:`survey_app.exports.neutralise_cell` (formula injection), and the file reads back
with :func:`survey_app.indicators.importing.parse_file` (all rows skipped until filled in).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from survey_app.exports import neutralise_cell
from survey_app.indicators.importing import FIRST_SEMESTER, KIND_FILE_CODES, TEMPLATE_COLUMNS


@dataclass(frozen=True)
class TemplateRow:
    """One indicator in the template."""

    indicator_id: str
    objective: str
    text: str
    #: stored kind to prefill in ``tipo``, if known
    kind: str | None = None

    def cells(self) -> list[str]:
        """The row's cells in :data:`TEMPLATE_COLUMNS` order."""
        values = {"indicatore": self.indicator_id, "obiettivo": self.objective, "descrizione": self.text,
                  "tipo": KIND_FILE_CODES.get(self.kind, "") if self.kind else ""}
        return [neutralise_cell(values.get(column, "")) for column in TEMPLATE_COLUMNS]


def template_csv(rows: Iterable[TemplateRow]) -> bytes:
    """Return the template as CSV for Italian Excel: ``;``-separated UTF-8 with a BOM."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def instructions(comuni: Sequence[str], last_semester: str) -> list[str]:
    """The rules for filling in the template, one sentence each (the XLSX's second sheet)."""
    return [
        _("Compila una riga per ogni valore: indicatore, semestre, tipo e valore sono obbligatori."),
        _("Le righe senza semestre, Comune, valore, fonte e nota vengono ignorate: lasciale come sono."),
        _("Semestre: AAAA-H1 (gennaio-giugno) o AAAA-H2 (luglio-dicembre), da %(first)s a %(last)s.",
          first=FIRST_SEMESTER, last=last_semester),
        _("Tipo: numero (0 o più, decimali con la virgola, senza separatore delle migliaia), percentuale "
          "(da 0 a 100), si_no (sì o no), testo (al massimo 500 caratteri)."),
        _("Ogni indicatore ha un solo tipo: usa lo stesso tipo per tutti i semestri."),
        _("Comune: vuoto per tutto l'Ambito, oppure uno di: %(names)s.", names=", ".join(comuni)),
        _("Fonte (facoltativa): per esempio Cartella Sociale Informatizzata, flusso di rendicontazione regionale."),
        _("Per un altro semestre dello stesso indicatore copia la riga."),
        _("Se un valore c'è già per lo stesso indicatore, semestre e Comune, il file lo corregge "
          "(la correzione resta nel registro attività)."),
        _("Le colonne obiettivo e descrizione servono solo a orientarsi: non vengono lette."),
    ]


def template_xlsx(rows: Iterable[TemplateRow], notes: Sequence[str]) -> bytes:
    """Return the template as an XLSX workbook: sheet ``valori`` and sheet ``istruzioni``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "valori"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, value in enumerate(row.cells(), start=1):
            cell = sheet.cell(row=count + 1, column=column, value=value or None)
            if value:
                cell.data_type = "s"  # never a formula, whatever the text
    sheet.freeze_panes = "A2"
    widths = {"indicatore": 42, "obiettivo": 30, "descrizione": 60, "semestre": 10, "comune": 18, "tipo": 12,
              "valore": 14, "fonte": 32, "nota": 40}
    for position, column in enumerate(TEMPLATE_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=position).column_letter].width = widths[column]
    kinds = DataValidation(type="list", formula1='"' + ",".join(KIND_FILE_CODES.values()) + '"', allow_blank=True)
    sheet.add_data_validation(kinds)
    tipo = sheet.cell(row=1, column=TEMPLATE_COLUMNS.index("tipo") + 1).column_letter
    kinds.add(f"{tipo}2:{tipo}{max(count, 1) + 1000}")
    help_sheet = book.create_sheet("istruzioni")
    help_sheet.column_dimensions["A"].width = 110
    for note in notes:
        cell = help_sheet.cell(row=help_sheet.max_row + 1 if help_sheet["A1"].value else 1, column=1,
                               value=neutralise_cell(note))
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
