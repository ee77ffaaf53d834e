"""A place's self-service (joining, its file, its documents) and the operator's review
of places' files."""

from __future__ import annotations

from flask import Flask, request

from voucher.domain import uploads
from voucher.web import workspaces
from voucher.web.places import attestation, join, review
from voucher.web.places.blueprint import bp

__all__ = ["attestation", "join", "register", "review"]
#: room for the multipart envelope and the other fields around the file
UPLOAD_FORM_SLACK = 64 * 1024


def _bound_uploads() -> None:
    """An upload's body is bounded before anything reads it (the CSRF check parses the
    form first): past the limit the request stops with a 413 and a French page."""
    if request.endpoint == "places.upload":
        request.max_content_length = uploads.MAX_BYTES + UPLOAD_FORM_SLACK


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _bound_uploads)
    workspaces.add("places.index", "Mon lieu", ("reception",))
