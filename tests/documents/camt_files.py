"""camt.053 / camt.054 files made for the tests, shaped like a French bank's: a debit per
transfer (or one batch debit with its details), returns as credits with return reasons."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from voucher.services.finance.settings import DEMO_DEBTOR

#: the operator's account (the configured debtor's: a file for another account is refused)
OUR_IBAN = DEMO_DEBTOR["IBAN"]


@dataclass(frozen=True)
class Line:
    amount_cents: int
    direction: str = "DBIT"  # DBIT or CRDT
    e2e: str | None = None
    iban: str | None = None
    booked: date = date(2026, 6, 4)
    return_reason: str | None = None
    status: str = "BOOK"
    info: str = "VIR SEPA"
    #: the bank's reference of the line; by default derived from what the line says, so the
    #: same line reported in a camt.054 and again in a camt.053 carries the same reference
    ref: str | None = None
    fee: bool = False  # coded as the bank's charges
    party: str | None = None  # the other party's name (debtor of a credit, creditor of a debit)
    #: what a return says of the original transfer: instruction id, the bank's transaction id
    instr_id: str | None = None
    tx_id: str | None = None

    @property
    def reference(self) -> str:
        if self.ref is not None:
            return self.ref
        said = repr((self.amount_cents, self.direction, self.e2e, self.iban, self.booked))
        said += repr((self.return_reason, self.status, self.info, self.fee))
        if self.instr_id or self.tx_id:
            said += repr((self.instr_id, self.tx_id))
        return "BQ" + hashlib.sha256(said.encode()).hexdigest()[:14].upper()


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _details(line: Line, modern: bool) -> str:
    if (
        line.e2e is None
        and line.iban is None
        and line.return_reason is None
        and not line.party
        and not (line.instr_id or line.tx_id)
    ):
        return ""
    amount = (
        f'<Amt Ccy="EUR">{_amount(line.amount_cents)}</Amt>'
        if modern
        else f'<AmtDtls><TxAmt><Amt Ccy="EUR">{_amount(line.amount_cents)}</Amt></TxAmt></AmtDtls>'
    )
    refs = "".join(
        f"<{tag}>{escape(value)}</{tag}>"
        for tag, value in (
            ("InstrId", line.instr_id),
            ("EndToEndId", line.e2e),
            ("TxId", line.tx_id),
        )
        if value
    )
    refs = f"<Refs>{refs}</Refs>" if refs else ""
    role = "Dbtr" if line.direction == "CRDT" else "Cdtr"
    name = f"<{role}><Nm>{escape(line.party)}</Nm></{role}>" if line.party else ""
    account = f"<CdtrAcct><Id><IBAN>{line.iban}</IBAN></Id></CdtrAcct>" if line.iban else ""
    parties = f"<RltdPties>{name}{account}</RltdPties>" if name or account else ""
    ret = f"<RtrInf><Rsn><Cd>{line.return_reason}</Cd></Rsn></RtrInf>" if line.return_reason else ""
    return (
        f"<NtryDtls><TxDtls>{refs}{amount}{parties}<RmtInf><Ustrd>{escape(line.info)}</Ustrd></RmtInf>"
        f"{ret}</TxDtls></NtryDtls>"
    )


def _code(line: Line) -> str:
    if not line.fee:
        return "<BkTxCd/>"
    return (
        "<BkTxCd><Domn><Cd>ACMT</Cd><Fmly><Cd>MDOP</Cd><SubFmlyCd>CHRG</SubFmlyCd></Fmly>"
        "</Domn></BkTxCd>"
    )


def _entry(n: int, line: Line, modern: bool) -> str:
    status = f"<Sts><Cd>{line.status}</Cd></Sts>" if modern else f"<Sts>{line.status}</Sts>"
    return (
        f'<Ntry><NtryRef>{n}</NtryRef><Amt Ccy="EUR">{_amount(line.amount_cents)}</Amt>'
        f"<CdtDbtInd>{line.direction}</CdtDbtInd>{status}<BookgDt><Dt>{line.booked.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{line.booked.isoformat()}</Dt></ValDt><AcctSvcrRef>{line.reference}</AcctSvcrRef>"
        f"{_code(line)}{_details(line, modern)}</Ntry>"
    )


def _balance(code: str, cents: int, day: date) -> str:
    side = "CRDT" if cents >= 0 else "DBIT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{_amount(abs(cents))}</Amt><CdtDbtInd>{side}</CdtDbtInd>'
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def camt053(
    lines: list[Line],
    version: str = "001.02",
    account: str = OUR_IBAN,
    *,
    opening: int | None = None,
    day: date | None = None,
    number: str = "1",
) -> bytes:
    """A statement; with ``opening`` (signed cents) it states its opening balance and the
    closing balance the lines lead to, on ``day`` (default: the last line's booking day)."""
    modern = version >= "001.08"
    entries = "".join(_entry(i + 1, ln, modern) for i, ln in enumerate(lines))
    if opening is not None:
        day = day or max((ln.booked for ln in lines), default=date(2026, 6, 4))
        moved = sum(ln.amount_cents * (1 if ln.direction == "CRDT" else -1) for ln in lines)
        entries = _balance("OPBD", opening, day) + _balance("CLBD", opening + moved, day) + entries
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.{version}">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>STMT1</MsgId><CreDtTm>2026-06-05T06:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>S{number}</Id><ElctrncSeqNb>{number}</ElctrncSeqNb><CreDtTm>2026-06-05T06:00:00</CreDtTm>"
        f"<Acct><Id><IBAN>{account}</IBAN></Id></Acct>{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def camt054(
    lines: list[Line], version: str = "001.08", account: str = OUR_IBAN, *, number: str = "1"
) -> bytes:
    modern = version >= "001.08"
    entries = "".join(_entry(i + 1, ln, modern) for i, ln in enumerate(lines))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.{version}">'
        f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId><CreDtTm>2026-06-05T06:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>N{number}</Id><CreDtTm>2026-06-05T06:00:00</CreDtTm><Acct><Id><IBAN>{account}</IBAN></Id></Acct>"
        f"{entries}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def batch_debit(
    parts: list[tuple[int, str, str]], booked: date = date(2026, 6, 4), account: str = OUR_IBAN
) -> bytes:
    """One booked debit for a whole run, with one TxDtls per transfer (amount, e2e, iban)."""
    total = sum(a for a, _, _ in parts)
    details = "".join(
        f'<TxDtls><Refs><EndToEndId>{e}</EndToEndId></Refs><Amt Ccy="EUR">{_amount(a)}</Amt>'
        f"<RltdPties><CdtrAcct><Id><IBAN>{i}</IBAN></Id></CdtrAcct></RltdPties></TxDtls>"
        for a, e, i in parts
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        f"<BkToCstmrStmt><GrpHdr><MsgId>B1</MsgId><CreDtTm>2026-06-05T06:00:00</CreDtTm></GrpHdr><Stmt><Id>S</Id>"
        f"<Acct><Id><IBAN>{account}</IBAN></Id></Acct>"
        f'<Ntry><Amt Ccy="EUR">{_amount(total)}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<BookgDt><Dt>{booked.isoformat()}</Dt></BookgDt><NtryDtls><Btch><NbOfTxs>{len(parts)}</NbOfTxs></Btch>"
        f"{details}</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"
    ).encode()
