"""``flask backup`` and ``flask purge`` commands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app.db import get_session
from survey_app.maintenance.backup import BackupError, backup_database
from survey_app.maintenance.retention import parse_cutoff, purge, sessions_past_retention


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Backup file (default: instance/backups/survey-<time>.sqlite3 or .dump).")
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Take a consistent online backup while the app keeps accepting answers."""
    url = current_app.config["DATABASE_URL"]
    if output is None:
        suffix = ".sqlite3" if url.startswith("sqlite") else ".dump"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        output = Path(current_app.instance_path) / "backups" / f"survey-{stamp}{suffix}"
    try:
        method = backup_database(url, output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {output} ({method}, {output.stat().st_size} bytes).")


@click.command("purge")
@click.option("--older-than", "older_than", required=True,
              help="Retention period (730d, 24m, 2y) or a date (2024-12-31).")
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@with_appcontext
def purge_command(older_than: str, dry_run: bool) -> None:
    """Delete the raw responses of closed rounds past retention, keeping their aggregated counts,
    and the qualitative sessions held before the cutoff."""
    try:
        cutoff = parse_cutoff(older_than)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from exc
    sessions = len(sessions_past_retention(get_session(), cutoff))
    result = purge(get_session(), cutoff, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {sum(result.values())} responses of {len(result)} rounds closed before "
               f"{cutoff:%Y-%m-%d}.")
    click.echo(f"{verb} {sessions} interviews, focus groups and workshops held before {cutoff:%Y-%m-%d}.")


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(purge_command)
