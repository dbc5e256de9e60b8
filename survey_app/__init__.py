"""survey_app: Likert questionnaires, survey rounds and their evaluation for a Piano di Zona.

``create_app`` is the application factory (``flask --app survey_app ...`` finds it).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Create and configure the app.

    :param config: settings overriding the defaults and the environment (tests pass a
        temporary ``DATABASE_URL`` here).
    """
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

    from survey_app import core, db, demo, i18n
    from survey_app.questionnaires import cli as questionnaires_cli
    from survey_app.respond import views as respond_views
    from survey_app.rounds import cli as rounds_cli

    db.init_app(app)
    i18n.init_app(app)
    core.init_app(app)
    app.register_blueprint(respond_views.bp)
    questionnaires_cli.init_app(app)
    rounds_cli.init_app(app)
    demo.init_app(app)
    return app
