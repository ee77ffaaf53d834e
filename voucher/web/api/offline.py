"""Offline batches over HTTP: from the request to the service's scans, and from each scan's
answer to its item (the batch logic itself is :mod:`voucher.services.redemption.offline`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from schemas.api.common import Invalid
from voucher.domain import text
from voucher.domain.errors import MESSAGES
from voucher.domain.idempotency import fingerprint
from voucher.services.redemption import offline
from voucher.web.api import problems, scan_views


def sent(scans: list[dict[str, Any]], raw: list[dict[str, Any]], org: int) -> list[offline.Sent]:
    """Each validated scan, fingerprinted on its content as sent (without its scan id)."""
    return [
        offline.Sent(
            scan_views.scan_of(scan, org, scan["scan_id"]),
            fingerprint({k: v for k, v in body.items() if k != "scan_id"}),
        )
        for scan, body in zip(scans, raw, strict=True)
    ]


def _item(
    scan_id: str,
    status: str,
    *,
    redemption_id: int | None = None,
    reason: str | None = None,
    detail: str | None = None,
    voucher: dict[str, Any] | None = None,
    replayed: bool = False,
    dispute_id: int | None = None,
) -> dict[str, Any]:
    return {
        "scan_id": scan_id,
        "status": status,
        "redemption_id": redemption_id,
        "reason": reason,
        "detail": detail,
        "replayed": replayed,
        "voucher": voucher,
        "dispute_id": dispute_id,
    }


def item(answer: offline.Answer) -> dict[str, Any]:
    if answer.unstored is not None:
        code = answer.unstored
        return _item(answer.scan_id, "refused", reason=code, detail=MESSAGES[code])
    body = json.loads(answer.body)
    if answer.status < 400:
        return _item(
            answer.scan_id,
            body["status"],
            redemption_id=body["redemption_id"],
            voucher=body["voucher"],
            replayed=answer.replayed,
        )
    return _item(
        answer.scan_id,
        "refused",
        reason=body["code"],
        detail=body["detail"],
        replayed=answer.replayed,
        dispute_id=answer.dispute_id,
    )


def refused(invalid: Invalid) -> dict[str, Any]:
    """The answer to a scan that did not load (bad text, missing field): refused alone, not
    stored (the corrected scan may be sent again under the same ``scan_id``)."""
    raw = invalid.raw if isinstance(invalid.raw, dict) else {}
    scan_id = raw.get("scan_id")
    shown = text.fit(scan_id, 100) if isinstance(scan_id, str) else None
    answer = _item(shown or "", "refused", reason=invalid.code, detail=MESSAGES[invalid.code])
    return {**answer, "errors": problems.french(invalid.errors)}


def answer_all(
    scans: list[Any], raw: list[Any], org: int, process: Callable[[list[offline.Sent]], Any]
) -> list[dict[str, Any]]:
    """Every scan's item, in the order sent: the loaded ones through ``process`` (the batch
    use case), the others refused one by one."""
    loaded = [(s, r) for s, r in zip(scans, raw, strict=True) if not isinstance(s, Invalid)]
    answers = iter(process(sent([s for s, _ in loaded], [r for _, r in loaded], org)))
    return [refused(s) if isinstance(s, Invalid) else item(next(answers)) for s in scans]


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {"accepted": 0, "held": 0, "refused": 0}
    for r in results:
        counts[r["status"]] += 1
    return {"results": results, **counts}
