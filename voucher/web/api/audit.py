"""``GET /api/v1/audit/check``: the whole-ledger check (``voucher audit``) for the
operator's finance and admin keys only (any other organisation: 403 ``forbidden``),
throttled per key (``API_AUDIT_LIMIT``, 6 per hour by default: it recomputes the whole
ledger). Read-only: it never seals."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from schemas.api.reference import AuditReportSchema
from voucher.services.access import api_reads
from voucher.services.finance import ledger_audit
from voucher.web.api import replies, security
from voucher.web.db import db

blp = Blueprint("api_audit", __name__, url_prefix="/api/v1", description="Contrôle du journal")
REPORT = AuditReportSchema()


@blp.route("/audit/check", methods=["GET"])
@security.per_key("API_AUDIT_LIMIT")
@security.key_required("finance", "admin")
@blp.doc(
    summary="Recalcule tout le journal et dit ce qui ne va pas (clé finance ou admin de l'opérateur)"
)
@blp.response(200, AuditReportSchema)
def check() -> Response:
    api_reads.require_operator(db(), security.actor())
    report = ledger_audit.verify(db())
    return replies.ok(
        REPORT.dump(
            {
                "ok": report.ok,
                "entries": report.entries,
                "postings": report.postings,
                "accounts": report.accounts,
                "sealed_entries": report.sealed_entries,
                "problems": [
                    {
                        "check": p.check,
                        "message": p.message,
                        "entry_id": p.entry_id,
                        "account": p.account,
                    }
                    for p in report.problems
                ],
            }
        )
    )
