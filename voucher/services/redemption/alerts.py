"""Fraud alerts (flags): raise one, list them with filters, export them as CSV.

Every verdict recorded with a scan and every alert raised on a refused scan becomes one
``fraud_flag`` row; rows are never updated or deleted. Reading is scoped (a funder sees the
flags of its programmes; alerts without a programme, such as a guessing lock, are for
operator-wide finance staff only). CSV comes in two dialects: ``open`` (UTF-8, comma) and
``excel`` (UTF-8 with BOM, semicolon, for French Excel); cells that a spreadsheet would
read as a formula are neutralised with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, aliased

from voucher.db.models import FraudFlag, Organisation, Programme
from voucher.domain import fraud
from voucher.domain.calendar import PARIS, end_of_paris_day_utc, utcnow
from voucher.domain.errors import DomainError
from voucher.services.access.programme_scope import Scope

FLAGS = cast(Table, FraudFlag.__table__)
_NEW_FLAG = insert(FLAGS)
SEVERITY_FR = {"low": "faible", "medium": "moyenne", "high": "haute"}
OUTCOME_FR = {"flag": "signalé", "hold": "retenu", "refuse": "refusé"}


def raise_flag(
    session: Session,
    rule: str,
    outcome: str,
    severity: str,
    *,
    programme_id: int | None = None,
    structure_id: int | None = None,
    redemption_id: int | None = None,
    voucher_id: int | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    session.connection().execute(
        _NEW_FLAG,
        dict(
            at=at or utcnow(),
            rule=rule,
            outcome=outcome,
            severity=severity,
            programme_id=programme_id,
            structure_id=structure_id,
            redemption_id=redemption_id,
            voucher_id=voucher_id,
            details=details or {},
        ),
    )


@dataclass(frozen=True)
class FlagFilter:
    programme_id: int | None = None
    structure_id: int | None = None
    rule: str | None = None
    severity: str | None = None
    since: date | None = None  # Europe/Paris days, inclusive
    until: date | None = None

    def check(self) -> None:
        if self.rule is not None and self.rule not in fraud.RULES:
            raise DomainError("invalid_value", field="rule")
        if self.severity is not None and self.severity not in fraud.SEVERITIES:
            raise DomainError("invalid_value", field="severity")
        if self.since and self.until and self.until < self.since:
            raise DomainError("invalid_dates")


@dataclass(frozen=True)
class FlagRow:
    id: int
    at: datetime
    rule: str
    outcome: str
    severity: str
    programme_id: int | None
    programme_name: str | None
    structure_id: int | None
    structure_name: str | None
    redemption_id: int | None
    details: dict[str, Any]

    @property
    def title(self) -> str:
        rule = fraud.RULES.get(self.rule)
        return rule.title if rule else self.rule


def list_flags(
    session: Session, scope: Scope, filt: FlagFilter, *, limit: int = 1000
) -> list[FlagRow]:
    """Newest first, at most ``limit`` rows."""
    filt.check()
    structure = aliased(Organisation)
    q = (
        select(FraudFlag, Programme.name, structure.name)
        .outerjoin(Programme, Programme.id == FraudFlag.programme_id)
        .outerjoin(structure, structure.id == FraudFlag.structure_id)
        .where(scope.where(FraudFlag.programme_id))
        .order_by(FraudFlag.at.desc(), FraudFlag.id.desc())
        .limit(limit)
    )
    if filt.programme_id is not None:
        q = q.where(FraudFlag.programme_id == filt.programme_id)
    if filt.structure_id is not None:
        q = q.where(FraudFlag.structure_id == filt.structure_id)
    if filt.rule:
        q = q.where(FraudFlag.rule == filt.rule)
    if filt.severity:
        q = q.where(FraudFlag.severity == filt.severity)
    if filt.since:
        q = q.where(
            FraudFlag.at >= end_of_paris_day_utc(date.fromordinal(filt.since.toordinal() - 1))
        )
    if filt.until:
        q = q.where(FraudFlag.at < end_of_paris_day_utc(filt.until))
    return [
        FlagRow(
            f.id,
            f.at,
            f.rule,
            f.outcome,
            f.severity,
            f.programme_id,
            pname,
            f.structure_id,
            sname,
            f.redemption_id,
            dict(f.details or {}),
        )
        for f, pname, sname in session.execute(q)
    ]


HEADER = [
    "id",
    "date",
    "regle",
    "intitule",
    "issue",
    "gravite",
    "dispositif_id",
    "dispositif",
    "lieu_id",
    "lieu",
    "scan_id",
    "details",
]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(rows: list[FlagRow], dialect: str = "excel") -> bytes:
    if dialect not in ("excel", "open"):
        raise DomainError("invalid_value", field="dialect")
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if dialect == "excel" else ",", lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    r.id,
                    r.at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M"),
                    r.rule,
                    r.title,
                    OUTCOME_FR.get(r.outcome, r.outcome),
                    SEVERITY_FR.get(r.severity, r.severity),
                    r.programme_id,
                    r.programme_name,
                    r.structure_id,
                    r.structure_name,
                    r.redemption_id,
                    json.dumps(r.details, ensure_ascii=False, sort_keys=True),
                )
            ]
        )
    text = buf.getvalue()
    return ("\ufeff" + text if dialect == "excel" else text).encode("utf-8")
