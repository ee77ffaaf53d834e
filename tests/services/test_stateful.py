"""Random sequences of every operation, checked against a plain Python model after each
step (hypothesis stateful), on both databases: voucher states, balances and the full
`ledger_audit.verify` must agree. The adversary's check: every voucher and book state the
database holds after a step was reached by a move its state machine allows (a new voucher
is born ``issued``, a new book ``in_stock``)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories as f
from voucher.db.models import Book, Voucher
from voucher.domain import ledger, states
from voucher.domain.errors import DomainError
from voucher.domain.states import BookStatus, VoucherState
from voucher.services.context import Actor
from voucher.services.finance import journal, ledger_audit
from voucher.services.issuance import batches, books, funds, handout
from voucher.services.redemption import cancel
from voucher.services.redemption import redeem as redemption

FACE = 1000
PER_BOOK = 3
DESK = Actor(label="accueil", user_id=5)


def make_machine(engine):
    class Ledger(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self.conn = engine.connect()
            self.trans = self.conn.begin()
            self.s = Session(bind=self.conn, join_transaction_mode="create_savepoint")
            self.w = f.world(self.s, books=1, activate=False, vouchers_per_book=PER_BOOK)
            self.other = f.prescriber(self.s, "Second prescripteur")
            self.batches = [(self.w.batch.id, False)]
            self.states: dict[str, str] = {}
            self.holder: dict[str, int] = {}
            self.book_of: dict[str, int] = {}
            self.book_status: dict[int, str] = {}
            self.live: dict[str, int] = {}  # code -> redemption id
            self.funded = 0
            self.seen_vouchers: dict[int, str] = {}
            self.seen_books: dict[int, str] = {}
            self._load_batch(self.w.batch.id, self.w.prescriber.id)

        def _load_batch(self, batch_id, holder):
            for code, serial in self.s.execute(
                select(Voucher.code, Book.serial).join(Book).where(Book.batch_id == batch_id)
            ).all():
                self.states[code], self.holder[code], self.book_of[code] = "issued", holder, serial
                self.book_status[serial] = "in_stock"

        def teardown(self):
            self.s.close()
            self.trans.rollback()
            self.conn.close()

        @rule(books=st.integers(1, 2))
        def issue(self, books):
            b = batches.issue_batch(
                self.s,
                f.ACTOR,
                programme_id=self.w.programme.id,
                prescriber_id=self.w.prescriber.id,
                books=books,
            )
            self.batches.append((b.id, False))
            self._load_batch(b.id, self.w.prescriber.id)

        @rule(amount=st.integers(1, 5).map(lambda n: n * FACE * PER_BOOK))
        def fund(self, amount):
            for funder in (self.w.funder_a, self.w.funder_b):
                funds.record_funds_received(
                    self.s,
                    f.ACTOR,
                    programme_id=self.w.programme.id,
                    funder_id=funder.id,
                    amount_cents=amount,
                    received_on=date(2026, 1, 1),
                )
            self.funded += 2 * amount

        @rule(i=st.integers(0, 10))
        def activate(self, i):
            batch_id, active = self.batches[i % len(self.batches)]
            try:
                batches.activate_batch(self.s, f.ACTOR, batch_id)
            except DomainError as exc:
                assert exc.code in ("insufficient_funds", "batch_already_active")
                return
            assert not active
            self.batches = [(b, a or b == batch_id) for b, a in self.batches]
            book_ids = set(self.s.scalars(select(Book.serial).where(Book.batch_id == batch_id)))
            for code, serial in self.book_of.items():
                if serial in book_ids and self.states[code] == "issued":
                    self.states[code] = "active"

        @rule(i=st.integers(0, 50))
        def hand_out(self, i):
            serials = sorted(self.book_status)
            serial = serials[i % len(serials)]
            codes = [c for c, s in self.book_of.items() if s == serial]
            try:
                handout.hand_out(
                    self.s,
                    f.ACTOR,
                    serial=serial,
                    prescriber_id=self.holder[codes[0]],
                    profile=f.profile(f"ref-{i}"),
                    key=f.KEY,
                )
            except DomainError as exc:
                assert exc.code in ("book_already_handed_out", "book_unusable", "not_active")
                return
            self.book_status[serial] = "handed_out"
            for c in codes:
                if self.states[c] == "active":
                    self.states[c] = "distributed"

        @rule(i=st.integers(0, 200))
        def redeem(self, i):
            code = sorted(self.states)[i % len(self.states)]
            before = self.states[code]
            try:
                res = redemption.redeem(
                    self.s, DESK, redemption.Scan(code=code, structure_id=self.w.structure.id)
                )
            except DomainError as exc:
                expected = {
                    "issued": "not_active",
                    "redeemed": "already_redeemed",
                    "cancelled": "cancelled",
                }[before]
                assert exc.code == expected
                return
            assert before in ("active", "distributed") and res.status == "accepted"
            self.states[code] = "redeemed"
            self.live[code] = res.redemption_id

        @rule(i=st.integers(0, 200))
        def cancel(self, i):
            if not self.live:
                return
            code = sorted(self.live)[i % len(self.live)]
            cancel.cancel(self.s, DESK, self.live.pop(code), structure_id=self.w.structure.id)
            serial = self.book_of[code]
            self.states[code] = {"handed_out": "distributed", "lost": "cancelled"}.get(
                self.book_status[serial], "active"
            )

        @rule(i=st.integers(0, 50))
        def move(self, i):
            serial = sorted(self.book_status)[i % len(self.book_status)]
            codes = [c for c, s in self.book_of.items() if s == serial]
            target = (
                self.other.id if self.holder[codes[0]] != self.other.id else self.w.prescriber.id
            )
            try:
                books.move_book(self.s, f.ACTOR, serial, target)
            except DomainError as exc:
                assert exc.code in ("book_already_handed_out",)
                assert self.book_status[serial] != "in_stock"
                return
            for c in codes:
                self.holder[c] = target

        @rule(i=st.integers(0, 50))
        def lose(self, i):
            serial = sorted(self.book_status)[i % len(self.book_status)]
            try:
                books.report_book(self.s, f.ACTOR, serial, reason="lost")
            except DomainError as exc:
                assert exc.code == "book_unusable" and self.book_status[serial] == "lost"
                return
            self.book_status[serial] = "lost"
            for c, s in self.book_of.items():
                if s == serial and self.states[c] in ("issued", "active", "distributed"):
                    self.states[c] = "cancelled"

        @invariant()
        def every_state_change_is_allowed(self):
            if not hasattr(self, "s"):
                return
            vouchers = dict(self.s.execute(select(Voucher.id, Voucher.state)).all())
            books = dict(self.s.execute(select(Book.id, Book.status)).all())
            _assert_moves(self.seen_vouchers, vouchers, VoucherState.ISSUED, states.can_move)
            _assert_moves(self.seen_books, books, BookStatus.IN_STOCK, _book_can_move)
            self.seen_vouchers, self.seen_books = vouchers, books

        @invariant()
        def matches_model(self):
            if not hasattr(self, "s"):
                return
            db_states = dict(
                self.s.execute(
                    select(Voucher.code, Voucher.state).where(Voucher.code.in_(list(self.states)))
                ).all()
            )
            assert db_states == self.states
            pid = self.w.programme.id
            for presc in (self.w.prescriber.id, self.other.id):
                out = sum(
                    FACE
                    for c, st_ in self.states.items()
                    if st_ in ("active", "distributed") and self.holder[c] == presc
                )
                assert journal.balance(self.s, ledger.outstanding(pid, presc)) == -out
            assert journal.balance(self.s, ledger.payable(self.w.structure.id)) == -FACE * len(
                self.live
            )
            assert journal.balance(self.s, "bank") == self.funded
            report = ledger_audit.verify(self.s)
            assert report.ok, report.problems

    return Ledger


def _book_can_move(src: BookStatus, dst: BookStatus) -> bool:
    return dst in states.BOOK_TRANSITIONS[src]


def _assert_moves(before: dict[int, str], after: dict[int, str], born, allowed) -> None:
    kind = type(born)
    for row_id, now in after.items():
        then = before.get(row_id)
        if then is None:
            assert now == born, f"{kind.__name__} {row_id} born {now}"
        elif then != now:
            assert allowed(kind(then), kind(now)), f"{kind.__name__} {row_id}: {then} -> {now}"


def test_random_operation_sequences_keep_every_invariant(engine):
    run_state_machine_as_test(
        make_machine(engine),
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def test_the_adversary_check_catches_a_voucher_made_active_again_after_expiry():
    with pytest.raises(AssertionError, match="expired -> active"):
        _assert_moves({7: "expired"}, {7: "active"}, VoucherState.ISSUED, states.can_move)
    with pytest.raises(AssertionError, match="born redeemed"):
        _assert_moves({}, {8: "redeemed"}, VoucherState.ISSUED, states.can_move)
