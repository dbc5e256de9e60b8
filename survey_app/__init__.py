"""survey_app: Likert questionnaires, survey rounds and their evaluation for a Piano di Zona.

``create_app`` is the application factory (``flask --app survey_app ...`` finds it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the app.

    :param config: settings overriding the defaults and the environment (tests pass a
        temporary ``DATABASE_URL`` here).
    """
    # imported here so that ``survey_app.analysis`` can be used in a notebook without Flask
    from flask import Flask

    app = Flask(__name__, instance_relative_config=True)

    from survey_app import config as settings

    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.settings_from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        # generated once and kept, so sessions survive restarts
        app.config["SECRET_KEY"] = settings.instance_secret_key(app.instance_path)

    from flask_compress import Compress
    from flask_wtf.csrf import CSRFProtect

    from survey_app import access_log, core, db, demo, i18n, job_queue, limits, security
    from survey_app.accounts import cli as users_cli
    from survey_app.accounts import permissions
    from survey_app.accounts import views as accounts_views
    from survey_app.accounts import grants_views  # noqa: F401  (routes on the accounts blueprint)
    from survey_app.indicators import cli as indicators_cli
    from survey_app.indicators import views as indicator_views
    from survey_app.maintenance import cli as maintenance_cli
    from survey_app.plans import cli as plans_cli
    from survey_app.plans import context as plan_context
    from survey_app.plans import views as plan_views
    from survey_app.plans import designation_views
    from survey_app.qualitative import cli as qualitative_cli
    from survey_app.qualitative import views as qualitative_views
    from survey_app.questionnaires import cli as questionnaires_cli
    from survey_app.judgements import views as judgement_views
    from survey_app.questionnaires import views as questionnaire_views
    from survey_app.reports import cli as reports_cli
    from survey_app.reports import views as report_views
    from survey_app.respond import antibot
    from survey_app.respond import entry as entry_views
    from survey_app.respond import views as respond_views
    from survey_app.results import cli as results_cli
    from survey_app.results import views as results_views
    from survey_app.results import ambiti_views  # noqa: F401  (routes on the results blueprint)
    from survey_app.rounds import cli as rounds_cli
    from survey_app.rounds import printouts as printout_views
    from survey_app.rounds import views as round_views
    from survey_app.set_asides import views as set_aside_views

    db.init_app(app)
    # the development server's access log keeps the same privacy as production's
    access_log.init_app(app)
    job_queue.init_app(app)
    i18n.init_app(app)
    limits.init_app(app)
    antibot.init_app(app)
    security.init_app(app)
    # respondents on weak mountain connections: every page and file travels compressed
    Compress(app)
    permissions.init_app(app)
    csrf = CSRFProtect(app)
    # the respondent form checks its own token, and on failure keeps the answers (never a 400 page)
    csrf.exempt(respond_views.bp)
    core.init_app(app)
    plan_context.init_app(app)
    for blueprint in (respond_views.bp, accounts_views.bp, round_views.bp, printout_views.bp, entry_views.bp,
                      results_views.bp, indicator_views.bp, report_views.bp, plan_views.bp,
                      set_aside_views.bp, designation_views.bp, questionnaire_views.bp,
                      judgement_views.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(qualitative_views.bp)
    qualitative_cli.init_app(app)
    for commands in (questionnaires_cli, rounds_cli, users_cli, demo, maintenance_cli, results_cli,
                     indicators_cli, reports_cli, plans_cli):
        commands.init_app(app)
    # behind a reverse proxy (SURVEY_PROXY_COUNT): trust its X-Forwarded-For / X-Forwarded-Proto,
    # so HTTPS is detected and rate limits see the real client, not the proxy
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app
