"""File writers for downloads: pure functions from data frames to bytes.

No Flask and no database: the caller loads a :class:`~survey_app.exports.dataset.Dataset`
(raw responses, answers, questionnaire versions, context labels) and picks a writer:

* :mod:`.csvfiles` -- long and wide CSV, Italian Excel (``;`` + BOM) or plain (``,``), and
  the codebook;
* :mod:`.xlsx` -- workbooks of sheets (the data, the codebook, statistics tables);
* :mod:`.sav` -- SPSS files with variable and value labels and user-missing "non so";
* :mod:`.cells` -- :func:`neutralise_cell`, the one defence against formula injection used
  by every CSV and XLSX of the app.

Raw downloads carry no small-cell suppression (they are the evaluators' working data);
statistics sheets must be given already suppressed (see :mod:`survey_app.results`).

Only :mod:`.cells` is imported with the package (the operators' monitoring CSV needs it
without loading pandas, openpyxl or pyreadstat); import the writers' modules explicitly.
"""

from survey_app.exports.cells import neutralise_cell

__all__ = ["neutralise_cell"]
