"""A small, safe reader of bank statements: camt.053 (statement) and camt.054
(debit/credit notification), any version.

Rules kept:

* nothing a bank file declares is trusted: parsed by defusedxml with DTDs, entity
  declarations and external references forbidden (no billion laughs, no XXE), after a size
  limit; an empty, oversized, unsafe, malformed or wrongly-encoded file, or a file whose
  root is not a camt.053/054 ``Document`` (by namespace), or a file with neither a line nor
  a closing balance, is refused with a stable code;
* element names are read by their local name, so every published version
  (``camt.053.001.02`` to ``.13``) reads the same;
* amounts are parsed as decimal text into integer cents (never floats); one line per
  transaction detail (``TxDtls``), or per entry when it has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from voucher.domain.bank import BankLine
from voucher.domain.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024
MAX_LINES = 100_000
#: ISO bank transaction (sub-)family codes of the bank's own charges
FEE_CODES = frozenset({"CHRG", "FEES", "COMM", "COMT", "INTR"})
NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.\d{3}\.\d{2}$")
AMOUNT = re.compile(r"^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$")


@dataclass(frozen=True)
class Balances:
    """A statement's (camt.053 ``Stmt``) number and balances, in signed cents (credit
    positive); ``None`` when the file does not give them."""

    number: str | None
    opening: int | None
    closing: int | None
    closing_date: date | None


@dataclass(frozen=True)
class BankFile:
    kind: str  # camt.053 or camt.054
    version: str
    account_iban: str | None
    lines: list[BankLine]
    #: every account the file reports on (IBAN, spaces removed, upper case; "" if absent)
    accounts: tuple[str, ...] = ()
    #: per report: (opening, closing) balances in signed cents (camt.053 OPBD / CLBD)
    balances: tuple[Balances, ...] = ()


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(node: Any, name: str) -> list[Any]:
    return [c for c in node if _local(c.tag) == name]


def _kid(node: Any, *path: str) -> Any:
    for name in path:
        if node is None:
            return None
        found = _kids(node, name)
        node = found[0] if found else None
    return node


def _text(node: Any, *path: str) -> str | None:
    found = _kid(node, *path)
    value = (found.text or "").strip() if found is not None else ""
    return value or None


def _all(node: Any, name: str) -> list[Any]:
    return [n for n in node.iter() if _local(n.tag) == name]


def _cents(node: Any) -> tuple[int, str] | None:
    if node is None:
        return None
    m = AMOUNT.match(node.text or "")
    if not m and (node.text or "").strip().startswith("-"):
        raise DomainError("bank_file_negative_amount", amount=(node.text or "").strip()[:20])
    if not m:
        raise DomainError("bank_file_malformed", detail="montant illisible")
    return int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0")), node.get("Ccy", "EUR")


def _date(node: Any) -> date | None:
    raw = _text(node, "Dt") or (_text(node, "DtTm") or "")[:10]
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise DomainError("bank_file_malformed", detail="date illisible") from None


def _parse(data: bytes) -> Any:
    if not data or not data.strip():
        raise DomainError("bank_file_empty")
    if len(data) > MAX_BYTES:
        raise DomainError("bank_file_too_large")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise DomainError("bank_file_unsafe") from None
    except (SyntaxError, ValueError, LookupError, UnicodeError):  # ParseError is a SyntaxError
        raise DomainError("bank_file_malformed") from None


def _tx_amount(tx: Any) -> tuple[int, str] | None:
    return (
        _cents(_kid(tx, "Amt"))
        or _cents(_kid(tx, "AmtDtls", "TxAmt", "Amt"))
        or _cents(_kid(tx, "AmtDtls", "InstdAmt", "Amt"))
    )


def _is_fee(entry: Any) -> bool:
    codes = {
        (_text(entry, "BkTxCd", "Domn", "Fmly", "Cd") or "").upper(),
        (_text(entry, "BkTxCd", "Domn", "Fmly", "SubFmlyCd") or "").upper(),
    }
    return bool(codes & FEE_CODES)


def _counterparty(tx: Any, direction: str) -> str | None:
    """The other party's name: the creditor of our debit, the debtor of a credit."""
    if tx is None:
        return None
    first, second = ("Cdtr", "Dbtr") if direction == "DBIT" else ("Dbtr", "Cdtr")
    for role in (first, second):
        name = _text(tx, "RltdPties", role, "Nm") or _text(tx, "RltdPties", role, "Pty", "Nm")
        if name:
            return name[:140]
    return None


def _original_refs(tx: Any) -> tuple[str, ...]:
    """What a return says of the original transfer: its instruction id, the bank's
    transaction id, the return's additional information (each as given, trimmed)."""
    if tx is None:
        return ()
    found = [
        _text(tx, "Refs", "InstrId"),
        _text(tx, "Refs", "TxId"),
        _text(tx, "RtrInf", "AddtlInf"),
    ]
    return tuple(dict.fromkeys(v.strip() for v in found if v and v.strip() != "NOTPROVIDED"))


def _lines_of(entry: Any, start: int) -> list[BankLine]:
    amount, currency = _cents(_kid(entry, "Amt")) or (0, "EUR")
    direction = (_text(entry, "CdtDbtInd") or "").upper()
    status = (_text(entry, "Sts", "Cd") or _text(entry, "Sts") or "BOOK").upper()
    reversal = (_text(entry, "RvslInd") or "").lower() == "true"
    booked = _date(_kid(entry, "BookgDt")) or _date(_kid(entry, "ValDt"))
    details = [tx for d in _kids(entry, "NtryDtls") for tx in _all(d, "TxDtls")] or [None]
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    out = []
    for n, tx in enumerate(details):
        reference = (_text(tx, "Refs", "AcctSvcrRef") if tx is not None else None) or (
            entry_ref and (entry_ref if len(details) == 1 else f"{entry_ref}/{n + 1}")
        )
        own = _tx_amount(tx) if tx is not None else None
        tx_amount, tx_ccy = own or ((amount, currency) if len(details) == 1 else (0, currency))
        e2e = _text(tx, "Refs", "EndToEndId") if tx is not None else None
        ibans = (
            tuple(sorted({(i.text or "").replace(" ", "").upper() for i in _all(tx, "IBAN")}))
            if tx is not None
            else ()
        )
        out.append(
            BankLine(
                index=start + n,
                amount_cents=tx_amount,
                currency=tx_ccy,
                end_to_end_id=None if e2e == "NOTPROVIDED" else e2e,
                ibans=ibans,
                return_reason=_text(tx, "RtrInf", "Rsn", "Cd") if tx is not None else None,
                reference=reference[:140] if reference else None,
                info=(_text(tx, "RmtInf", "Ustrd") if tx is not None else None)
                or _text(entry, "AddtlNtryInf"),
                direction=direction,
                booked=status == "BOOK",
                reversal=reversal,
                booking_date=booked,
                counterparty=_counterparty(tx, direction),
                fee=_is_fee(entry),
                original_refs=_original_refs(tx),
            )
        )
    return out


def read(data: bytes) -> BankFile:
    """Parse a camt.053/054 file or raise a ``bank_file_*`` refusal."""
    root = _parse(data)
    ns = (
        root.tag[1:].split("}", 1)[0]
        if isinstance(root.tag, str) and root.tag.startswith("{")
        else ""
    )
    m = NAMESPACE.match(ns)
    if _local(root.tag) != "Document" or not m:
        raise DomainError("bank_file_not_camt")
    container = (
        _kid(root, "BkToCstmrStmt")
        if m.group(1) == "camt.053"
        else _kid(root, "BkToCstmrDbtCdtNtfctn")
    )
    if container is None:
        raise DomainError("bank_file_not_camt")
    reports = _kids(container, "Stmt") + _kids(container, "Ntfctn")
    if not reports:
        raise DomainError("bank_file_no_statement")
    lines: list[BankLine] = []
    accounts = tuple(
        (_text(r, "Acct", "Id", "IBAN") or "").replace(" ", "").upper() for r in reports
    )
    for report in reports:
        for entry in _kids(report, "Ntry"):
            lines += _lines_of(entry, len(lines))
            if len(lines) > MAX_LINES:
                raise DomainError("bank_file_too_large")
    balances = tuple(_balances(r) for r in _kids(container, "Stmt"))
    if not lines and not any(b.closing is not None for b in balances):
        raise DomainError("bank_file_no_lines")  # nothing to record: not an empty import
    account = next((a for a in accounts if a), None)
    return BankFile(m.group(1), ns.rsplit(":", 1)[-1], account, lines, accounts, balances)


def _balance(report: Any, code: str) -> tuple[int, date | None] | None:
    for bal in _kids(report, "Bal"):
        kind = _text(bal, "Tp", "CdOrPrtry", "Cd") or _text(bal, "Tp", "CdOrPrtry", "Prtry")
        if (kind or "").upper() != code:
            continue
        found = _cents(_kid(bal, "Amt"))
        if found is None:
            return None
        sign = -1 if (_text(bal, "CdtDbtInd") or "CRDT").upper() == "DBIT" else 1
        return sign * found[0], _date(_kid(bal, "Dt"))
    return None


def _balances(report: Any) -> Balances:
    opening = _balance(report, "OPBD") or _balance(report, "PRCD")
    closing = _balance(report, "CLBD")
    return Balances(
        _text(report, "ElctrncSeqNb") or _text(report, "LglSeqNb") or _text(report, "Id"),
        opening[0] if opening else None,
        closing[0] if closing else None,
        closing[1] if closing else None,
    )
