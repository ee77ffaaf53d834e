"""The demo pilot's reference world: two funders co-financing one programme of 10 € vouchers
in books of 10 over a rural and an urban zone, its prescribers and structures (labelled,
most with validated bank details), one login per role, and the batches issued, funded and
activated. ALL DATA IS FICTITIOUS."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from voucher.db.models import Batch, Organisation, Programme, User
from voucher.services.access import people as accounts
from voucher.services.context import Actor
from voucher.services.demo.cast import PRESCRIBERS, RURAL, STRUCTURES, URBAN, siret
from voucher.services.finance import funder_invoices
from voucher.services.issuance import batches as issuance
from voucher.services.issuance import funds
from voucher.services.organisations import bank_details, organisations
from voucher.services.programmes import programmes, zones

DEMO_PASSWORD = "demo-pass-numerique"  # noqa: S105 - printed on purpose, demo only
ACTOR = Actor(label="démo")
LABEL = "Pass numérique Vienne"
ADDRESS = organisations.Address(
    street_number="1", street="place de la Mairie", postcode="86000", town="Vienne"
)


@dataclass
class DemoSummary:
    programme_id: int
    books: int = 0
    handed_out: int = 0
    redemptions: int = 0
    refusals: int = 0
    held: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    #: the finance history (:mod:`.history`): months closed, statements paid by the bank,
    #: transfers returned then paid again (EndToEndIds), holds decided
    closed_months: list[str] = field(default_factory=list)
    paid_statements: int = 0
    returned: list[str] = field(default_factory=list)
    repaid: list[str] = field(default_factory=list)
    decided_holds: list[str] = field(default_factory=list)


@dataclass
class Pilot:
    foundation: Organisation
    departement: Organisation
    operator: Organisation
    programme: Programme
    prescribers: list[Organisation] = field(default_factory=list)
    structures: list[Organisation] = field(default_factory=list)


#: funders' seats (fictitious): a refund's SEPA creditor carries a structured address
FUNDER_ADDRESSES = {
    1: organisations.Address(
        street_number="8", street="rue du Faubourg Montmartre", postcode="75009", town="Paris"
    ),
    2: organisations.Address(
        street_number="1", street="place Aristide Briand", postcode="86000", town="Poitiers"
    ),
    3: ADDRESS,
}


def _funder(session: Session, name: str, n: int, role: str = "funder") -> Organisation:
    return organisations.create_organisation(
        session, ACTOR, name=name, siret=siret(n), address=FUNDER_ADDRESSES[n], roles={role}
    )


def _zone(session: Session, name: str, kind: str, communes: list) -> int:
    zone = zones.create_zone(
        session,
        ACTOR,
        name=name,
        kind=kind,
        communes=communes,
        kind_source="density_grid",
        cog_year=2025,
    )
    return zone.id


def _programme(session: Session, year: int, funders: list[Organisation]) -> Programme:
    zone_ids = [
        _zone(session, "Grand Poitiers et Châtellerault", "urban", URBAN),
        _zone(session, "Sud Vienne rural", "rural", RURAL),
    ]
    return programmes.create_programme(
        session,
        ACTOR,
        programmes.ProgrammeSpec(
            name=f"Pass numérique Vienne {year}",
            face_value_cents=1000,
            vouchers_per_book=10,
            valid_from=date(year, 1, 1),
            valid_until=date(year, 12, 31),
            grace_days=31,
            funders=[(f.id, 5000) for f in funders],
            zone_ids=zone_ids,
            label_names=[LABEL],
        ),
    )


def _local(session: Session, name: str, n: int, commune: str, dens: int, role: str):
    return organisations.create_organisation(
        session,
        ACTOR,
        name=name,
        siret=siret(n),
        address=ADDRESS,
        commune_insee=commune,
        density_class=dens,
        density_year=2025,
        roles={role},
    )


def _structure(session: Session, year: int, n: int, row: tuple) -> Organisation:
    name, commune, dens, iban = row
    org = _local(session, name, n, commune, dens, "structure")
    organisations.add_label(session, ACTOR, org.id, LABEL, date(year - 1, 9, 1))
    if iban:
        acc = bank_details.set_bank_details(
            session, ACTOR, org.id, holder_name=name[:70], iban=iban
        )
        bank_details.decide_bank_details(session, ACTOR, acc.id, validate=True)
    return org


def reference(session: Session, year: int) -> Pilot:
    """Funders, operator, zones, the programme, its prescribers and structures."""
    foundation = _funder(session, "Fondation Numérique Solidaire (fictive)", 1)
    departement = _funder(session, "Département de la Vienne (démo)", 2)
    operator = _funder(session, "Opérateur du registre (démo)", 3, role="operator")
    pilot = Pilot(
        foundation, departement, operator, _programme(session, year, [foundation, departement])
    )
    for i, (name, commune, dens, _pop) in enumerate(PRESCRIBERS):
        pilot.prescribers.append(_local(session, name, 10 + i, commune, dens, "prescriber"))
    for i, row in enumerate(STRUCTURES):
        pilot.structures.append(_structure(session, year, 20 + i, row))
    return pilot


def logins(session: Session, pilot: Pilot, summary: DemoSummary) -> dict[str, User]:
    """One account per role, all with :data:`DEMO_PASSWORD`."""
    wanted = [
        ("admin", "Admin Démo", pilot.operator.id, "admin"),
        ("financeur", "Camille (Fondation)", pilot.foundation.id, "funder"),
        ("departement", "Dominique (Département)", pilot.departement.id, "funder"),
        ("prescripteur", "Sacha (Mission Locale)", pilot.prescribers[0].id, "prescriber"),
        ("accueil", "Alex (EPN)", pilot.structures[0].id, "reception"),
        ("accueil-rural", "Lou (Café de Lussac)", pilot.structures[3].id, "reception"),
        ("finance", "Morgan (Finance)", pilot.operator.id, "finance"),  # the operator pays
        ("evaluation", "Noa (Évaluation)", pilot.operator.id, "evaluator"),
    ]
    users = {}
    for login, name, org_id, role in wanted:
        email = f"{login}@demo.pass-numerique.test"
        users[login] = accounts.create_user(
            session,
            ACTOR,
            email=email,
            name=name,
            password=DEMO_PASSWORD,
            grants=[(org_id, role)],
        )
        summary.logins.append((email, role, name))
    return users


def issue_and_fund(
    session: Session, rng: random.Random, pilot: Pilot, start: date, summary: DemoSummary
) -> list[tuple[Organisation, Batch]]:
    """110 to 130 books per prescriber (over 200 handed out per zone: enough for the
    evaluation's intervals to tell the zones' modest gap), fully funded half by each
    funder (a quote and an invoice per batch and funder, each invoice paid), then activated
    and acknowledged."""
    issued = []
    for presc in pilot.prescribers:
        batch = issuance.issue_batch(
            session,
            ACTOR,
            programme_id=pilot.programme.id,
            prescriber_id=presc.id,
            books=rng.randint(110, 130),
        )
        issued.append((presc, batch))
        summary.books += batch.books_count
    for _presc, batch in issued:  # each order is invoiced to each funder, then paid
        funder_invoices.issue(session, ACTOR, batch.id, "quote")
        for invoice in funder_invoices.issue(session, ACTOR, batch.id, "invoice"):
            funds.record_funds_received(
                session,
                ACTOR,
                programme_id=pilot.programme.id,
                funder_id=invoice.funder_id,
                amount_cents=invoice.amount_cents,
                received_on=start,
                invoice_number=invoice.number,
            )
    for _presc, batch in issued:
        issuance.activate_batch(session, ACTOR, batch.id)
        issuance.acknowledge_batch(session, ACTOR, batch.id, batch.prescriber_id)
    return issued
