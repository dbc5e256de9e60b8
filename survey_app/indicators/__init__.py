"""Semestral monitoring of the plan's indicators not measured by questionnaire.

Operators record, for each semester (``2022-H1``, ``2022-H2``...), the value of any process,
output or outcome indicator of the Piano di Zona that is not measured by questionnaire ("N.
di prese in carico", "Realizzazione del progetto Casa della Comunità"...): a number, a
percentage, yes/no or a short text, with its source and a note, for the whole Ambito or one
comune. They type it in a form or import a CSV/XLSX file made from the template; values can be
corrected, and the audit log keeps every old and new value.

* :mod:`.importing` -- pure: the rules of a value, reading and checking CSV/XLSX files;
* :mod:`.template_file` -- pure: the import template as CSV and XLSX;
* :mod:`.operations` -- writes (never commits), each audited;
* :mod:`.queries` -- reads; :func:`.queries.indicator_series` is what the report uses;
* :mod:`.display` -- formatting of values and trends, the SVG sparkline;
* :mod:`.forms`, :mod:`.views` (``/indicatori/``), :mod:`.cli` (``flask indicators ...``).
"""
