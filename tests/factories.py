"""Small factories building a realistic world through the services (never raw inserts)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from voucher.db.models import Batch, Organisation, Programme
from voucher.services.context import Actor
from voucher.services.issuance import batches, funds, handout
from voucher.services.organisations import organisations
from voucher.services.programmes import programmes

ACTOR = Actor(label="test", user_id=1)
#: a second person, for what four eyes must see (bank details validated by someone else)
SECOND = Actor(label="second", user_id=2)
KEY = b"test-pseudonym-key-not-secret"
_seq = itertools.count(1)


def siret() -> str:
    """A fresh valid SIRET: Luhn-valid SIREN, then Luhn over the 14 digits."""
    from stdnum import luhn

    n = next(_seq)
    base = f"{40000000 + n:08d}"
    siren = base + luhn.calc_check_digit(base)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


def address() -> organisations.Address:
    return organisations.Address(
        street_number="12", street="rue de la République", postcode="86000", town="Poitiers"
    )


def funder(session: Session, name: str = "Fondation Test") -> Organisation:
    return organisations.create_organisation(
        session, ACTOR, name=name, siret=siret(), address=address(), roles={"funder"}
    )


def prescriber(session: Session, name: str = "Mission Locale Test") -> Organisation:
    return organisations.create_organisation(
        session,
        ACTOR,
        name=name,
        siret=siret(),
        address=address(),
        commune_insee="86194",
        roles={"prescriber"},
    )


def structure(
    session: Session,
    name: str = "EPN Test",
    *,
    commune: str = "86194",
    label: str | None = "Pass numérique",
    since: date = date(2020, 1, 1),
) -> Organisation:
    org = organisations.create_organisation(
        session,
        ACTOR,
        name=name,
        siret=siret(),
        address=address(),
        commune_insee=commune,
        density_class=1,
        roles={"structure"},
    )
    if label:
        organisations.add_label(session, ACTOR, org.id, label, since)
    return org


#: Tests about something else (concurrency, the stateful model, drills, benchmarks) scan
#: whole books at one structure within seconds, which the fraud rules rightly hold. Their
#: programmes switch those rules off; the fraud tests pass ``fraud_thresholds={}`` (defaults).
QUIET_RULES = {
    "book_per_day": {"active": False},
    "beneficiary_per_day": {"active": False},
    "whole_book": {"active": False},
}


def programme(
    session: Session, funders: list[tuple[Organisation, int]], **overrides: object
) -> Programme:
    overrides.setdefault("fraud_thresholds", {k: dict(v) for k, v in QUIET_RULES.items()})
    spec = programmes.ProgrammeSpec(
        name=str(overrides.pop("name", "Pass numérique test")),
        face_value_cents=1000,
        vouchers_per_book=10,
        valid_from=date(2020, 1, 1),
        valid_until=date(2099, 12, 31),
        funders=[(f.id, bp) for f, bp in funders],
    )
    for k, v in overrides.items():
        setattr(spec, k, v)
    return programmes.create_programme(session, ACTOR, spec)


@dataclass
class World:
    funder_a: Organisation
    funder_b: Organisation
    programme: Programme
    prescriber: Organisation
    structure: Organisation
    batch: Batch


def world(
    session: Session, *, books: int = 3, activate: bool = True, **programme_overrides: object
) -> World:
    fa, fb = funder(session, "Fondation A"), funder(session, "Département B")
    prog = programme(session, [(fa, 5000), (fb, 5000)], **programme_overrides)
    presc = prescriber(session)
    struct = structure(session)
    batch = batches.issue_batch(
        session, ACTOR, programme_id=prog.id, prescriber_id=presc.id, books=books
    )
    if activate:
        total = books * prog.vouchers_per_book * prog.face_value_cents
        for f in (fa, fb):
            funds.record_funds_received(
                session,
                ACTOR,
                programme_id=prog.id,
                funder_id=f.id,
                amount_cents=total,
                received_on=date(2026, 1, 5),
            )
        batches.activate_batch(session, ACTOR, batch.id)
    return World(fa, fb, prog, presc, struct, batch)


def profile(ref: str = "dossier-1", **kw: object) -> handout.Profile:
    base = dict(
        local_reference=ref,
        population="seniors",
        age_band="soixante_dix_plus",
        social_status="retraite",
        commune_insee="86194",
        density_class=3,
        consent=True,
    )
    base.update(kw)
    return handout.Profile(**base)  # type: ignore[arg-type]
