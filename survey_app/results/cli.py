"""``flask results ...``: downloads from the command line, and the background computation.

* ``results export ROUND_ID --format csv|csv-wide|csv-comma|xlsx|sav|codebook --output FILE``
  writes the same file as the evaluator pages (``--compare-with`` adds a comparison sheet to
  an XLSX) and records ``export.<kind>`` in the audit log with actor ``cli``;
* ``results worker`` computes the results evaluators asked for (see
  :mod:`survey_app.results.snapshots`) and the reports they asked for (see
  :mod:`survey_app.reports.jobs`), until stopped;
* ``results refresh`` does one pass: pending requests, then every round whose data changed,
  then requested reports and stored reports whose data changed.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from survey_app import audit
from survey_app.db import get_session
from survey_app.results import downloads, snapshots
from survey_app.results.queries import rounds_by_id
from survey_app.results.snapshots import Job

#: the CLI computes whatever the size: it is not a web request
NO_LIMIT = 10**12


@click.group("results")
def results_cli() -> None:
    """Export round data and compute evaluator results."""


@results_cli.command("export")
@click.argument("round_id", type=int)
@click.option("--format", "format_name", required=True, type=click.Choice(list(downloads.FORMATS)),
              help="csv (long, ';'), csv-wide (one row per response, ';'), csv-comma (one row "
                   "per response, ','), xlsx, sav (SPSS) or codebook.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True, allow_dash=True,
                                                          path_type=Path),
              help="File to write ('-' for standard output).")
@click.option("--compare-with", "compare_with", type=int,
              help="xlsx only: an earlier round of the same questionnaire to compare with.")
@with_appcontext
def export_command(round_id: int, format_name: str, output: Path, compare_with: int | None) -> None:
    """Write the data of ROUND_ID as FILE, like the evaluators' downloads (logged)."""
    session = get_session()
    fmt = downloads.FORMATS[format_name]
    try:
        rounds = rounds_by_id(session, [compare_with, round_id] if compare_with else [round_id])
    except LookupError as exc:
        raise click.UsageError(str(exc)) from exc
    if compare_with and format_name != "xlsx":
        raise click.UsageError("--compare-with works with --format xlsx only")
    if compare_with and (rounds[0].questionnaire_version.questionnaire_id
                         != rounds[1].questionnaire_version.questionnaire_id):
        raise click.UsageError("the two rounds use different questionnaires")
    sheets = {}
    if format_name == "xlsx":
        sheets["statistics"] = [(r, _payload(Job.round(r.id))) for r in rounds]
        if compare_with:
            sheets["comparison"] = _payload(Job.comparison(compare_with, round_id))
    data = downloads.dataset(session, [r.id for r in rounds])
    content = downloads.body(fmt, data, **sheets)
    chunks = [content] if isinstance(content, bytes) else content
    if str(output) == "-":
        stream = click.get_binary_stream("stdout")
        for chunk in chunks:
            stream.write(chunk)
    else:
        with output.open("wb") as f:
            for chunk in chunks:
                f.write(chunk)
    detail = {"format": fmt.name, "responses": len(data.responses), "filename": output.name}
    if compare_with:
        detail["compared_with"] = compare_with
    audit.record(session, "cli", fmt.action, rounds[-1], **detail)
    session.commit()
    if str(output) != "-":
        click.echo(f"Round {round_id}: {len(data.responses)} responses written to {output} "
                   f"({fmt.name}).", err=True)


def _payload(job: Job) -> dict:
    result = snapshots.result_for(get_session(), job, inline_max_responses=NO_LIMIT)
    if not result.ready:
        raise click.ClickException(f"{job.key}: the analysis failed: {result.error}")
    return result.payload


@results_cli.command("refresh")
@click.option("--round", "round_ids", type=int, multiple=True,
              help="Only this round (repeatable); default: every round.")
@with_appcontext
def refresh_command(round_ids: tuple[int, ...]) -> None:
    """Compute requested results, then every round whose data changed since its last result.

    Then the reports evaluators asked for, and every stored report whose data changed.
    """
    from survey_app.reports import jobs as report_jobs

    session = get_session()
    pending = snapshots.run_pending(session, log=click.echo)
    refreshed = snapshots.refresh_rounds(session, list(round_ids) or None, log=click.echo)
    click.echo(f"{pending} requested and {refreshed} changed results computed.")
    if not round_ids:
        reports = report_jobs.run_pending(session, log=click.echo) + report_jobs.refresh(session, log=click.echo)
        click.echo(f"{reports} reports generated.")


@results_cli.command("worker")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds to wait when there is nothing to compute.")
@click.option("--once", is_flag=True, help="Compute what is pending, then exit.")
@with_appcontext
def worker_command(interval: float, once: bool) -> None:
    """Compute the results and reports evaluators ask for, outside the web server, until stopped."""
    from survey_app.reports import jobs as report_jobs

    session = get_session()
    click.echo("Results worker started.")
    try:
        while True:
            done = snapshots.run_pending(session, log=click.echo)
            done += report_jobs.run_pending(session, log=click.echo)  # reports asked for on /rapporti/
            session.close()  # no transaction or cached rows kept while waiting
            if once:
                break
            if not done:
                time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("Results worker stopped.")


def init_app(app) -> None:
    """Register the ``results`` command group."""
    app.cli.add_command(results_cli)
    # the same command at the top level too: `flask --app survey_app export ROUND_ID ...`
    app.cli.add_command(export_command, "export")
