"""The scan's answer is built directly; it must stay what the documented schema dumps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from voucher.services.redemption.redeem import Result
from voucher.services.redemption.scan import Outcome
from voucher.web.api import scan_views


def _result(**changes: object) -> Result:
    values: dict[str, object] = dict(
        redemption_id=12345,
        status="accepted",
        code="1234567890123",
        voucher_id=5,
        face_value_cents=1000,
        programme_id=7,
        programme_name="Pass numérique « été »",
        valid_until=date(2027, 1, 31),
        book_serial=42,
        position=3,
        vouchers_per_book=10,
        scanned_at=datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC),
        theme=None,
    )
    values.update(changes)
    return Result(**values)  # type: ignore[arg-type]


def _schema_dump(result: Result, scan_id: str | None) -> dict[str, object]:
    return scan_views.ANSWER.dump(
        {
            "redemption_id": result.redemption_id,
            "status": result.status,
            "scan_id": scan_id,
            "scanned_at": result.scanned_at,
            "voucher": {
                "code": result.code,
                "status": scan_views.STATE_AFTER.get(result.status, result.status),
                "face_value_cents": result.face_value_cents,
                "programme": {"id": result.programme_id, "name": result.programme_name},
                "valid_until": result.valid_until,
                "book_serial": result.book_serial,
                "position": result.position,
                "vouchers_per_book": result.vouchers_per_book,
            },
        }
    )


@pytest.mark.parametrize(
    ("result", "scan_id"),
    [
        (_result(), "scan-1"),
        (_result(), None),
        (_result(status="held", verdicts=[{"rule": "whole_book"}]), "k"),
        (_result(scanned_at=datetime(2026, 3, 29, 1, 0, tzinfo=timezone(timedelta(hours=2)))), "x"),
        (_result(replayed=True, redemption_id=1, position=1), "0"),
    ],
)
def test_answer_is_what_the_schema_dumps(result: Result, scan_id: str | None) -> None:
    built = scan_views.answer(result, scan_id)
    dumped = _schema_dump(result, scan_id)
    assert built == dumped
    assert list(built) == list(dumped)
    assert list(built["voucher"]) == list(dumped["voucher"])  # type: ignore[arg-type]
    scan = scan_views.scan_of({"code": result.code}, 4, "k")
    status, body = scan_views.stored(scan, Outcome(result))
    assert status == 201 and body.startswith('{"redemption_id":')
