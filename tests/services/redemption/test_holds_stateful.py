"""Whatever the sequence of held scans, releases, rejections and desk cancellations, the
ledger stays true and ``suspense`` holds exactly the value of the open holds (hypothesis
stateful, both databases)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.services.redemption import fraud_world as fw
from voucher.db.models import Hold, Voucher
from voucher.domain import ledger
from voucher.domain.errors import DomainError
from voucher.services.finance import journal, ledger_audit
from voucher.services.redemption import cancel, holds

FACE = 1000


def make_machine(engine):
    class Holds(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self.conn = engine.connect()
            self.trans = self.conn.begin()
            self.s = Session(bind=self.conn, join_transaction_mode="create_savepoint")
            self.w = fw.world(self.s, books=2, handout_policy="hold", vouchers_per_book=4)
            self.codes = fw.codes(self.s, fw.serial(self.w)) + fw.codes(
                self.s, fw.serial(self.w, 1)
            )
            self.reviewer = fw.person(self.s, self.w.funder_a.id, "funder")
            self.state = {c: "active" for c in self.codes}
            self.hold_of: dict[str, tuple[int, int]] = {}  # code -> (hold id, redemption id)

        def teardown(self):
            self.s.close()
            self.trans.rollback()
            self.conn.close()

        @rule(i=st.integers(0, 100))
        def scan(self, i):
            code = self.codes[i % len(self.codes)]
            try:
                res = fw.scan(self.s, self.w, code)
            except DomainError as exc:
                assert (
                    exc.code
                    == {"held": "held", "redeemed": "already_redeemed", "cancelled": "cancelled"}[
                        self.state[code]
                    ]
                )
                return
            assert self.state[code] == "active" and res.status == "held"
            self.state[code] = "held"
            hold_id = self.s.scalar(select(Hold.id).where(Hold.redemption_id == res.redemption_id))
            self.hold_of[code] = (hold_id, res.redemption_id)

        def _open(self, i):
            open_codes = sorted(c for c, s in self.state.items() if s == "held")
            return open_codes[i % len(open_codes)] if open_codes else None

        @rule(i=st.integers(0, 100))
        def release(self, i):
            code = self._open(i)
            if code:
                holds.release(self.s, self.reviewer, self.hold_of[code][0])
                self.state[code] = "redeemed"

        @rule(i=st.integers(0, 100))
        def reject(self, i):
            code = self._open(i)
            if code:
                holds.reject(self.s, self.reviewer, self.hold_of[code][0], "rejet de test")
                self.state[code] = "cancelled"

        @rule(i=st.integers(0, 100))
        def cancel_at_desk(self, i):
            code = self._open(i)
            if code:
                cancel.cancel(
                    self.s, fw.RECEPTION, self.hold_of[code][1], structure_id=self.w.structure.id
                )
                self.state[code] = "active"

        @invariant()
        def suspense_is_the_value_of_open_holds(self):
            open_holds = fw.open_holds(self.s)
            assert open_holds == sum(1 for s in self.state.values() if s == "held")
            assert (
                journal.balance(self.s, ledger.suspense(self.w.programme.id)) == -FACE * open_holds
            )
            held_vouchers = self.s.scalar(
                select(func.count()).select_from(Voucher).where(Voucher.state == "held")
            )
            assert held_vouchers == open_holds

        @invariant()
        def ledger_is_true(self):
            assert ledger_audit.verify(self.s).ok

    return Holds


def test_holds_releases_and_rejections_keep_suspense_equal_to_open_holds(engine):
    run_state_machine_as_test(
        make_machine(engine),
        settings=settings(
            max_examples=12,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
