"""Admin form of an evaluator's granted Ambiti, on the page of the user (``/amministrazione/utenti/ID``).

An admin grants or revokes only Ambiti they see themselves, to users they manage: in practice an
admin of every Ambito, since an admin of one Ambito can only reach its own users, whose own
Ambito it already is. Nobody can open another Ambito's figures beyond their own rights.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey_app.accounts.grants import grant, revoke
from survey_app.accounts.operations import AccountError
from survey_app.accounts.permissions import ambito_scope, permission_required
from survey_app.accounts.views import bp
from survey_app.db import get_session
from survey_app.models import Ambito, User


@bp.post("/amministrazione/utenti/<int:user_id>/ambiti")
@permission_required("users.manage")
def user_grants(user_id: int):
    """Grant (``azione=concedi``) or revoke (``azione=revoca``) one Ambito to an evaluator."""
    db = get_session()
    user = db.get(User, user_id)
    scope = ambito_scope(current_user)
    if user is None or not scope.allows(user.ambito_id):
        abort(404)
    ambito = db.scalar(select(Ambito).where(Ambito.code == request.form.get("ambito", "")))
    action = request.form.get("azione")
    if ambito is None or action not in ("concedi", "revoca"):
        abort(400)
    if not scope.allows(ambito.id):
        abort(404)
    try:
        changed = (grant if action == "concedi" else revoke)(db, user, ambito, actor=current_user)
    except AccountError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        db.commit()
        if changed:
            flash(_("Ambito %(name)s concesso.", name=ambito.name) if action == "concedi"
                  else _("Ambito %(name)s revocato.", name=ambito.name), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id) + "#ambiti", code=303)
