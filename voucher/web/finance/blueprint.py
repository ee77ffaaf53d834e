"""The finance workspace's blueprint and what its pages share: the viewer's scope (operator finance
sees every programme, a funder's finance staff the programmes it funds), refusals flashed in
French that change nothing, and file downloads."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, url_for

from voucher.domain.errors import DomainError
from voucher.services.access.programme_scope import Scope
from voucher.services.finance.scope import finance_scope
from voucher.web.auth import current_actor
from voucher.web.db import db

bp = Blueprint("finance", __name__)


FINANCE = ("finance",)


def scope() -> Scope:
    return finance_scope(db(), current_actor())


def refused(exc: DomainError, target: str, **values: Any) -> Any:
    """Roll back, show the French message, go back to the page."""
    g.rollback = True
    if exc.code == "not_found":
        abort(404)
    flash(exc.message, "error")
    return redirect(url_for(target, **values), code=303)


def download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
