"""Pages and handlers shared by the whole app: home, health check, errors."""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, render_template
from sqlalchemy.exc import DBAPIError

from survey_app.db import database_is_reachable, get_engine

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    """Explain what the site is; respondents arrive by QR code, not from here."""
    return render_template("core/home.html")


@bp.get("/healthz")
def healthz():
    """Answer 200 when the database is reachable, 503 otherwise (for load balancers)."""
    if database_is_reachable(get_engine()):
        return jsonify(status="ok", database="ok")
    return jsonify(status="unavailable", database="unreachable"), 503


def not_found(_error):
    return render_template("core/error.html", code=404), 404


def database_unavailable(_error):
    """Never let a database failure look like success: answer 503 and ask to retry."""
    response = make_response(render_template("core/error.html", code=503), 503)
    response.headers["Retry-After"] = "30"
    return response


def init_app(app) -> None:
    """Register the blueprint and the error pages."""
    app.register_blueprint(bp)
    app.register_error_handler(404, not_found)
    app.register_error_handler(DBAPIError, database_unavailable)
