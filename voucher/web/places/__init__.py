"""A place's self-service (joining, its file, its documents) and the operator's review
of places' files."""

from __future__ import annotations

from flask import Flask

from voucher.web import workspaces
from voucher.web.places import attestation, join, review
from voucher.web.places.blueprint import bp

__all__ = ["attestation", "join", "register", "review"]


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    workspaces.add("places.index", "Mon lieu", ("reception",))
