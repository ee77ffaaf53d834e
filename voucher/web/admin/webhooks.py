"""Administration of webhooks: the endpoints of the organisations an administrator
administers, their last deliveries with every attempt, and replaying one (same event id,
same body: sent again by the next ``voucher webhooks deliver``). Others' deliveries: 404."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from voucher.db.models import Organisation, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from voucher.domain.calendar import utcnow
from voucher.services.webhooks import delivery, endpoints
from voucher.web.admin.views import _scope, bp
from voucher.web.auth import role_required
from voucher.web.db import db, writes

RECENT = 20


def _endpoints() -> list[tuple[WebhookEndpoint, str]]:
    sc = _scope()
    stmt = (
        select(WebhookEndpoint, Organisation.name)
        .join(Organisation, Organisation.id == WebhookEndpoint.organisation_id)
        .order_by(WebhookEndpoint.id)
    )
    if not sc.everything:
        stmt = stmt.where(WebhookEndpoint.organisation_id == sc.org_id)
    return [(e, str(n)) for e, n in db().execute(stmt).all()]


def _attempts(ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    out: dict[int, list[WebhookAttempt]] = {i: [] for i in ids}
    if ids:
        for a in db().scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.id)
        ):
            out[a.delivery_id].append(a)
    return out


@bp.get("/webhooks")
@role_required("admin")
def webhooks() -> str:
    rows: list[dict[str, Any]] = []
    for endpoint, org in _endpoints():
        sent = endpoints.deliveries(db(), endpoint.id, RECENT)
        rows.append({"endpoint": endpoint, "org": org, "deliveries": sent})
    ids = [d.id for row in rows for d in row["deliveries"]]
    return render_template("admin/webhooks.html", rows=rows, attempts=_attempts(ids))


@bp.post("/webhooks/envois/<int:delivery_id>/renvoyer")
@writes
@role_required("admin")
def replay_webhook(delivery_id: int) -> Any:
    sent = db().get(WebhookDelivery, delivery_id)
    endpoint = db().get(WebhookEndpoint, sent.endpoint_id) if sent else None
    if endpoint is None or not _scope().allows(endpoint.organisation_id):
        abort(404)
    delivery.replay(db(), delivery_id, utcnow(), None)
    flash("Notification remise en file : elle partira au prochain envoi.", "success")
    return redirect(url_for("admin.webhooks"), code=303)
