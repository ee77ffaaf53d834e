"""Accounting exports of the journal: FEC lines, a trial balance, and both as XLSX.

Rules kept (formats in :mod:`voucher.domain.accounting`):

* a period is a range of Europe/Paris calendar days, both included; entries are read in
  (time, id) order and streamed (``yield_per``), never loaded whole;
* ``EcritureNum`` continues per journal and calendar year: entries of the same year before
  the period are counted first, so the numbers of an entry never depend on the period asked;
* each posting is one FEC line on the mapped account (third parties -- structures and
  funders -- as auxiliary accounts); the lines of an entry balance, so debits = credits;
* the trial balance gives, per ledger account, the balance before the period, the period's
  debits and credits and the closing balance; total debits = total credits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from voucher.db.models import Account, JournalEntry, Organisation, Posting, Programme
from voucher.domain import accounting
from voucher.domain.accounting import Mapping, clean, fec_amount, fec_date
from voucher.domain.calendar import PARIS, end_of_paris_day_utc, month_bounds, paris_date
from voucher.domain.errors import DomainError
from voucher.services.finance import lettering


@dataclass(frozen=True)
class Span:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise DomainError("invalid_dates")

    def one_fiscal_year(self) -> None:
        """A FEC covers one fiscal year (the calendar year): its dates stay within it."""
        if self.first.year != self.last.year:
            raise DomainError("fec_two_years", first=self.first.year, last=self.last.year)

    def utc(self) -> tuple[datetime, datetime]:
        start = datetime.combine(self.first, datetime.min.time(), PARIS)
        return start.astimezone(UTC), end_of_paris_day_utc(self.last)


def operator_siren(session: Session) -> str:
    siret = session.scalar(
        select(Organisation.siret)
        .where(Organisation.is_operator.is_(True), Organisation.siret.isnot(None))
        .order_by(Organisation.id)
        .limit(1)
    )
    return (siret or "000000000")[:9]


def _offsets(session: Session, span: Span, mapping: Mapping) -> Counter[tuple[str, int]]:
    """Entries of the first year before the period, per journal code."""
    year_start = month_bounds(span.first.year, 1)[0]
    start, _ = span.utc()
    counts: Counter[tuple[str, int]] = Counter()
    for kind, n in session.execute(
        select(JournalEntry.kind, func.count())
        .where(JournalEntry.at >= year_start, JournalEntry.at < start)
        .group_by(JournalEntry.kind)
    ):
        counts[(mapping.journal(kind)[0], span.first.year)] += int(n)
    return counts


def _names(session: Session) -> dict[int, str]:
    return {int(i): str(n) for i, n in session.execute(select(Organisation.id, Organisation.name))}


def _programmes(session: Session) -> dict[int, str]:
    return {int(i): str(n) for i, n in session.execute(select(Programme.id, Programme.name))}


def _piece(entry_id: int, memo: str | None) -> str:
    if memo and memo.startswith(("relevé ", "avoir ")):
        return memo.split(" ", 1)[1]
    return f"E{entry_id}"


@dataclass(frozen=True)
class _Entry:
    """The fields an entry gives each of its lines."""

    journal: tuple[str, str]
    num: str
    day: date
    piece: str
    text: str


def fec_rows(session: Session, span: Span, mapping: Mapping) -> Iterator[tuple[str, ...]]:
    """One 18-field tuple per posting, entries in (time, id) order, after the opening
    balances when the period starts a fiscal year (see :mod:`.lettering`)."""
    span.one_fiscal_year()
    return _rows(session, span, mapping)


def _rows(session: Session, span: Span, mapping: Mapping) -> Iterator[tuple[str, ...]]:
    start, end = span.utc()
    opening = span.first == date(span.first.year, 1, 1)
    marks = lettering.letters(session, start, end, opening=opening)
    names = _names(session)
    yield from _opening_rows(mapping, span.first, marks, names)
    numbers = _offsets(session, span, mapping)
    q = (
        select(
            JournalEntry.id,
            JournalEntry.kind,
            JournalEntry.at,
            JournalEntry.memo,
            Account.code,
            Posting.id,
            Posting.amount,
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(Account, Account.id == Posting.account_id)
        .where(JournalEntry.at >= start, JournalEntry.at < end)
        .order_by(JournalEntry.at, JournalEntry.id, Account.code)
    )
    current: _Entry | None = None
    current_id = None
    for entry_id, kind, at, memo, code, posting_id, amount in session.execute(
        q.execution_options(yield_per=5000)
    ):
        if entry_id != current_id:
            jcode, jlabel = mapping.journal(kind)
            day = paris_date(at)
            numbers[(jcode, day.year)] += 1
            current_id = entry_id
            current = _Entry(
                (jcode, jlabel),
                f"{jcode}{day.year}-{numbers[(jcode, day.year)]:06d}",
                day,
                _piece(entry_id, memo),
                accounting.ENTRY_LABELS.get(kind, kind) + (f" - {memo}" if memo else ""),
            )
        assert current is not None
        yield _line(mapping, current, code, int(amount), names, marks.by_posting.get(posting_id))


def _opening_rows(
    mapping: Mapping, first: date, marks: lettering.Letters, names: dict[int, str]
) -> Iterator[tuple[str, ...]]:
    jcode, _ = mapping.opening_journal
    for code, key, amount, letter in marks.opening:
        entry = _Entry(
            mapping.opening_journal,
            f"{jcode}{first.year}-000001",
            first,
            f"AN{first.year}",
            f"À-nouveaux au {first:%d/%m/%Y}" + (f" - relevé {key}" if key else ""),
        )
        yield _line(mapping, entry, code, amount, names, letter)


def _line(
    mapping: Mapping,
    entry: _Entry,
    code: str,
    amount: int,
    names: dict[int, str],
    letter: tuple[str, date] | None,
) -> tuple[str, ...]:
    num, label = mapping.account(code)
    aux = accounting.auxiliary(code)
    aux_label = names.get(int(aux[1:]), "") if aux else ""
    return (
        entry.journal[0],
        clean(entry.journal[1]),
        entry.num,
        fec_date(entry.day),
        num,
        clean(label),
        aux or "",
        clean(aux_label) or (aux or ""),
        clean(entry.piece),
        fec_date(entry.day),
        clean(entry.text)[:200],
        fec_amount(amount if amount > 0 else 0),
        fec_amount(-amount if amount < 0 else 0),
        letter[0] if letter else "",
        fec_date(letter[1]) if letter else "",
        fec_date(entry.day),
        "",
        "",
    )


@dataclass(frozen=True)
class TrialLine:
    account: str
    number: str
    label: str
    opening: int
    debit: int
    credit: int
    owner: str = ""  # whom the account is for: "Médiathèque de Melle", "Pass 2026 · CCAS"

    @property
    def closing(self) -> int:
        return self.opening + self.debit - self.credit


def trial_balance(session: Session, span: Span, mapping: Mapping) -> list[TrialLine]:
    start, end = span.utc()
    before = JournalEntry.at < start
    rows = session.execute(
        select(
            Account.code,
            func.coalesce(func.sum(case((before, Posting.amount), else_=0)), 0),
            func.coalesce(
                func.sum(case((~before & (Posting.amount > 0), Posting.amount), else_=0)), 0
            ),
            func.coalesce(
                func.sum(case((~before & (Posting.amount < 0), -Posting.amount), else_=0)), 0
            ),
        )
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.at < end)
        .group_by(Account.code)
        .order_by(Account.code)
    )
    names = {"org": _names(session), "programme": _programmes(session)}
    out = []
    for code, opening, debit, credit in rows:
        num, label = mapping.account(code)
        owner = " · ".join(
            names[what].get(i, f"n° {i}") for what, i in accounting.owners(str(code))
        )
        out.append(TrialLine(code, num, label, int(opening), int(debit), int(credit), owner))
    return sorted(out, key=lambda t: (t.number, t.account))


def totals(lines: list[TrialLine]) -> dict[str, Any]:
    return {
        "opening": sum(t.opening for t in lines),
        "debit": sum(t.debit for t in lines),
        "credit": sum(t.credit for t in lines),
        "closing": sum(t.closing for t in lines),
    }
