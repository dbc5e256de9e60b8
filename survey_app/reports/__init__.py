"""Evaluation reports of the Piano di Zona: one objective, or the final report of the whole plan.

A report is made in three steps, each testable on its own:

1. :mod:`.build` reads the database into plain dataclasses (:class:`~.build.ObjectiveData`,
   :class:`~.build.FinalData`). Questionnaire results come only from the *published*
   payloads of :mod:`survey_app.results` (already suppressed: the n<5 rule is never
   re-applied or bypassed here), semestral values from :mod:`survey_app.indicators.queries`,
   free comments only through :mod:`.comments` (reviewed, rounds with at least 5 responses);
2. :mod:`.document` turns them into a document: sections of headings, paragraphs, tables and
   SVG charts, with every number already written in Italian (one module per part of the
   report; its fixed texts are templates in ``templates/reports/prose``, see
   :mod:`.document.prose`);
3. renderers write that document as HTML (:mod:`.render`, Jinja templates in
   ``templates/reports``), PDF (the same HTML through WeasyPrint: charts stay vectors) and
   DOCX (:mod:`.word`, python-docx: text and tables, without charts).

The final report of an Ambito is generated in the background (:mod:`.jobs`, run by
``flask --app survey_app results worker``), with its progress, and kept until its data
change. ``flask --app survey_app report`` (:mod:`.cli`) writes the same files; the pages are
in :mod:`.views` (``/rapporti/``).
"""

#: bump when the report's content or layout changes: stored reports of an older layout are stale
REPORT_VERSION = 2


def final_title(plan_title: str) -> str:
    """The title of a plan's final report: "Rapporto di valutazione Piano di Zona 2025-2027"."""
    return f"Rapporto di valutazione {plan_title}"


def ambito_label(ambito_name: str) -> str:
    """ "Ambito Alto Sebino" for the name "Alto Sebino" (a name that already says "Ambito" is kept),
    so a report's title line reads "Rapporto di valutazione Piano di Zona 2025-2027 – Ambito Alto Sebino"."""
    return ambito_name if ambito_name.lower().startswith("ambito") else f"Ambito {ambito_name}"
