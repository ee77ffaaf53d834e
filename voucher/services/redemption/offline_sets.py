"""An offline batch on PostgreSQL, set-based: the per-scan way's answers and rows, in a
few statements for the whole batch (:mod:`~voucher.services.redemption.batch_write`).

Rules kept (those of :mod:`voucher.services.redemption.offline`, and):

* the batch's keys are claimed in one statement (key order), the stored answers of those
  already taken read in another, then the facts of every claimed scan are read and their
  vouchers locked in one statement (code order): keys before vouchers, as a single scan
  takes them;
* each scan is then judged in the batch's order by the single scan's own code: the input
  check, :func:`voucher.domain.acceptance.refusal`, the screening's rules
  (:func:`voucher.services.redemption.redeem.screen`, their facts from the locking query),
  code guessing at scan time; the rules' facts of a scan include the scans this batch
  wrote since they were read (its book's live scans, its beneficiary's scans of the day,
  the place's day counter), so a scan is judged as if the scans before it were committed;
* only a plain acceptance (no refusal, no verdict, its voucher and scan id not seen
  earlier in the batch) is decided here (an account it opens is opened once), its answer
  rendered with the redemption id its facts row drew; anything else goes the per-scan
  way at its place in the batch (:class:`PerScan`), after the decided scans before it
  were written; what it wrote joins the rules' facts of the scans after it (a twin's
  answer, committed elsewhere meanwhile, has them read again);
* the decided scans are written in one statement, in a savepoint: if it fails (a
  database conflict), their answers become ``busy``, unstored, and their keys are
  forgotten, as a single scan losing a conflict is answered; the batch's last write also
  moves their balances when nothing was deferred before it (the usual batch: three
  statements less), else they are deferred to the end of the batch with the others;
* a claimed key left without a stored answer (throttled, busy) is deleted at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from voucher.domain import fraud, ledger
from voucher.domain.acceptance import refusal
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.services import idempotency as store
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.redemption import batch_write, redeem, rules, scan_facts
from voucher.services.redemption.offline_items import SCOPE, Answer, Render, Sent
from voucher.services.redemption.scan import Outcome
from voucher.services.redemption.screening import Screening


class PerScan(Protocol):
    """The per-scan way of :mod:`.offline`."""

    session: Session
    actor: Actor
    render: Render
    screening: Screening
    org: int
    guessing: Any

    def one(self, sent: Sent) -> Answer: ...
    def stored(self, sent: Sent, found: store.Stored) -> Answer: ...
    def claimed(self, sent: Sent, record: int | None) -> Answer: ...


class _Written:
    """The scans this batch wrote since the facts were read, kept as the rules' facts of a
    later scan look them up (by book, by beneficiary, counted by place and day): each scan
    adds only the few that concern it, not every scan written before it."""

    def __init__(self) -> None:
        self.count = 0
        self.by_book: dict[int, list[rules.BookScan]] = {}
        self.by_person: dict[int, list[tuple[datetime, int]]] = {}
        self.per_day: dict[int, dict[date, int]] = {}  # place -> day -> scans

    def add(
        self, rid: int, book_id: int, beneficiary_id: int | None, sid: int, at: datetime
    ) -> None:
        self.count += 1
        self.by_book.setdefault(book_id, []).append(rules.BookScan(rid, at, sid))
        if beneficiary_id is not None:
            self.by_person.setdefault(beneficiary_id, []).append((at, rid))
        days = self.per_day.setdefault(sid, {})
        day = paris_date(at)
        days[day] = days.get(day, 0) + 1

    def joined(self, ctx: Any, facts: rules.Facts, counts_days: bool) -> rules.Facts:
        """``facts`` (read before these scans were written, each list in id order) with
        these scans; what none of them concerns is handed on as it was read."""
        book, person, volumes = facts.book, facts.person_today, facts.volumes
        extra = self.by_book.get(ctx.book_id)
        if extra:
            book = sorted([*book, *extra], key=lambda b: b.id)
        mine = self.by_person.get(ctx.beneficiary_id) if ctx.beneficiary_id is not None else None
        if mine:
            start, end = rules.day_bounds(ctx.scanned_at)
            person = sorted([*person, *(rid for at, rid in mine if start <= at < end)])
        days = self.per_day.get(ctx.structure_id) if counts_days else None
        if days:
            today = paris_date(ctx.scanned_at)
            volumes = dict(volumes)
            since = None  # today's scans always count (the window is at least 7 days)
            for day, n in days.items():
                if day != today:
                    if since is None:
                        rule = fraud.effective(ctx.thresholds, "structure_volume")
                        since = today - timedelta(days=rule["trailing_days"])
                    if not since <= day <= today:
                        continue
                volumes[day] = volumes.get(day, 0) + n
        return rules.Facts(book, person, volumes)


def process(batch: PerScan, sent: Sequence[Sent]) -> list[Answer] | None:
    """Every scan's answer; None when the set-based reads met a database conflict (the
    caller then goes the per-scan way for the whole batch, nothing of this left)."""
    return _Walk(batch, sent).run()


class _Walk:
    def __init__(self, batch: PerScan, sent: Sequence[Sent]) -> None:
        self.batch, self.sent = batch, sent
        self.session = batch.session
        self.answers: list[Answer] = []
        self.pending: list[tuple[int, dict[str, Any]]] = []  # (answer index, write params)
        self.written = _Written()  # since the facts were read
        self.used: set[int] = set()  # vouchers this batch decided or sent the per-scan way
        self.accounts: dict[str, int] = {}  # accounts looked up (opened) by this batch

    def run(self) -> list[Answer] | None:
        conn = self.session.connection()
        sid = self.sent[0].scan.structure_id
        if any(s.scan.structure_id != sid for s in self.sent):
            return None
        self.first: dict[str, int] = {}
        claims: dict[str, str] = {}
        for i, item in enumerate(self.sent):
            if item.scan_id not in self.first:
                self.first[item.scan_id] = i
                claims[item.scan_id] = item.fingerprint
        self.checked = {i: checked_scan(s) for i, s in enumerate(self.sent)}
        try:
            with self.session.begin_nested():
                self.records = batch_write.claim_all(
                    conn, self.batch.org, self.batch.actor.api_key_id, SCOPE, claims, utcnow()
                )
                taken = sorted(k for k in claims if k not in self.records)
                found = batch_write.find_all(conn, self.batch.org, SCOPE, taken) if taken else {}
                self.rows = self._read(0)
        except DBAPIError:
            return None
        for i, item in enumerate(self.sent):
            self.answers.append(self._one(i, item, found))
        self._flush(last=True)
        return self.answers

    def _claimed_at(self, i: int) -> int | None:
        item = self.sent[i]
        if self.first[item.scan_id] != i:
            return None
        return self.records.get(item.scan_id)

    def _read(self, start: int) -> dict[int, Any]:
        """The locking facts of the claimed, well-formed scans from ``start`` on."""
        wanted = [
            i
            for i in range(start, len(self.sent))
            if self._claimed_at(i) is not None and self.checked[i] is not None
        ]
        if not wanted:
            return {}
        params = []
        for i in wanted:
            digits, _, at = self.checked[i]  # type: ignore[misc]
            params.append(
                {"code": digits, "today": paris_date(at), "scan_id": self.sent[i].scan_id, "at": at}
            )
        rows = batch_write.facts_all(
            self.session.connection(),
            self.sent[0].scan.structure_id,
            params,
            self.batch.screening.reads_facts,
        )
        self.written = _Written()
        return {wanted[k]: row for k, row in rows.items()}

    def _one(self, i: int, item: Sent, found: dict[str, Any]) -> Answer:
        if self.first[item.scan_id] == i and item.scan_id in found:
            row = found[item.scan_id]
            stored = store.Stored(int(row.id), str(row.fingerprint), row.status, row.body)
            return self.batch.stored(item, stored)
        record = self._claimed_at(i)
        if record is None:  # sent twice in this batch, or taken by a concurrent request
            self._flush()
            return self.batch.one(item)
        throttled = self.batch.guessing.refusal(item.scan.scanned_at or self.batch.guessing.now)
        if throttled is not None:
            self._forget([record])
            return Answer(item.scan_id, unstored=throttled.code)
        decided = self._decide(i, item, record)
        if decided is not None:
            self.pending.append((i, decided))
            return Answer(item.scan_id, decided["answer_status"], decided["answer_body"])
        self._flush()
        row = self.rows.get(i)
        if row is not None:
            self.used.add(int(row.id))
        answer = self.batch.claimed(item, record)
        if answer.unstored is not None:
            self._forget([record])
        elif answer.status < 400 and row is not None:  # accepted or held the per-scan way
            self._written_per_scan(i, row, answer)
        return answer

    def _written_per_scan(self, i: int, row: Any, answer: Answer) -> None:
        """The later scans' rules see a scan the per-scan way wrote; a twin's answer
        (committed elsewhere meanwhile) has them read their facts again."""
        checked = self.checked[i]
        if answer.replayed or checked is None:
            self.rows.update(self._read(i + 1))
            return
        rid = int(json.loads(answer.body)["redemption_id"])
        sid = self.sent[i].scan.structure_id
        self.written.add(rid, row.book_id, row.beneficiary_id, sid, checked[2])

    def _decide(self, i: int, item: Sent, record: int) -> dict[str, Any] | None:
        """The write parameters of a plain acceptance, or None: the per-scan way."""
        row, checked = self.rows.get(i), self.checked[i]
        if row is None or checked is None or row.prior_scan is not None or row.id in self.used:
            return None
        _, now, at = checked
        if refusal(redeem.acceptance_facts(row, paris_date(at))) is not None:
            return None
        scan, batch = item.scan, self.batch
        ctx = redeem.context(row, scan.structure_id, batch.actor, at)
        if batch.screening.reads_facts and not self._remember(ctx, row):
            return None
        if redeem.screen(self.session, ctx, batch.screening):
            return None
        self.used.add(int(row.id))
        decision = redeem.Decision(ctx, [], None, now)
        lines, ids = redeem.entry_lines(self.session, scan, self._with_accounts(row, scan), False)
        fields = journal.entry_fields("redemption.accepted", lines, now, batch.actor)
        params = redeem.write_params(batch.actor, scan, row, decision, fields, [], lines, ids)
        rid, eid = int(row.new_redemption_id), int(row.new_entry_id)
        result = redeem.result_of(row, rid, "accepted", at, scan.theme, [])
        status, body = batch.render(scan, Outcome(result))
        self.written.add(rid, row.book_id, row.beneficiary_id, scan.structure_id, at)
        return dict(
            params, rid=rid, eid=eid, record_id=record, answer_status=status, answer_body=body
        )

    def _with_accounts(self, row: Any, scan: redeem.Scan) -> Any:
        """The row with the ids of the two accounts it moves: an account opened by this
        batch (the first scan at a new place) is looked up (created) once, not per scan."""
        if row.outstanding_account is not None and row.payable_account is not None:
            return row
        codes = [ledger.outstanding(row.programme_id, row.holder_id)]
        codes.append(ledger.payable(scan.structure_id))
        if any(code not in self.accounts for code in codes):
            self.accounts.update(journal.account_ids(self.session, codes))
        return row._replace(
            outstanding_account=self.accounts[codes[0]], payable_account=self.accounts[codes[1]]
        )

    def _remember(self, ctx: Any, row: Any) -> bool:
        """The rules' facts from the locking query, with this batch's scans written since
        it was read; False when they did not come with it (the per-scan way reads them)."""
        if not scan_facts.carries_rules(row):
            return False
        rules.remember_folded(self.session, ctx, row)
        memo = self.session.info.get("fraud_facts")
        if memo is None or memo[0] is not ctx:
            return False
        if self.written.count:
            joined = self.written.joined(ctx, memo[1], self.batch.screening.counts_days)
            self.session.info["fraud_facts"] = (ctx, joined)
        return True

    def _forget(self, records: list[int]) -> None:
        """Claimed keys left without a stored answer: deleted now, as a rolled-back claim
        would be (the same scan id later in the batch, or resent, is processed again)."""
        batch_write.forget(self.session.connection(), records)

    def _flush(self, last: bool = False) -> None:
        """Write the decided scans (one statement, in a savepoint); the batch's ``last``
        write moves their balances too when no entry of the batch was deferred before it
        (else they move with the others, at the end of the batch)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        balances = last and journal.nothing_deferred(self.session)
        try:
            with self.session.begin_nested():
                batch_write.write_all(
                    self.session.connection(),
                    [p for _, p in pending],
                    count_day=self.batch.screening.counts_days,
                    balances=balances,
                )
        except (DBAPIError, RuntimeError):
            for i, _ in pending:
                self.answers[i] = Answer(self.sent[i].scan_id, unstored="busy")
            self._forget([p["record_id"] for _, p in pending])
            if len(self.answers) < len(self.sent):
                self.rows.update(self._read(len(self.answers)))
            return
        if not balances:
            for _, p in pending:
                journal.defer(self.session, p["eid"])


def checked_scan(item: Sent) -> tuple[str, datetime, datetime] | None:
    """The scan's digits, the time now and its time; None when refused (the per-scan way
    answers it)."""
    try:
        return redeem.checked_scan(item.scan)
    except DomainError:
        return None
