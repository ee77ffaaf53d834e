"""``voucher audit``: recompute the whole ledger and say precisely what is wrong.

Checks (DOMAIN.md invariants): every entry balanced with its declared postings and its
content hash intact; the journal sums to zero; every account balance (its row's main part
plus its parts, ``account_part``) equals its postings, so a part changed by hand is found;
per programme and prescriber, ``issued`` and ``outstanding`` match the vouchers' states,
``suspense`` matches held vouchers; per structure, ``payable`` + ``in_payment`` matches
accepted redemptions not yet paid; no voucher has two live redemptions and every redeemed
voucher has one; the chain of seals recomputes.

Sealing (``seal``) appends a block hash over all entries not yet sealed. On PostgreSQL it
first takes a SHARE lock on the journal, which waits for in-flight writers, so a block
never misses an entry committed late with a lower id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import (
    Account,
    Book,
    JournalEntry,
    JournalSeal,
    Posting,
    Redemption,
    Voucher,
)
from voucher.domain import ledger
from voucher.domain.calendar import utcnow
from voucher.domain.states import SCANNED, UNUSED
from voucher.domain.states import VoucherState as S
from voucher.services.finance import journal, refunds


@dataclass(frozen=True)
class Problem:
    check: str
    message: str
    entry_id: int | None = None
    account: str | None = None


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    entries: int = 0
    postings: int = 0
    accounts: int = 0
    sealed_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, check: str, message: str, **kw: object) -> None:
        self.problems.append(Problem(check, message, **kw))  # type: ignore[arg-type]


def _entries_with_postings(session: Session) -> Iterator[tuple[Any, list[tuple[str, int]]]]:
    q = (
        select(
            JournalEntry.id,
            JournalEntry.ref,
            JournalEntry.kind,
            JournalEntry.at,
            JournalEntry.posting_count,
            JournalEntry.hash,
            Account.code,
            Posting.amount,
        )
        .select_from(JournalEntry)
        .outerjoin(Posting, Posting.entry_id == JournalEntry.id)
        .outerjoin(Account, Account.id == Posting.account_id)
        .order_by(JournalEntry.id)
    )
    current, lines = None, []
    for row in session.execute(q.execution_options(yield_per=10_000)):
        if current is not None and row.id != current.id:
            yield current, lines
            lines = []
        current = row
        if row.code is not None:
            lines.append((row.code, int(row.amount)))
    if current is not None:
        yield current, lines


def check_entries(session: Session, report: Report) -> dict[int, str]:
    hashes: dict[int, str] = {}
    grand = 0
    for e, lines in _entries_with_postings(session):
        report.entries += 1
        report.postings += len(lines)
        total = sum(a for _, a in lines)
        grand += total
        if total != 0 or len(lines) != e.posting_count or len(lines) < 2:
            report.add(
                "entry_balanced",
                f"écriture {e.id} ({e.kind}) : somme {total}, "
                f"{len(lines)} lignes sur {e.posting_count}",
                entry_id=e.id,
            )
        if ledger.entry_hash(e.ref, e.kind, e.at.isoformat(), lines) != e.hash:
            report.add(
                "entry_hash",
                f"écriture {e.id} ({e.kind}) : contenu modifié (l'empreinte ne correspond plus)",
                entry_id=e.id,
            )
        hashes[e.id] = e.hash
    if grand != 0:
        report.add("journal_sum", f"le journal ne s'équilibre pas (somme {grand})")
    return hashes


def check_balances(session: Session, report: Report) -> dict[str, int]:
    """Per account, its balance (the row's main part plus the sum of its parts) against the
    sum of its postings; the balances by code."""
    sums = dict(
        session.execute(
            select(Posting.account_id, func.sum(Posting.amount)).group_by(Posting.account_id)
        ).all()
    )
    balances: dict[str, int] = {}
    accounts = select(Account.id, Account.code, Account.balance, journal.PARTS_SUM)
    for acc_id, code, main, in_parts in session.execute(accounts):
        report.accounts += 1
        bal = int(main) + int(in_parts)
        balances[code] = bal
        if int(sums.get(acc_id, 0)) != bal:
            detail = f" (compte {main}, parts {in_parts})" if in_parts else ""
            report.add(
                "account_balance",
                f"compte {code} : solde {bal}{detail} mais lignes {sums.get(acc_id, 0)}",
                account=code,
            )
    return balances


def _prefixed(balances: dict[str, int], kind: str) -> dict[str, int]:
    return {k: v for k, v in balances.items() if k.startswith(kind + ":") and v}


def check_states(session: Session, report: Report, balances: dict[str, int]) -> None:
    expected: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(
            Voucher.programme_id, Book.holder_id, Voucher.state, func.sum(Voucher.face_value_cents)
        )
        .join(Book, Book.id == Voucher.book_id)
        .where(Voucher.state.in_(UNUSED | {S.HELD}))
        .group_by(Voucher.programme_id, Book.holder_id, Voucher.state)
    )
    for pid, holder, state, value in rows:
        if state == S.ISSUED:
            expected[ledger.issued(pid, holder)] += int(value)
        elif state == S.HELD:
            expected[ledger.suspense(pid)] -= int(value)
        else:
            expected[ledger.outstanding(pid, holder)] -= int(value)
    unpaid = session.execute(
        select(Redemption.structure_id, func.sum(Redemption.face_value_cents))
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .where(Redemption.status == "accepted", Voucher.state == S.REDEEMED)
        .group_by(Redemption.structure_id)
    )
    owed: dict[int, int] = {int(s): -int(v) for s, v in unpaid}
    for kind in ("issued", "outstanding", "suspense"):
        actual = _prefixed(balances, kind)
        wanted = {k: v for k, v in expected.items() if k.startswith(kind + ":") and v}
        for acc in sorted(set(actual) | set(wanted)):
            if actual.get(acc, 0) != wanted.get(acc, 0):
                report.add(
                    "account_vs_vouchers",
                    f"compte {acc} : solde {actual.get(acc, 0)}, "
                    f"attendu {wanted.get(acc, 0)} d'après l'état des chèques",
                    account=acc,
                )
    per_structure: dict[int, int] = defaultdict(int)
    for kind in ("payable", "in_payment"):
        for acc, v in _prefixed(balances, kind).items():
            per_structure[int(acc.split(":")[1])] += v
    for sid in sorted(set(per_structure) | set(owed)):
        if per_structure.get(sid, 0) != owed.get(sid, 0):
            report.add(
                "payable_vs_redemptions",
                f"structure {sid} : à payer {per_structure.get(sid, 0)}, "
                f"attendu {owed.get(sid, 0)} d'après les scans acceptés",
                account=ledger.payable(sid),
            )


def check_refunds(session: Session, report: Report, balances: dict[str, int]) -> None:
    """Per funder, ``refund_payable + refund_in_payment`` = minus its credit notes not paid."""
    per_funder: dict[int, int] = defaultdict(int)
    for kind in ("refund_payable", "refund_in_payment"):
        for acc, v in _prefixed(balances, kind).items():
            per_funder[int(acc.split(":")[1])] += v
    owed = refunds.owed_per_funder(session)
    for fid in sorted(set(per_funder) | set(owed)):
        if per_funder.get(fid, 0) != owed.get(fid, 0):
            report.add(
                "refund_vs_credit_notes",
                f"financeur {fid} : remboursements dus {per_funder.get(fid, 0)}, "
                f"attendu {owed.get(fid, 0)} d'après les avoirs non payés",
                account=ledger.refund_payable(fid),
            )


def check_redemptions(session: Session, report: Report) -> None:
    live = (
        select(Redemption.voucher_id, func.count().label("n"))
        .where(Redemption.status.in_(("accepted", "held")))
        .group_by(Redemption.voucher_id)
        .subquery()
    )
    for vid, n in session.execute(select(live.c.voucher_id, live.c.n).where(live.c.n > 1)):
        report.add("double_redemption", f"chèque {vid} encaissé {n} fois")
    orphans = session.execute(
        select(Voucher.id, Voucher.state)
        .outerjoin(live, live.c.voucher_id == Voucher.id)
        .where(Voucher.state.in_(SCANNED | {S.REIMBURSED}), live.c.voucher_id.is_(None))
        .limit(20)
    )
    for vid, state in orphans:
        report.add("voucher_state", f"chèque {vid} à l'état {state} sans scan valide")


def check_seals(session: Session, report: Report, hashes: dict[int, str]) -> None:
    previous = ledger.GENESIS
    for seal in session.scalars(select(JournalSeal).order_by(JournalSeal.id)):
        ids = sorted(i for i in hashes if seal.first_entry_id <= i <= seal.last_entry_id)
        if (
            seal.prev_hash != previous
            or len(ids) != seal.entry_count
            or ledger.seal_hash(previous, (hashes[i] for i in ids)) != seal.hash
        ):
            report.add(
                "seal_chain",
                f"bloc scellé {seal.id} (écritures {seal.first_entry_id} à "
                f"{seal.last_entry_id}) : la chaîne d'empreintes ne se recalcule pas",
                entry_id=seal.first_entry_id,
            )
        previous = seal.hash
        report.sealed_entries += len(ids)


def verify(session: Session) -> Report:
    report = Report()
    hashes = check_entries(session, report)
    balances = check_balances(session, report)
    check_states(session, report, balances)
    check_refunds(session, report, balances)
    check_redemptions(session, report)
    check_seals(session, report, hashes)
    return report


def _unsealed(session: Session, after: int) -> tuple[int, int, int, list[str]] | None:
    """(first id, last id, count, hashes in id order) of the entries after ``after``, or None.
    PostgreSQL returns one row, the hashes joined in id order by ``string_agg`` (the seal's
    hash over the joined text is the same as over each hash in turn): a month's close would
    otherwise fetch one row per entry into Python. SQLite (before 3.44, no ``ORDER BY``
    inside an aggregate) reads the rows."""
    newer = JournalEntry.id > after
    if dialect.is_postgres(session):
        joined = func.string_agg(
            JournalEntry.hash, aggregate_order_by(literal(""), JournalEntry.id)
        )
        first, last, count, text = session.execute(
            select(
                func.min(JournalEntry.id), func.max(JournalEntry.id), func.count(), joined
            ).where(newer)
        ).one()
        return (int(first), int(last), int(count), [text]) if count else None
    rows = session.execute(
        select(JournalEntry.id, JournalEntry.hash).where(newer).order_by(JournalEntry.id)
    ).all()
    return (rows[0][0], rows[-1][0], len(rows), [h for _, h in rows]) if rows else None


def seal(session: Session) -> JournalSeal | None:
    """Seal every entry not sealed yet into one block chained to the previous one."""
    dialect.lock_table_for_reading(session, "journal_entry")
    last = session.scalars(select(JournalSeal).order_by(JournalSeal.id.desc()).limit(1)).first()
    unsealed = _unsealed(session, last.last_entry_id if last else 0)
    if unsealed is None:
        return None
    first, final, count, hashes = unsealed
    previous = last.hash if last else ledger.GENESIS
    block = JournalSeal(
        first_entry_id=first,
        last_entry_id=final,
        entry_count=count,
        prev_hash=previous,
        hash=ledger.seal_hash(previous, hashes),
        at=utcnow(),
    )
    session.execute(
        insert(JournalSeal).values(
            first_entry_id=block.first_entry_id,
            last_entry_id=block.last_entry_id,
            entry_count=block.entry_count,
            prev_hash=block.prev_hash,
            hash=block.hash,
            at=block.at,
        )
    )
    return block
