"""Bank settlement: matching the lines of a camt.053/054 file to our transfers (pure).

Rules kept here (the service records each bank line once, by the bank's own reference):

* a line carries the bank's reference (``AcctSvcrRef`` / ``NtryRef``): a line whose
  reference was already received (in an earlier file, or earlier in the same file) is a
  **repeat** and changes nothing — the same line reported in the intraday camt.054 and again
  in the end-of-day camt.053 is one line;
* a line settles a transfer first by EndToEndId; an EndToEndId that is ours (known, or of our
  ``REL-…`` shape) **never** falls back to amount matching: if its transfer is no longer
  open the line is *already settled* (or listed for a person when it is a late return);
* without an EndToEndId, a debit matches on amount + IBAN + date, exactly one candidate,
  booked within the window, and only among transfers still **sent**: a settled transfer is
  never reopened by an amount match;
* a **return** without our EndToEndId is matched only by what names the original transfer:
  the original instruction id (our EndToEndId, reported as ``InstrId`` or in the return
  information) or the bank's reference of the original debit (``TxId``, ``AddtlInf``); with
  neither it stays unmatched for a person, **never** matched on amount alone;
* a debit booked is *paid*, a credit carrying return information or a reversal is
  *rejected* (or *returned* when the transfer was already paid); anything else is listed as
  unmatched; a debit the bank codes as its own charges is a *fee*.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from voucher.domain.calendar import PARIS

#: a bank line matched on amount + IBAN must be booked within this window around execution
MATCH_WINDOW_BEFORE = timedelta(days=3)
MATCH_WINDOW_AFTER = timedelta(days=45)
#: the shape of the EndToEndIds we write (see :func:`voucher.domain.finance.end_to_end_id`)
OUR_E2E = re.compile(r"^(REL-\d{4}-\d{6}|RBT-AV-\d{4}-\d{4})-\d+$")


@dataclass(frozen=True)
class BankLine:
    """One transaction read from a camt.053/054 file (amounts in cents, always positive).

    ``reference`` is the bank's own reference of the line (the transaction's
    ``AcctSvcrRef``, else the entry's ``AcctSvcrRef`` or ``NtryRef``, numbered when one
    entry holds several transactions)."""

    index: int
    amount_cents: int
    currency: str
    direction: str  # DBIT (money left our account) or CRDT
    booked: bool
    reversal: bool
    booking_date: date | None
    end_to_end_id: str | None
    ibans: tuple[str, ...]
    return_reason: str | None
    reference: str | None
    info: str | None
    counterparty: str | None = None
    fee: bool = False  # the bank's own charges (bank transaction code CHRG, FEES, COMM…)
    #: what a return says of the original transfer: instruction id, bank references
    original_refs: tuple[str, ...] = ()

    @property
    def is_return(self) -> bool:
        return self.direction == "CRDT" and (self.reversal or self.return_reason is not None)

    @property
    def recordable(self) -> bool:
        """Booked in euro: a real movement of our account, recorded once."""
        return self.booked and self.currency == "EUR"


@dataclass(frozen=True)
class OpenTransfer:
    id: int
    end_to_end_id: str
    amount_cents: int
    iban: str
    execution_date: date
    status: str  # sent or paid


@dataclass(frozen=True)
class Match:
    line: BankLine
    transfer_id: int | None
    outcome: str  # paid, rejected, returned, already_settled, repeat, unmatched
    matched_by: str | None = None  # end_to_end_id, amount_iban_date, original_reference
    note: str | None = None


def _by_amount(line: BankLine, transfers: Sequence[OpenTransfer]) -> list[OpenTransfer]:
    if line.booking_date is None:
        return []
    return [
        t
        for t in transfers
        if t.amount_cents == line.amount_cents
        and t.iban in line.ibans
        and t.execution_date - MATCH_WINDOW_BEFORE
        <= line.booking_date
        <= t.execution_date + MATCH_WINDOW_AFTER
    ]


def _outcome(line: BankLine, status: str) -> str:
    if line.is_return:
        return {"sent": "rejected", "paid": "returned"}.get(status, "already_settled")
    return "paid" if status == "sent" else "already_settled"


def _not_open(line: BankLine, known: Mapping[str, tuple[int, str]]) -> Match:
    """A line naming one of our EndToEndIds whose transfer is not open: never guessed."""
    e2e = line.end_to_end_id or ""
    if e2e not in known:
        return Match(line, None, "unmatched", "end_to_end_id", "identifiant de virement inconnu")
    tid, status = known[e2e]
    if line.is_return and status == "paid":
        return Match(
            line,
            tid,
            "unmatched",
            "end_to_end_id",
            "retour hors délai : à examiner par une personne",
        )
    return Match(line, tid, "already_settled", "end_to_end_id", f"virement déjà {status}")


def match_lines(
    lines: Sequence[BankLine],
    transfers: Sequence[OpenTransfer],
    *,
    known: Mapping[str, tuple[int, str]] | None = None,
    seen: frozenset[str] = frozenset(),
    originals: Mapping[str, int] | None = None,
) -> list[Match]:
    """Match each bank line to at most one open transfer, in file order: a debit then its
    return in the same file give *paid* then *returned*; a line seen twice is *repeat*
    (same bank reference) or *already_settled* (same transfer).

    ``known`` maps every EndToEndId we ever sent to (transfer id, status); ``seen`` holds
    the bank references already recorded for this account; ``originals`` maps the bank
    reference of each debit that paid one of our transfers to that transfer."""
    by_e2e = {t.end_to_end_id: t for t in transfers}
    known = known or {}
    originals = originals or {}
    state = {t.id: t.status for t in transfers}
    refs = set(seen)
    out: list[Match] = []
    for line in lines:
        if not line.recordable:
            out.append(
                Match(line, None, "unmatched", note="écriture non comptabilisée ou hors euro")
            )
            continue
        if line.reference is not None:
            if line.reference in refs:
                out.append(Match(line, None, "repeat", note="ligne déjà reçue (même référence)"))
                continue
            refs.add(line.reference)
        if line.fee and line.direction == "DBIT" and not line.end_to_end_id:
            out.append(Match(line, None, "fee", note="frais bancaires"))
            continue
        if not line.is_return and line.direction != "DBIT":
            out.append(Match(line, None, "unmatched", note="crédit sans lien avec un virement"))
            continue
        e2e = line.end_to_end_id or ""
        if e2e and e2e not in by_e2e and (e2e in known or OUR_E2E.match(e2e)):
            out.append(_not_open(line, known))
            continue
        if line.is_return and e2e not in by_e2e:
            found, how, note, late = _original(line, by_e2e, known, originals, transfers)
            if late is not None:
                out.append(late)
                continue
        else:
            found, how, note = _find(line, transfers, state, by_e2e)
        if found is None:
            out.append(Match(line, None, "unmatched", note=note))
            continue
        if found.amount_cents != line.amount_cents:
            out.append(
                Match(line, found.id, "unmatched", how, note="montant différent du virement")
            )
            continue
        outcome = _outcome(line, state[found.id])
        if outcome != "already_settled":
            state[found.id] = outcome
        out.append(Match(line, found.id, outcome, how))
    return out


def _find(
    line: BankLine,
    transfers: Sequence[OpenTransfer],
    state: dict[int, str],
    by_e2e: dict[str, OpenTransfer],
) -> tuple[OpenTransfer | None, str, str | None]:
    found = by_e2e.get(line.end_to_end_id or "")
    if found is not None:
        return found, "end_to_end_id", None
    pool = [t for t in _by_amount(line, transfers) if state[t.id] == "sent"]
    if len(pool) > 1:
        return None, "", "plusieurs virements possibles"
    if not pool:
        return None, "", "aucun virement correspondant"
    return pool[0], "amount_iban_date", None


def _original(
    line: BankLine,
    by_e2e: dict[str, OpenTransfer],
    known: Mapping[str, tuple[int, str]],
    originals: Mapping[str, int],
    transfers: Sequence[OpenTransfer],
) -> tuple[OpenTransfer | None, str, str | None, Match | None]:
    """A return without our EndToEndId: the transfer its original references name (exactly
    one), or nothing — never an amount match. The fourth value is the final answer when the
    named transfer is no longer open."""
    named: set[int] = set()
    for ref in line.original_refs:
        if ref in by_e2e:
            named.add(by_e2e[ref].id)
        elif ref in known:
            named.add(known[ref][0])
        elif ref in originals:
            named.add(originals[ref])
    if not named:
        return None, "", "retour sans référence d'origine : à rapprocher par une personne", None
    if len(named) > 1:
        return None, "", "retour aux références contradictoires : à examiner", None
    tid = named.pop()
    found = next((t for t in transfers if t.id == tid), None)
    if found is not None:
        return found, "original_reference", None, None
    status = next((s for i, s in known.values() if i == tid), "réglé")
    if status != "paid":
        late = Match(line, tid, "already_settled", "original_reference", f"virement déjà {status}")
    else:
        late = Match(line, tid, "unmatched", "original_reference", "retour hors délai : à examiner")
    return None, "", None, late


MATCH_FR = {
    "paid": "payé",
    "rejected": "rejeté par la banque",
    "returned": "retourné après paiement",
    "already_settled": "déjà pris en compte",
    "repeat": "ligne déjà reçue",
    "fee": "frais bancaires",
    "funds": "versement d'un financeur (fonds reçus)",
    "unmatched": "non rapproché",
}
#: ISO 20022 return reasons banks commonly give for a rejected transfer
RETURN_REASONS_FR = {
    "AC01": "IBAN incorrect",
    "AC04": "compte clôturé",
    "AC06": "compte bloqué",
    "AG01": "opération interdite sur ce compte",
    "AG02": "code opération invalide",
    "AM05": "virement en double",
    "BE04": "adresse du bénéficiaire manquante",
    "MD07": "titulaire décédé",
    "MS02": "refus du bénéficiaire",
    "MS03": "motif non précisé",
    "RC01": "BIC incorrect",
    "RR01": "identification du titulaire manquante",
    "RR03": "nom ou adresse du bénéficiaire manquant",
    "FOCR": "retour après demande d'annulation",
}
#: returns that say the account itself cannot be paid: its bank details are suspended
SUSPENDING_REASONS = frozenset({"AC01", "AC04", "AC06", "AG01", "MD07", "RC01", "BE04", "RR01"})


def booking_moment(day: date | None, now: datetime) -> datetime:
    """When a settlement entry is dated: noon (Paris) of the bank's booking day, never
    later than now; now when the bank gave no date."""
    if day is None:
        return now
    return min(datetime.combine(day, time(12), PARIS).astimezone(now.tzinfo), now)


def reason_fr(code: str | None) -> str:
    if not code:
        return "motif non précisé"
    return f"{RETURN_REASONS_FR.get(code.upper(), 'motif bancaire')} ({code.upper()})"
