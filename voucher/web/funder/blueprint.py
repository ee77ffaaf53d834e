"""The funder's desk blueprint (``/financeur``) and the scope every page of it keeps: a
funder organisation sees the programmes it funds, as lead or co-funder, and what hangs
from them; any other programme answers 404."""

from __future__ import annotations

from flask import Blueprint, abort

from voucher.db.models import Programme
from voucher.db.queries import funder as q
from voucher.web.auth import current_org_id
from voucher.web.db import db

bp = Blueprint("funder", __name__, url_prefix="/financeur")
FUNDER = "funder"


def my_programmes() -> set[int]:
    return q.funded_programme_ids(db(), current_org_id())


def programme_or_404(programme_id: int) -> Programme:
    programme = db().get(Programme, programme_id)
    if programme is None or programme_id not in my_programmes():
        abort(404)
    return programme
