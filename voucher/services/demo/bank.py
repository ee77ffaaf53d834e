"""The demo's bank: the camt.053 end-of-day statements a French bank would send the
operator for its account, so the demo's payments are settled through the real import path
(:func:`voucher.services.finance.settlement.import_file`). ALL DATA IS FICTITIOUS.

Each statement opens at the books' ``bank`` balance of the day before and closes at that
balance moved by its lines, so after the import the reconciliation finds no difference.
Bank references are derived from what each line says: the same build gives the same files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from sqlalchemy.orm import Session

from voucher.db.models import PaymentTransfer
from voucher.services.finance import reconciliation, settings

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
#: ISO bank transaction codes: an issued SEPA credit transfer, and one returned to us
SENT = ("PMNT", "ICDT", "ESCT")
RETURNED = ("PMNT", "ICDT", "RRTN")


@dataclass(frozen=True)
class Line:
    """One booked line: our transfer debited (``DBIT``) or coming back (``CRDT``)."""

    amount_cents: int
    direction: str
    end_to_end_id: str
    iban: str
    creditor: str
    return_reason: str | None = None

    @property
    def signed(self) -> int:
        return self.amount_cents if self.direction == "CRDT" else -self.amount_cents


def debit(t: PaymentTransfer) -> Line:
    return Line(t.amount_cents, "DBIT", t.end_to_end_id, t.iban, t.creditor_name)


def returned(t: PaymentTransfer, reason: str) -> Line:
    return Line(t.amount_cents, "CRDT", t.end_to_end_id, t.iban, t.creditor_name, reason)


def _amount(cents: int) -> str:
    return f"{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _balance(code: str, cents: int, day: date) -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{_amount(cents)}</Amt>'
        f"<CdtDbtInd>{'CRDT' if cents >= 0 else 'DBIT'}</CdtDbtInd>"
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def _entry(n: int, line: Line, day: date) -> str:
    said = repr((line.amount_cents, line.direction, line.end_to_end_id, line.iban, day))
    ref = "DEMO" + hashlib.sha256(said.encode()).hexdigest()[:14].upper()
    domain, family, sub = RETURNED if line.return_reason else SENT
    reason = (
        f"<RtrInf><Rsn><Cd>{line.return_reason}</Cd></Rsn></RtrInf>" if line.return_reason else ""
    )
    return (
        f'<Ntry><NtryRef>{n}</NtryRef><Amt Ccy="EUR">{_amount(line.amount_cents)}</Amt>'
        f"<CdtDbtInd>{line.direction}</CdtDbtInd><Sts>BOOK</Sts>"
        f"<BookgDt><Dt>{day.isoformat()}</Dt></BookgDt><ValDt><Dt>{day.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd>"
        f"</Fmly></Domn></BkTxCd>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>{escape(line.end_to_end_id)}</EndToEndId></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{_amount(line.amount_cents)}</Amt></TxAmt></AmtDtls>'
        f"<RltdPties><Cdtr><Nm>{escape(line.creditor[:70])}</Nm></Cdtr>"
        f"<CdtrAcct><Id><IBAN>{line.iban}</IBAN></Id></CdtrAcct></RltdPties>"
        f"<RmtInf><Ustrd>VIR SEPA PASS NUMERIQUE</Ustrd></RmtInf>{reason}</TxDtls></NtryDtls>"
        f"</Ntry>"
    )


def statement(session: Session, day: date, number: int, lines: list[Line]) -> bytes:
    """The end-of-day statement of ``day`` (the ``number``-th of the year), opening at the
    books' balance of the day before."""
    own = settings.debtor().iban
    opening = reconciliation.books_balance(session, date.fromordinal(day.toordinal() - 1))
    closing = opening + sum(line.signed for line in lines)
    stamp = f"{day.isoformat()}T20:00:00"
    entries = "".join(_entry(i + 1, line, day) for i, line in enumerate(lines))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>DEMO{day:%Y%m%d}{number:03d}</MsgId><CreDtTm>{stamp}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{day.year}-{number:03d}</Id><ElctrncSeqNb>{number}</ElctrncSeqNb>"
        f"<CreDtTm>{stamp}</CreDtTm><Acct><Id><IBAN>{own}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{_balance('OPBD', opening, day)}{_balance('CLBD', closing, day)}{entries}"
        f"</Stmt></BkToCstmrStmt></Document>"
    ).encode()
