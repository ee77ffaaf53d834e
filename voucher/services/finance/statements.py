"""Reading statements: lists for finance and for the structure itself, and the full content
of one statement for its PDF.

Rules kept: finance sees a statement only when all its programmes are in its scope;
structure staff (``reception``) see only their own organisation's statements; anything
else is ``not_found`` (never "forbidden with details"). Dates on a statement are
Europe/Paris; the per-funder split uses each programme's shares (largest remainder), so
funder totals always add up to the statement's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import (
    BankAccount,
    Book,
    JournalEntry,
    Organisation,
    PaymentTransfer,
    Programme,
    ProgrammeFunder,
    Redemption,
    Statement,
    StatementProgramme,
    Voucher,
)
from voucher.documents.statement_pdf import StatementDoc, StatementLine
from voucher.domain import finance, vocab
from voucher.domain.calendar import PARIS
from voucher.domain.errors import DomainError
from voucher.services.access.programme_scope import Scope
from voucher.services.finance.scope import statement_in_scope

COUNTRIES = {"FR": "France", "BE": "Belgique", "LU": "Luxembourg", "MC": "Monaco", "CH": "Suisse"}


@dataclass(frozen=True)
class StatementItem:
    id: int
    number: str
    period: str
    structure_id: int
    structure_name: str
    line_count: int
    total_cents: int
    status: str
    created_at: datetime
    paid_at: datetime | None
    reason: str | None = None  # why the bank sent back its last transfer (rejected only)

    @property
    def status_fr(self) -> str:
        return finance.STATEMENT_STATUS_FR[self.status]

    @property
    def reason_fr(self) -> str:
        """The bank's code in French (« compte clôturé (AC04) »), or what a person wrote."""
        if self.status != "rejected":
            return ""
        said = (self.reason or "").strip()
        return finance.reason_fr(said) if len(said) <= 4 and said.isalnum() else said

    @property
    def period_label(self) -> str:
        return finance.Period.parse(self.period).label


def list_statements(
    session: Session,
    scope: Scope,
    *,
    structure_id: int | None = None,
    period: str | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[StatementItem]:
    stmt = (
        select(
            Statement.id,
            Statement.number,
            Statement.period,
            Statement.structure_id,
            Organisation.name,
            Statement.line_count,
            Statement.total_cents,
            Statement.status,
            Statement.created_at,
            Statement.paid_at,
        )
        .join(Organisation, Organisation.id == Statement.structure_id)
        .where(statement_in_scope(scope))
        .order_by(Statement.year.desc(), Statement.seq.desc())
        .limit(limit)
    )
    if structure_id is not None:
        stmt = stmt.where(Statement.structure_id == structure_id)
    if period:
        stmt = stmt.where(Statement.period == period)
    if status:
        stmt = stmt.where(Statement.status == status)
    rows = session.execute(stmt).all()
    reasons = _reasons(session, [int(r[0]) for r in rows if r[7] == "rejected"])
    return [
        StatementItem(
            id=int(r[0]),
            number=r[1],
            period=r[2],
            structure_id=int(r[3]),
            structure_name=r[4],
            line_count=int(r[5]),
            total_cents=int(r[6]),
            status=r[7],
            created_at=r[8],
            paid_at=r[9],
            reason=reasons.get(int(r[0])),
        )
        for r in rows
    ]


def _reasons(session: Session, statement_ids: list[int]) -> dict[int, str | None]:
    """The reason the bank gave for the last transfer of each statement it sent back."""
    out: dict[int, str | None] = {}
    if not statement_ids:
        return out
    for sid, reason in session.execute(
        select(PaymentTransfer.statement_id, PaymentTransfer.reason)
        .where(
            PaymentTransfer.statement_id.in_(statement_ids),
            PaymentTransfer.status.in_(("rejected", "returned")),
        )
        .order_by(PaymentTransfer.attempt)
    ):
        out[int(sid or 0)] = reason
    return out


def find(
    session: Session, scope: Scope, statement_id: int, *, structure_id: int | None = None
) -> Statement:
    stmt = select(Statement).where(Statement.id == statement_id, statement_in_scope(scope))
    if structure_id is not None:
        stmt = stmt.where(Statement.structure_id == structure_id)
    found = session.scalars(stmt).first()
    if found is None:
        raise DomainError("not_found", object="statement")
    return found


def _lines(session: Session, st: Statement) -> list[StatementLine]:
    rows = session.execute(
        select(
            Redemption.scanned_at,
            Book.serial,
            Voucher.position,
            Programme.vouchers_per_book,
            Redemption.theme,
            Programme.name,
            Redemption.face_value_cents,
        )
        .join(Book, Book.id == Redemption.book_id)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .join(Programme, Programme.id == Redemption.programme_id)
        .where(Redemption.statement_id == st.id)
        .order_by(Redemption.scanned_at, Redemption.id)
    )
    return [
        StatementLine(
            when.astimezone(PARIS),
            int(serial),
            int(pos),
            int(size),
            vocab.THEMES.get(theme or "", theme or "—"),
            name,
            int(face),
        )
        for when, serial, pos, size, theme, name, face in rows
    ]


def _totals(
    session: Session, st: Statement
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int]]]:
    per_programme = session.execute(
        select(
            StatementProgramme.programme_id,
            Programme.name,
            StatementProgramme.line_count,
            StatementProgramme.total_cents,
        )
        .join(Programme, Programme.id == StatementProgramme.programme_id)
        .where(StatementProgramme.statement_id == st.id)
        .order_by(Programme.name)
    ).all()
    ids = [int(r[0]) for r in per_programme]
    shares: dict[int, list[tuple[int, int]]] = {pid: [] for pid in ids}
    for pid, fid, bp in session.execute(
        select(ProgrammeFunder.programme_id, ProgrammeFunder.funder_id, ProgrammeFunder.share_bp)
        .where(ProgrammeFunder.programme_id.in_(ids))
        .order_by(ProgrammeFunder.funder_id)
    ):
        shares[int(pid)].append((int(fid), int(bp)))
    split = finance.funder_totals([(int(r[0]), int(r[3])) for r in per_programme], shares)
    names = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(split)))
        ).all()
    )
    return (
        [(str(r[1]), int(r[2]), int(r[3])) for r in per_programme],
        sorted((str(names[fid]), cents) for fid, cents in split.items()),
    )


def document(session: Session, st: Statement) -> StatementDoc:
    """Everything the statement PDF prints."""
    org = session.get(Organisation, st.structure_id)
    account = session.get(BankAccount, st.bank_account_id)
    assert org is not None and account is not None
    programmes, funders = _totals(session, st)
    period = finance.Period.parse(st.period)
    start, end = (moment.astimezone(PARIS) for moment in period.bounds())
    return StatementDoc(
        number=st.number,
        period_label=period.label,
        first_day=min(start, st.first_scan_at.astimezone(PARIS)).date(),
        last_day=(end - timedelta(days=1)).date(),
        structure_name=org.name,
        siret=org.siret or "",
        address=_address(org),
        iban_tail=account.iban[-4:],
        lines=_lines(session, st),
        programmes=programmes,
        funders=funders,
        total_cents=st.total_cents,
        journal_hash=st.journal_hash,
        created_at=st.created_at.astimezone(PARIS),
        status_fr=finance.STATEMENT_STATUS_FR[st.status],
        issuer=issuer(session),
        payment_fr=_payment_fr(session, st),
    )


def _address(org: Organisation) -> list[str]:
    lines = [
        f"{org.street_number or ''} {org.street or ''}".strip(),
        f"{org.postcode or ''} {org.town or ''}".strip(),
        COUNTRIES.get(org.country, org.country),
    ]
    return [a for a in lines if a]


def issuer(session: Session) -> list[str]:
    """Who issues the statements: the operator organisation (name, SIRET, address), else the
    configured debtor of the payment runs."""
    org = session.scalars(
        select(Organisation).where(Organisation.is_operator.is_(True)).order_by(Organisation.id)
    ).first()
    if org is not None:
        siret = [f"SIRET {org.siret}"] if org.siret else []
        return [org.name, *siret, ", ".join(_address(org))]
    from voucher.services.finance import settings

    who = settings.debtor()
    place = f"{who.building} {who.street}".strip() + f", {who.postcode} {who.town}"
    return [who.name, place]


def _payment_fr(session: Session, st: Statement) -> str:
    """The account the money actually went to (the last transfer's), not the one valid at
    close: paid, on its way, or sent back."""
    last = session.scalars(
        select(PaymentTransfer)
        .where(PaymentTransfer.statement_id == st.id)
        .order_by(PaymentTransfer.attempt.desc())
        .limit(1)
    ).first()
    if last is None:
        return ""
    tail = f"compte se terminant par {last.iban[-4:]}"
    entry = session.get(JournalEntry, last.settle_entry_id) if last.settle_entry_id else None
    if last.status == "paid" and entry is not None:
        day = entry.at.astimezone(PARIS).strftime("%d/%m/%Y")
        return f"Payé par virement sur le {tail}, débité par la banque le {day}."
    if last.status == "sent":
        return f"Virement envoyé sur le {tail}, en attente de la banque."
    return f"Le virement sur le {tail} a été rejeté par la banque : il sera renouvelé."
