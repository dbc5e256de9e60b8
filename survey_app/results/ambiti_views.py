"""Pages of the macro level: one questionnaire version side by side across the user's Ambiti.

``/risultati/confronto-ambiti`` lists the versions given in at least two Ambiti the user may
see (:func:`~survey_app.accounts.permissions.ambito_scope`: an evaluator's own Ambito and the
ones granted to them, every Ambito for an installation-wide admin); the page of one version
shows each item per Ambito and in total. A version shared with an Ambito outside the scope
shows only the Ambiti inside it; one shared with none is not found (404).
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from survey_app.accounts.permissions import ambito_scope, permission_required
from survey_app.db import get_session
from survey_app.questionnaires.definition import localized
from survey_app.results.views import _language, bp
from survey_app.rounds.forms import KIND_LABELS


def _ambiti():
    # imported on first use: the comparison needs pandas, which the app never loads at start
    from survey_app.results import ambiti

    return ambiti


@bp.get("/confronto-ambiti")
@permission_required("results.view")
def ambiti_index():
    """The versions given in several Ambiti of the user's scope."""
    ambiti = _ambiti()
    shared = ambiti.shared_versions(get_session(), ambito_scope(current_user))
    return render_template("results/ambiti_index.html", shared=shared, kind_labels=KIND_LABELS)


@bp.get("/confronto-ambiti/<int:version_id>/<kind>")
@permission_required("results.view")
def ambiti_version(version_id: int, kind: str):
    """Each item of one version per Ambito (n, mean score, favourable answers) and in total."""
    ambiti = _ambiti()
    session = get_session()
    shared = ambiti.find_shared(session, ambito_scope(current_user), version_id, kind)
    if shared is None:
        abort(404)
    table = ambiti.ambito_table(session, shared)
    language = _language()
    questionnaire = shared.version.questionnaire
    items = [(item, localized(item.text, language), table.comparison.items[item.id])
             for item in questionnaire.items]
    return render_template("results/ambiti_version.html", shared=shared, table=table,
                           items=items, kind_labels=KIND_LABELS, total_key=ambiti.TOTAL)
