"""The demo's money since January, as a finance team lived it, through the same services
as the pages and the command line. ALL DATA IS FICTITIOUS.

* Two held scans early in the year decided by the funder: one released, one rejected.
* Every past month closed on the first working days of the next (the month close); each
  close followed by a payment run (pain.001) and, the day after its execution, the bank's
  camt.053 imported and applied (:mod:`.bank`): the statements are paid and the bank's
  balance is the books'.
* The Médiathèque de Civray gives its bank details in April: its scans, blocked until
  then, go into April's statement.
* June's transfer to the Médiathèque de Châtellerault comes back (AC04, account closed):
  its details are suspended, the admin enters new ones, finance (a second person)
  validates them, two people approve the payment (an IBAN that just changed) and a run in
  mid-July pays it again.

Nothing here draws at random: the same pilot gives the same history. Steps that would fall
on or after ``today`` are not taken (the current month stays open).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Book,
    Hold,
    Organisation,
    PaymentRun,
    PaymentTransfer,
    Statement,
    User,
    Voucher,
)
from voucher.domain import calendar
from voucher.domain.calendar import at, paris_date
from voucher.domain.finance import Period
from voucher.domain.states import BookStatus, VoucherState
from voucher.services.context import Actor
from voucher.services.demo import bank
from voucher.services.demo.pilot import DemoSummary, Pilot
from voucher.services.finance import close, payments, settings, settlement
from voucher.services.finance.scope import EVERYTHING
from voucher.services.organisations import bank_details
from voucher.services.redemption import holds, redeem

#: (structure index, month) of the transfer the bank sends back, and why
RETURNED = (1, 6, "AC04")
NEW_IBAN = "FR7614505000010400123456743"  # its new account
#: the Médiathèque de Civray's first bank details, given in April
LATE_DETAILS = (5, date(1, 4, 14), "FR7615589350000123456789025")


@dataclass
class Desk:
    """Who acts, and the bank's statement counter."""

    finance: Actor
    admin: Actor
    funder: Actor
    today: date
    files: int = 0
    summary: DemoSummary = field(default_factory=lambda: DemoSummary(0))


def _moment(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _working_day(day: date) -> date:
    while not calendar.is_target2_business_day(day):
        day += timedelta(days=1)
    return day


def record(
    session: Session, pilot: Pilot, users: dict[str, User], summary: DemoSummary, today: date
) -> None:
    desk = Desk(
        finance=Actor(label="Morgan (Finance)", user_id=users["finance"].id),
        admin=Actor(label="Admin Démo", user_id=users["admin"].id),
        funder=Actor(label="Camille (Fondation)", user_id=users["financeur"].id),
        today=today,
        summary=summary,
    )
    decided_holds(session, pilot, users["accueil"], desk)
    year = today.year
    index, day, iban = LATE_DETAILS
    late = date(year, day.month, day.day)
    for month in range(1, 13):
        if month == late.month and late < today:
            _late_details(session, pilot.structures[index], late, iban, desk)
        nxt = date(year + month // 12, month % 12 + 1, 2)
        closing = _working_day(nxt)
        if closing >= today:
            break
        _close_and_pay(session, pilot, Period(year, month), closing, desk)


def _close_and_pay(session: Session, pilot: Pilot, period: Period, day: date, desk: Desk) -> None:
    with at(_moment(day, 8)):
        close.close_month(session, desk.finance, period)
    desk.summary.closed_months.append(str(period))
    run_id = _run(session, day, desk)
    if run_id is None:
        return
    execution = _pay(session, run_id, desk)
    index, month, reason = RETURNED
    if period.month == month and execution is not None:
        _returned(session, pilot.structures[index], run_id, execution, reason, desk)


def _run(session: Session, day: date, desk: Desk) -> int | None:
    """Approve what waits for two people, then one payment run executed the next day."""
    with at(_moment(day, 10)):
        for item in payments.ready(session, EVERYTHING):
            if item.withheld == "second_approval_needed":
                for who in (desk.finance, desk.admin):
                    payments.approve(session, who, item.statement_id, scope=EVERYTHING)
        result = payments.create_run(
            session,
            desk.finance,
            debtor=settings.debtor(),
            version=settings.pain_version(),
            execution_date=calendar.next_target2_business_day(day),
        )
    return result.run_id


def _transfers(session: Session, run_id: int) -> list[tuple[PaymentTransfer, int]]:
    """The run's transfers, each with the structure it pays."""
    return [
        (t, int(structure))
        for t, structure in session.execute(
            select(PaymentTransfer, Statement.structure_id)
            .join(Statement, Statement.id == PaymentTransfer.statement_id)
            .where(PaymentTransfer.run_id == run_id)
            .order_by(PaymentTransfer.id)
        )
    ]


def _import(session: Session, day: date, lines: list[bank.Line], desk: Desk) -> bool:
    """The bank's statement of ``day``, imported and applied the next working day."""
    received = calendar.next_target2_business_day(day)
    if received >= desk.today:
        return False
    desk.files += 1
    data = bank.statement(session, day, desk.files, lines)
    with at(_moment(received, 8)):
        imp = settlement.import_file(session, desk.finance, data, f"releve-{day:%Y%m%d}.xml")
        settlement.apply_import(session, desk.finance, imp.id)
    return True


def _pay(session: Session, run_id: int, desk: Desk) -> date | None:
    transfers = _transfers(session, run_id)
    execution = session.scalar(select(PaymentRun.execution_date).where(PaymentRun.id == run_id))
    if execution is None or not _import(
        session, execution, [bank.debit(t) for t, _s in transfers], desk
    ):
        return None
    desk.summary.paid_statements += len(transfers)
    return execution


def _returned(
    session: Session, place: Organisation, run_id: int, sent: date, reason: str, desk: Desk
) -> None:
    """The bank returns the transfer three working days later; new details, validated by a
    second person, then approved by two and paid again by a run of their own."""
    transfer = next((t for t, s in _transfers(session, run_id) if s == place.id), None)
    if transfer is None:
        return
    back = sent
    for _ in range(3):
        back = calendar.next_target2_business_day(back)
    if not _import(session, back, [bank.returned(transfer, reason)], desk):
        return
    desk.summary.paid_statements -= 1
    desk.summary.returned.append(transfer.end_to_end_id)
    entered = calendar.next_target2_business_day(calendar.next_target2_business_day(back))
    validated = calendar.next_target2_business_day(entered)
    if validated >= desk.today:
        return
    with at(_moment(entered, 13)):
        acc = bank_details.set_bank_details(
            session, desk.admin, place.id, holder_name=place.name[:70], iban=NEW_IBAN
        )
    with at(_moment(validated, 8)):
        bank_details.decide_bank_details(session, desk.finance, acc.id, validate=True)
    run_id_again = _run(session, validated, desk)
    if run_id_again is not None and _pay(session, run_id_again, desk):
        desk.summary.repaid.append(transfer.end_to_end_id)


def _late_details(session: Session, place: Organisation, day: date, iban: str, desk: Desk) -> None:
    with at(_moment(day, 13)):
        acc = bank_details.set_bank_details(
            session, desk.admin, place.id, holder_name=place.name[:70], iban=iban
        )
    with at(_moment(calendar.next_target2_business_day(day), 8)):
        bank_details.decide_bank_details(session, desk.finance, acc.id, validate=True)


def _untouched_books(session: Session, before: date, count: int) -> list[tuple[date, list[str]]]:
    """The first ``count`` books handed out before ``before`` none of whose vouchers was
    scanned, each with its hand-out day and codes."""
    full = (
        select(Book.id, Book.handed_out_at)
        .join(Voucher, Voucher.book_id == Book.id)
        .where(Book.status == BookStatus.HANDED_OUT, Voucher.state == VoucherState.DISTRIBUTED)
        .group_by(Book.id, Book.handed_out_at)
        .having(func.count() == 10)
        .order_by(Book.handed_out_at, Book.id)
    )
    out = []
    for book_id, given in session.execute(full):
        if given is None or paris_date(given) >= before:
            continue
        codes = session.scalars(
            select(Voucher.code).where(Voucher.book_id == book_id).order_by(Voucher.position)
        )
        out.append((paris_date(given), list(codes)))
        if len(out) == count:
            break
    return out


def decided_holds(session: Session, pilot: Pilot, reception: User, desk: Desk) -> None:
    """Two books whose three first vouchers were scanned the same morning (the third is
    held), a few days after they were handed out; the funder releases the first hold two
    days later and rejects the second."""
    places = (pilot.structures[1], pilot.structures[4])
    bound = date(desk.today.year, desk.today.month, 1) - timedelta(days=10)
    scanner = Actor(label="démo", user_id=reception.id)
    for n, (place, (given, codes)) in enumerate(
        zip(places, _untouched_books(session, bound - timedelta(days=5), 2), strict=False)
    ):
        day = given + timedelta(days=3)
        held = None
        for k, code in enumerate(codes[:3]):
            with at(datetime(day.year, day.month, day.day, 8, 10 + 20 * k, tzinfo=UTC)):
                result = redeem.redeem(
                    session,
                    scanner,
                    redeem.Scan(
                        code=code,
                        structure_id=place.id,
                        theme="aide_aux_demarches_administratives",
                        autonomy="entierement_accompagne",
                    ),
                )
            desk.summary.redemptions += 1
            held = result.redemption_id if result.status == "held" else held
        hold_id = session.scalar(select(Hold.id).where(Hold.redemption_id == held))
        if hold_id is None:
            continue
        with at(_moment(day + timedelta(days=2), 14)):
            if n == 0:
                holds.release(session, desk.funder, hold_id)
            else:
                holds.reject(session, desk.funder, hold_id, "carnet présenté par un tiers")
        desk.summary.decided_holds.append("libérée" if n == 0 else "rejetée")
