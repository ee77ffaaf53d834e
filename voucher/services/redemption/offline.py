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
* the balances move once, at the end of the batch (``journal.deferred_balances``, or
  the set-based batch's last write);
* on PostgreSQL the batch goes set-based (:mod:`~voucher.services.redemption.offline_sets`):
  the same answers, the same rows, in a few statements for the whole batch; every scan
  that is not a plain acceptance (a replay, a refusal, a verdict, a voucher or scan id
  seen earlier in the batch) still goes the per-scan way above, at its place in the
  batch; if the set-based reads meet a database conflict, the whole batch goes the
  per-scan way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.domain.code_guessing import GUESS_REASONS
from voucher.services import idempotency as store
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.redemption import disputes, guessing, offline_sets
from voucher.services.redemption.offline_items import SCOPE, Answer, Render, Sent, replayed
from voucher.services.redemption.scan import attempt
from voucher.services.redemption.screening import FULL, Screening

__all__ = ["SCOPE", "Answer", "Render", "Sent", "process"]


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
        if dialect.is_postgres(session) and len(sent) > 1:
            answers = offline_sets.process(batch, sent)
            if answers is not None:
                return answers
        return [batch.one(item) for item in sent]


class _Batch:
    """The per-scan way (and what :mod:`.offline_sets` hands back to it)."""

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
        found = store.find(self.session, self.org, SCOPE, sent.scan_id)
        if found is not None:
            return self.stored(sent, found)
        throttled = self.guessing.refusal(sent.scan.scanned_at or self.guessing.now)
        if throttled is not None:
            return Answer(sent.scan_id, unstored=throttled.code)
        return self.claimed(sent, None)

    def stored(self, sent: Sent, found: store.Stored) -> Answer:
        """The answer of a scan id already answered."""
        return self._with_dispute(replayed(sent.scan_id, found, sent.fingerprint))

    def claimed(self, sent: Sent, record: int | None) -> Answer:
        """A new scan in its savepoint, its key claimed here unless ``record`` (claimed
        already, outside the savepoint: the caller forgets it if the answer is unstored)."""
        try:
            with self.session.begin_nested():
                return self._fresh(sent, record)
        except DBAPIError:
            return Answer(sent.scan_id, unstored="busy")

    def _fresh(self, sent: Sent, record: int | None) -> Answer:
        if record is None:
            record = store.claim(
                self.session,
                organisation_id=self.org,
                api_key_id=self.actor.api_key_id,
                scope=SCOPE,
                key=sent.scan_id,
                fingerprint=sent.fingerprint,
            )
        if record is None:  # taken meanwhile by a concurrent request, now committed
            found = store.find(self.session, self.org, SCOPE, sent.scan_id)
            if found is None:
                return Answer(sent.scan_id, unstored="busy")
            return self.stored(sent, found)
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
