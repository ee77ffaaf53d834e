"""``GET /api/v1/vouchers/{code}``: would this code be accepted at my structure, now?

Reception keys only; the structure is the key's organisation. The look-up goes through the
scan use case (:func:`voucher.services.redemption.scan.look_up`): code guessing checked
first, and its refusals (mistyped 422, unknown 404) logged as a scan's are, kept by the
commit of ``@records`` (the look-up itself writes nothing), so that guessing codes through
look-ups slows the key down and then locks it, exactly as guessing through scans does.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from schemas.api.scans import VoucherCheckSchema
from voucher.services.redemption import lookup as voucher_check
from voucher.services.redemption import scan as scanning
from voucher.web.api import replies, security
from voucher.web.db import db, records

blp = Blueprint(
    "api_vouchers", __name__, url_prefix="/api/v1", description="Chèques : vérifier un code"
)
CHECK = VoucherCheckSchema()


def view(found: voucher_check.VoucherCheck) -> dict[str, Any]:
    return CHECK.dump(
        {
            "code": found.code,
            "status": found.state,
            "face_value_cents": found.face_value_cents,
            "programme": {"id": found.programme_id, "name": found.programme_name},
            "valid_until": found.valid_until,
            "last_day": found.last_day,
            "book_serial": found.book_serial,
            "position": found.position,
            "vouchers_per_book": found.vouchers_per_book,
            "acceptable": found.acceptable,
            "reason": found.reason,
        }
    )


@blp.route("/vouchers/<string(maxlength=64):code>", methods=["GET"])
@records("a refused guess")
@security.per_key("API_LOOKUP_LIMIT")
@security.per_address()
@security.key_required("reception")
@blp.doc(summary="Ce chèque serait-il accepté ici, maintenant ? (clé reception)")
@blp.response(200, VoucherCheckSchema)
def lookup(code: str) -> Response:
    actor = security.actor()
    outcome = scanning.look_up(db(), actor, code, int(actor.organisation_id or 0))
    return replies.ok(view(outcome.get()))
