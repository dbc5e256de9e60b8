"""Operator downloads to print: QR codes, posters, cut-out cards, paper questionnaires, panel cards.

Every document comes as print-ready HTML (the browser prints it) or, with ``?fmt=pdf``, as
a PDF made from the same HTML.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_login import current_user

from survey_app.accounts.permissions import permission_required, round_in_scope
from survey_app.db import get_session
from survey_app.localtime import last_local_day
from survey_app.models import DistributionPoint, Round
from survey_app.panels.codes import formatted
from survey_app.panels.operations import issue_codes
from survey_app.printing import (
    CardSheetContent,
    PanelCardSheet,
    PosterContent,
    html_to_pdf,
    qr_png,
    qr_svg,
    render_cards,
    render_panel_cards,
    render_paper_questionnaire,
    render_poster,
)
from survey_app.rounds.forms import PanelCodesForm
from survey_app.rounds.queries import public_url, short_url
from survey_app.security import allow_inline_styles

bp = Blueprint("printouts", __name__, url_prefix="/gestione")


def _point_or_404(point_id: int) -> DistributionPoint:
    point = get_session().get(DistributionPoint, point_id)
    if point is None:
        abort(404)
    round_in_scope(point.round_id)
    return point


def _document(html: str, filename: str) -> Response:
    """Send *html*, or its PDF when ``?fmt=pdf``."""
    allow_inline_styles()  # the printable HTML carries its own CSS, to print as a single file
    if request.args.get("fmt") == "pdf":
        return Response(html_to_pdf(html), mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.pdf"'})
    return Response(html, mimetype="text/html")


def _invitation(cls, owner: Round | DistributionPoint):
    """What a poster or card sheet of a round's general link, or of one of its points, says."""
    round_ = owner if isinstance(owner, Round) else owner.round
    base = current_app.config["PUBLIC_URL"]
    return cls.from_questionnaire(
        round_.questionnaire_version.questionnaire, url=public_url(base, owner), short_url=short_url(base, owner),
        closes_on=last_local_day(round_.closes_at),
        point_label=owner.label if isinstance(owner, DistributionPoint) else "",
    )


def _qr(owner: Round | DistributionPoint, fmt: str) -> Response:
    url = public_url(current_app.config["PUBLIC_URL"], owner)
    if fmt == "svg":
        allow_inline_styles()
        return Response(qr_svg(url), mimetype="image/svg+xml")
    return Response(qr_png(url), mimetype="image/png")


def _poster(owner: Round | DistributionPoint, name: str) -> Response:
    return _document(render_poster(_invitation(PosterContent, owner)), f"manifesto-{name}")


def _cards(owner: Round | DistributionPoint, name: str) -> Response:
    return _document(render_cards(_invitation(CardSheetContent, owner)), f"biglietti-{name}")


@bp.get("/punti/<int:point_id>/qr.<any(svg, png):fmt>")
@permission_required("rounds.view")
def qr(point_id: int, fmt: str):
    """The point's QR code, encoding exactly its public link."""
    return _qr(_point_or_404(point_id), fmt)


@bp.get("/punti/<int:point_id>/manifesto")
@permission_required("rounds.view")
def poster(point_id: int):
    """An A4 poster with the point's QR code."""
    return _poster(_point_or_404(point_id), f"punto-{point_id}")


@bp.get("/punti/<int:point_id>/biglietti")
@permission_required("rounds.view")
def cards(point_id: int):
    """An A4 sheet of cut-out cards with the point's QR code."""
    return _cards(_point_or_404(point_id), f"punto-{point_id}")


@bp.get("/rilevazioni/<int:round_id>/qr.<any(svg, png):fmt>")
@permission_required("rounds.view")
def round_qr(round_id: int, fmt: str):
    """The QR code of the round's general link (no distribution point needed)."""
    return _qr(round_in_scope(round_id), fmt)


@bp.get("/rilevazioni/<int:round_id>/manifesto")
@permission_required("rounds.view")
def round_poster(round_id: int):
    """An A4 poster of the round's general link."""
    return _poster(round_in_scope(round_id), f"rilevazione-{round_id}")


@bp.get("/rilevazioni/<int:round_id>/biglietti")
@permission_required("rounds.view")
def round_cards(round_id: int):
    """Cut-out cards of the round's general link."""
    return _cards(round_in_scope(round_id), f"rilevazione-{round_id}")


@bp.get("/rilevazioni/<int:round_id>/cartaceo")
@permission_required("rounds.view")
def paper(round_id: int):
    """The printable paper version of the round's questionnaire (same items, same order)."""
    round_ = round_in_scope(round_id)
    html = render_paper_questionnaire(
        round_.questionnaire_version.questionnaire, "it", [c.name for c in round_.ambito.comuni],
        round_label=round_.display_label, closes_on=last_local_day(round_.closes_at),
        ask_comune=round_.comune_id is None, ask_service=round_.service is None,
    )
    return _document(html, f"questionario-rilevazione-{round_id}")


@bp.post("/rilevazioni/<int:round_id>/tessere")
@permission_required("rounds.manage")
def panel_cards(round_id: int):
    """Generate panel codes and send their cards as a PDF: the codes are never shown again."""
    round_ = round_in_scope(round_id)
    form = PanelCodesForm()
    if not round_.is_panel or not form.validate_on_submit():
        return redirect(url_for("manage.round_detail", round_id=round_id), code=303)
    db = get_session()
    codes = issue_codes(db, round_.panel, form.count.data, actor=current_user)
    base = current_app.config["PUBLIC_URL"]
    questionnaire = round_.questionnaire_version.questionnaire
    sheet = PanelCardSheet(
        organisation=questionnaire.definition["organisation"]["it"], title=round_.panel.label,
        cards=tuple((formatted(code), f"{base}/c/{code}") for code in codes),
    )
    pdf = html_to_pdf(render_panel_cards(sheet))
    db.commit()  # only once the PDF exists: codes nobody can print would be lost cards
    response = Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="tessere-rilevazione-{round_id}.pdf"',
        "Cache-Control": "no-store",
    })
    return response
