"""Offline batches of scans: each scan its own exactly-once write, one call for them all.

Rules kept:

* every scan is named by its ``scan_id``, in the same key space as the single API scan's
  ``Idempotency-Key`` (:data:`SCOPE` ``scan``, per organisation): a scan already answered
  — by a batch or by the single endpoint — replays its stored answer and changes nothing;
  the same ``scan_id`` with other content is refused (``idempotency_key_reused``);
* each new scan runs in its own savepoint, its key claimed first, then
  :func:`voucher.services.redemption.scan.attempt` (the redemption in a savepoint of its
  own, a refusal logged as every entry point logs it): a refusal undoes that scan only and
  is stored as its answer, never touching its neighbours;
* the stored answer is what the single endpoint answers (the caller's ``render``, the same
  for both), so each replays the other's byte for byte; answers line up one by one with
  the scans sent, and resending the whole call is safe;
* code guessing judges each new scan at the time it was scanned
  (:class:`voucher.services.redemption.guessing.AtScanTime`: a typo made on day 3 counts
  on day 3, this batch's earlier failures included), within the source's budget of dated
  failures; a scan refused ``too_many_attempts`` / ``locked`` is *not* stored (a later
  resend processes it);
* a scan that loses a database conflict (deadlock with another batch sending the same keys
  in another order) is answered ``busy`` and not stored either;
* a stored refusal that judged the code opens an offline dispute
  (:mod:`voucher.services.redemption.disputes`): the acceptance made offline is reviewed,
  never silently lost; its id is answered with the scan, again when the batch is resent;
* the balances move once, at the end of the batch (``journal.deferred_balances``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from voucher.domain.code_guessing import GUESS_REASONS
from voucher.services import idempotency as store
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.redemption import disputes, guessing
from voucher.services.redemption.redeem import Result, Scan
from voucher.services.redemption.scan import Outcome, attempt
from voucher.services.redemption.screening import FULL, Screening

SCOPE = "scan"
#: one scan's stored answer, from its outcome: (HTTP status, body)
Render = Callable[[Scan, Outcome[Result]], tuple[int, str]]


@dataclass(frozen=True)
class Sent:
    """One scan of a batch, named by its ``scan_id``; ``fingerprint``: of its content
    without the ``scan_id`` (:func:`voucher.domain.idempotency.fingerprint`)."""

    scan: Scan
    fingerprint: str

    @property
    def scan_id(self) -> str:
        return self.scan.scan_id or ""


@dataclass(frozen=True)
class Answer:
    """One scan's answer: its stored answer (``status``, ``body``), new or ``replayed``; or a
    refusal answered now and not stored (``unstored``, its code): the scan may be resent."""

    scan_id: str
    status: int = 0
    body: str = ""
    replayed: bool = False
    unstored: str | None = None
    #: the offline dispute a stored refusal opened (see :mod:`.disputes`)
    dispute_id: int | None = None


def process(
    session: Session,
    actor: Actor,
    sent: Sequence[Sent],
    render: Render,
    *,
    screening: Screening = FULL,
) -> list[Answer]:
    times = [item.scan.scanned_at for item in sent if item.scan.scanned_at is not None]
    batch = _Batch(session, actor, render, screening, times)
    with journal.deferred_balances(session):
        return [batch.one(item) for item in sent]


def _replayed(scan_id: str, stored: store.Stored, fingerprint: str) -> Answer:
    if stored.fingerprint != fingerprint or stored.status is None or stored.body is None:
        return Answer(scan_id, unstored="idempotency_key_reused")
    return Answer(scan_id, stored.status, stored.body, replayed=True)


class _Batch:
    def __init__(
        self,
        session: Session,
        actor: Actor,
        render: Render,
        screening: Screening,
        times: list[datetime],
    ) -> None:
        self.session, self.actor, self.render, self.screening = session, actor, render, screening
        self.org = int(actor.organisation_id or 0)
        self.guessing = guessing.AtScanTime(session, actor, times)

    def one(self, sent: Sent) -> Answer:
        stored = store.find(self.session, self.org, SCOPE, sent.scan_id)
        if stored is not None:
            return self._with_dispute(_replayed(sent.scan_id, stored, sent.fingerprint))
        throttled = self.guessing.refusal(sent.scan.scanned_at or self.guessing.now)
        if throttled is not None:
            return Answer(sent.scan_id, unstored=throttled.code)
        try:
            with self.session.begin_nested():
                return self._fresh(sent)
        except DBAPIError:
            return Answer(sent.scan_id, unstored="busy")

    def _fresh(self, sent: Sent) -> Answer:
        record = store.claim(
            self.session,
            organisation_id=self.org,
            api_key_id=self.actor.api_key_id,
            scope=SCOPE,
            key=sent.scan_id,
            fingerprint=sent.fingerprint,
        )
        if record is None:  # taken meanwhile by a concurrent request, now committed
            stored = store.find(self.session, self.org, SCOPE, sent.scan_id)
            if stored is None:
                return Answer(sent.scan_id, unstored="busy")
            return self._with_dispute(_replayed(sent.scan_id, stored, sent.fingerprint))
        outcome = attempt(self.session, self.actor, sent.scan, screening=self.screening)
        status, body = self.render(sent.scan, outcome)
        store.complete(self.session, record, status, body)
        dispute_id = None
        if outcome.refusal is not None and outcome.logged:
            dispute_id = disputes.open_for(
                self.session, self.actor, sent.scan, outcome.refusal.code
            )
        if outcome.refusal is not None and outcome.refusal.code in GUESS_REASONS:
            self.guessing.failed(sent.scan.scanned_at or self.guessing.now)
        return Answer(sent.scan_id, status, body, dispute_id=dispute_id)

    def _with_dispute(self, answer: Answer) -> Answer:
        if answer.unstored is not None or answer.status < 400:
            return answer
        return replace(answer, dispute_id=disputes.find(self.session, self.org, answer.scan_id))
