"""Commune codes recorded before the hand-out checked them against the COG: which codes
the COG does not list, and how many people or organisations carry each (never who)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Beneficiary, Organisation
from voucher.domain import communes


@dataclass(frozen=True)
class BadCode:
    code: str
    beneficiaries: int
    organisations: int
    postcode_of: tuple[str, ...]  # the communes it serves, when it is a postcode


def bad_codes(session: Session) -> list[BadCode]:
    found: dict[str, list[int]] = {}
    for model, i in ((Beneficiary, 0), (Organisation, 1)):
        rows = session.execute(
            select(model.commune_insee, func.count())
            .where(model.commune_insee.is_not(None))
            .group_by(model.commune_insee)
        )
        for code, n in rows:
            if code is not None and communes.get(code) is None:
                found.setdefault(code, [0, 0])[i] += int(n)
    return [
        BadCode(code, b, o, tuple(c.code for c in communes.for_postcode(code)))
        for code, (b, o) in sorted(found.items())
    ]
