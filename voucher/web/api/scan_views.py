"""From validated scan input to the service's :class:`Scan`, and from its result to the
answer body (the same body for the single endpoint and for each scan of a batch)."""

from __future__ import annotations

from typing import Any

from schemas.api.scans import RedemptionSchema
from voucher.services.redemption.redeem import Result, Scan

ANSWER = RedemptionSchema()
STATE_AFTER = {"accepted": "redeemed", "held": "held"}


def scan_of(data: dict[str, Any], structure_id: int, scan_id: str) -> Scan:
    return Scan(
        code=data["code"],
        structure_id=structure_id,
        theme=data.get("theme"),
        autonomy=data.get("autonomy"),
        scan_id=scan_id,
        scanned_at=data.get("scanned_at"),
    )


def answer(result: Result, scan_id: str | None) -> dict[str, Any]:
    return ANSWER.dump(
        {
            "redemption_id": result.redemption_id,
            "status": result.status,
            "scan_id": scan_id,
            "scanned_at": result.scanned_at,
            "voucher": {
                "code": result.code,
                "status": STATE_AFTER.get(result.status, result.status),
                "face_value_cents": result.face_value_cents,
                "programme": {"id": result.programme_id, "name": result.programme_name},
                "valid_until": result.valid_until,
                "book_serial": result.book_serial,
                "position": result.position,
                "vouchers_per_book": result.vouchers_per_book,
            },
        }
    )
