"""Offline batches of scans: each scan its own exactly-once write, one call for them all.

Rules kept:

* every scan is named by its ``scan_id``, in the same key space as the single endpoint's
  ``Idempotency-Key`` (scope ``scan``, per organisation): a scan already answered — by this
  endpoint or the single one — replays its stored answer and changes nothing; the same
  ``scan_id`` with other content is refused (``idempotency_key_reused``);
* each new scan runs in its own savepoint, its key claimed first: a refusal rolls back that
  scan only (then is logged and stored as the scan's answer), never its neighbours;
* results line up one by one with the scans sent; resending the whole call is safe;
* code guessing is checked before the first new scan and again after each refused code:
  once the key is slowed or locked, the remaining new scans are refused with
  ``too_many_attempts`` / ``locked``, and those answers are *not* stored (a later resend
  processes them);
* a scan that loses a database conflict (deadlock with another batch sending the same keys
  in another order) is answered ``busy`` and not stored either.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from voucher.domain import fraud
from voucher.domain.errors import MESSAGES, DomainError
from voucher.domain.idempotency import fingerprint
from voucher.services import idempotency as store
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.redemption import guessing, redeem
from voucher.web.api import problems, scan_views

SCOPE = "scan"


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


def from_answer(scan_id: str, status: int, text: str, *, replayed: bool) -> dict[str, Any]:
    body = json.loads(text)
    if status < 400:
        return _item(
            scan_id,
            body["status"],
            redemption_id=body["redemption_id"],
            voucher=body["voucher"],
            replayed=replayed,
        )
    return _item(scan_id, "refused", reason=body["code"], detail=body["detail"], replayed=replayed)


def _stored(scan_id: str, stored: store.Stored, fp: str) -> dict[str, Any]:
    if stored.fingerprint != fp or stored.status is None or stored.body is None:
        return _item(
            scan_id,
            "refused",
            reason="idempotency_key_reused",
            detail=MESSAGES["idempotency_key_reused"],
        )
    return from_answer(scan_id, stored.status, stored.body, replayed=True)


def _refused_now(scan_id: str, code: str) -> dict[str, Any]:
    return _item(scan_id, "refused", reason=code, detail=MESSAGES[code])


class Batch:
    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.org = int(actor.organisation_id or 0)
        self.guessing = guessing.guessing_state(session, actor)

    def process(
        self, scans: list[dict[str, Any]], raw: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        with journal.deferred_balances(
            self.session
        ):  # balances moved once, at the end of the batch
            return [
                self.one(scan, {k: v for k, v in body.items() if k != "scan_id"})
                for scan, body in zip(scans, raw, strict=True)
            ]

    def one(self, scan: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        scan_id, fp = scan["scan_id"], fingerprint(content)
        stored = store.find(self.session, self.org, SCOPE, scan_id)
        if stored is not None:
            return _stored(scan_id, stored, fp)
        if self.guessing.status != "ok":
            return _refused_now(
                scan_id, "locked" if self.guessing.status == "locked" else "too_many_attempts"
            )
        outer = self.session.begin_nested()
        try:
            result = self._fresh(scan, scan_id, fp)
            outer.commit()
            return result
        except DBAPIError:
            outer.rollback()
            return _refused_now(scan_id, "busy")

    def _fresh(self, scan: dict[str, Any], scan_id: str, fp: str) -> dict[str, Any]:
        record = store.claim(
            self.session,
            organisation_id=self.org,
            api_key_id=self.actor.api_key_id,
            scope=SCOPE,
            key=scan_id,
            fingerprint=fp,
        )
        if record is None:  # taken meanwhile by a concurrent request, now committed
            stored = store.find(self.session, self.org, SCOPE, scan_id)
            return _stored(scan_id, stored, fp) if stored else _refused_now(scan_id, "busy")
        inner = self.session.begin_nested()
        try:
            result = redeem.redeem(
                self.session, self.actor, scan_views.scan_of(scan, self.org, scan_id)
            )
            inner.commit()
            status, text = 201, problems.dumps(scan_views.answer(result, scan_id))
        except DomainError as err:
            inner.rollback()
            redeem.record_refusal(
                self.session,
                self.actor,
                structure_id=self.org,
                raw_code=scan["code"],
                reason=err.code,
            )
            problem = problems.of_domain(err)
            status, text = int(problem["status"]), problems.dumps(problem)
            if err.code in fraud.GUESS_REASONS:
                self.guessing = guessing.guessing_state(self.session, self.actor)
        store.complete(self.session, record, status, text)
        return from_answer(scan_id, status, text, replayed=False)


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {"accepted": 0, "held": 0, "refused": 0}
    for r in results:
        counts[r["status"]] += 1
    return {"results": results, **counts}
