"""What the staff pages that send or take files share: a file download, and a larger request limit on
the pages that take a file (plans, questionnaires, indicator values, offline answers, transcripts)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Blueprint, Response, request
from flask_login import current_user


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """*body* as an attachment named *filename*, never kept in a cache (staff data)."""
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


def allow_larger_files(bp: Blueprint, *, endpoints: Iterable[str], permission: str,
                       max_bytes: Callable[[], int]) -> None:
    """Let users with *permission* POST up to ``max_bytes()`` to *endpoints* of *bp*; anyone else keeps
    the app-wide limit (``MAX_CONTENT_LENGTH``).

    A URL value preprocessor runs before every ``before_request`` function, so the limit is
    raised before CSRFProtect reads the form. *max_bytes* is called for each request, so the
    limit is always the feature's own constant as it is then.
    """
    from survey_app.accounts.permissions import can

    endpoints = frozenset(endpoints)

    @bp.url_value_preprocessor
    def raise_the_limit(endpoint, _values):
        if endpoint in endpoints and request.method == "POST" and can(current_user, permission):
            request.max_content_length = max_bytes()
