"""From validated scan input to the service's :class:`Scan`, and from its outcome to the
answer (the same answer, to the byte, for the single endpoint and for each scan of a batch:
each replays the other's)."""

from __future__ import annotations

from typing import Any

from schemas.api.scans import RedemptionSchema
from voucher.services.redemption.redeem import Result, Scan
from voucher.services.redemption.scan import Outcome
from voucher.web.api import problems

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
    """What :data:`ANSWER` (the documented schema) dumps, field for field and in its order,
    built directly: marshmallow's dump cost an offline batch more per scan than its rules
    (``tests/web/api/test_scan_views.py`` holds both to the same output)."""
    return {
        "redemption_id": int(result.redemption_id),
        "status": str(result.status),
        "scan_id": None if scan_id is None else str(scan_id),
        "scanned_at": result.scanned_at.isoformat(),
        "voucher": {
            "code": str(result.code),
            "status": str(STATE_AFTER.get(result.status, result.status)),
            "face_value_cents": int(result.face_value_cents),
            "programme": {"id": int(result.programme_id), "name": str(result.programme_name)},
            "valid_until": result.valid_until.isoformat(),
            "book_serial": int(result.book_serial),
            "position": int(result.position),
            "vouchers_per_book": int(result.vouchers_per_book),
        },
    }


def reply(scanned: Scan, outcome: Outcome[Result]) -> tuple[int, dict[str, Any]]:
    """201 and the redemption, or the refusal as a problem (its status and body)."""
    if outcome.refusal is not None:
        problem = problems.of_domain(outcome.refusal)
        return int(problem["status"]), problem
    return 201, answer(outcome.get(), scanned.scan_id)


def stored(scanned: Scan, outcome: Outcome[Result]) -> tuple[int, str]:
    """The answer as it is stored for its scan id (and replayed)."""
    status, payload = reply(scanned, outcome)
    return status, problems.dumps(payload)
