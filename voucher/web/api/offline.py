"""Offline batches over HTTP: from the request to the service's scans, and from each scan's
answer to its item (the batch logic itself is :mod:`voucher.services.redemption.offline`)."""

from __future__ import annotations

import json
from typing import Any

from voucher.domain.errors import MESSAGES
from voucher.domain.idempotency import fingerprint
from voucher.services.redemption import offline
from voucher.web.api import scan_views


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
) -> dict[str, Any]:
    return {
        "scan_id": scan_id,
        "status": status,
        "redemption_id": redemption_id,
        "reason": reason,
        "detail": detail,
        "replayed": replayed,
        "voucher": voucher,
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
    )


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {"accepted": 0, "held": 0, "refused": 0}
    for r in results:
        counts[r["status"]] += 1
    return {"results": results, **counts}
