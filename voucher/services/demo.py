"""A fictitious but realistic pilot: a foundation and a département co-finance 10 € vouchers
in books of 10 across a rural and an urban zone of the Vienne. ALL DATA IS FICTITIOUS:
organisations, SIRETs, IBANs and people are invented (codes are valid only in form)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum import luhn

from voucher.db.models import Book, Redemption, Voucher
from voucher.domain import vocab
from voucher.domain.calendar import at, utcnow
from voucher.services.access import people as accounts
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.issuance import batches as issuance
from voucher.services.issuance import handout
from voucher.services.organisations import organisations
from voucher.services.redemption import redeem
from voucher.services.redemption import scan as scanning

DEMO_PASSWORD = "demo-pass-numerique"  # noqa: S105 - printed on purpose, demo only
NOTICE = "Données fictives de démonstration : aucune personne ni organisation réelle."
ACTOR = Actor(label="démo")

URBAN = [
    ("86194", "Poitiers", 1),
    ("86066", "Châtellerault", 2),
    ("86041", "Buxerolles", 1),
    ("86214", "Saint-Benoît", 2),
]
RURAL = [
    ("86165", "Montmorillon", 3),
    ("86140", "Lussac-les-Châteaux", 3),
    ("86078", "Civray", 3),
    ("86112", "L'Isle-Jourdain", 3),
]

PRESCRIBERS = [
    ("Mission Locale de Poitiers (fictive)", "86194", 1, "jeunes_insertion"),
    ("CCAS de Châtellerault (fictif)", "86066", 2, "familles_precaires"),
    ("Association Entraide Montmorillonnais (fictive)", "86165", 3, "seniors"),
    ("Secours solidaire du Civraisien (fictif)", "86078", 3, "demandeurs_emploi"),
]

STRUCTURES = [
    ("EPN des Couronneries (fictif)", "86194", 1, "FR7630006000011234567890189"),
    ("Médiathèque de Châtellerault (fictive)", "86066", 2, "FR7610107001012345678901253"),
    ("FabLab solidaire de Buxerolles (fictif)", "86041", 1, "FR7630004000033456789012328"),
    ("Café associatif de Lussac (fictif)", "86140", 3, "FR7612548029984567890123456"),
    ("Espace numérique de Montmorillon (fictif)", "86165", 3, "FR7630002005500000157845029"),
    ("Médiathèque de Civray (fictive)", "86078", 3, None),
]

AGE_FOR = {
    "jeunes_insertion": ["dix_huit_vingt_quatre"],
    "familles_precaires": ["vingt_cinq_trente_neuf", "quarante_cinquante_neuf"],
    "seniors": ["soixante_soixante_neuf", "soixante_dix_plus"],
    "demandeurs_emploi": ["vingt_cinq_trente_neuf", "quarante_cinquante_neuf"],
}
STATUS_FOR = {
    "jeunes_insertion": "sans_emploi",
    "familles_precaires": "en_emploi",
    "seniors": "retraite",
    "demandeurs_emploi": "sans_emploi",
}


def _siret(n: int) -> str:
    base = f"{90000000 + n:08d}"
    siren = base + luhn.calc_check_digit(base)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


@dataclass
class DemoSummary:
    programme_id: int
    books: int = 0
    handed_out: int = 0
    redemptions: int = 0
    refusals: int = 0
    held: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime(
        day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=UTC
    )


def build(
    session: Session,
    *,
    seed: int = 42,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    today = today or utcnow().date()
    say = progress or (lambda _msg: None)
    start = date(today.year, 1, 5)
    with at(datetime.combine(start, datetime.min.time(), UTC)):
        say("Organisations, zones et dispositif")
        foundation = organisations.create_organisation(
            session,
            ACTOR,
            name="Fondation Numérique Solidaire (fictive)",
            siret=_siret(1),
            roles={"funder"},
        )
        departement = organisations.create_organisation(
            session,
            ACTOR,
            name="Département de la Vienne (démo)",
            siret=_siret(2),
            roles={"funder"},
        )
        operator = organisations.create_organisation(
            session, ACTOR, name="Opérateur du registre (démo)", siret=_siret(3), roles={"operator"}
        )
        urban = organisations.create_zone(
            session,
            ACTOR,
            name="Grand Poitiers et Châtellerault",
            kind="urban",
            communes=URBAN,
            kind_source="density_grid",
            cog_year=2025,
        )
        rural = organisations.create_zone(
            session,
            ACTOR,
            name="Sud Vienne rural",
            kind="rural",
            communes=RURAL,
            kind_source="density_grid",
            cog_year=2025,
        )
        prog = organisations.create_programme(
            session,
            ACTOR,
            organisations.ProgrammeSpec(
                name=f"Pass numérique Vienne {today.year}",
                face_value_cents=1000,
                vouchers_per_book=10,
                valid_from=date(today.year, 1, 1),
                valid_until=date(today.year, 12, 31),
                grace_days=31,
                funders=[(foundation.id, 5000), (departement.id, 5000)],
                zone_ids=[urban.id, rural.id],
                label_names=["Pass numérique Vienne"],
            ),
        )
        addr = organisations.Address(
            street_number="1", street="place de la Mairie", postcode="86000", town="Vienne"
        )
        prescribers = []
        for i, (name, commune, dens, _pop) in enumerate(PRESCRIBERS):
            prescribers.append(
                organisations.create_organisation(
                    session,
                    ACTOR,
                    name=name,
                    siret=_siret(10 + i),
                    address=addr,
                    commune_insee=commune,
                    density_class=dens,
                    density_year=2025,
                    roles={"prescriber"},
                )
            )
        structures = []
        for i, (name, commune, dens, iban) in enumerate(STRUCTURES):
            org = organisations.create_organisation(
                session,
                ACTOR,
                name=name,
                siret=_siret(20 + i),
                address=addr,
                commune_insee=commune,
                density_class=dens,
                density_year=2025,
                roles={"structure"},
            )
            organisations.add_label(
                session, ACTOR, org.id, "Pass numérique Vienne", date(today.year - 1, 9, 1)
            )
            if iban:
                acc = organisations.set_bank_details(
                    session, ACTOR, org.id, holder_name=name[:70], iban=iban
                )
                organisations.decide_bank_details(session, ACTOR, acc.id, validate=True)
            structures.append(org)
        say("Comptes de démonstration")
        summary = DemoSummary(programme_id=prog.id)
        people = [
            ("admin", "Admin Démo", operator.id, "admin"),
            ("financeur", "Camille (Fondation)", foundation.id, "funder"),
            ("departement", "Dominique (Département)", departement.id, "funder"),
            ("prescripteur", "Sacha (Mission Locale)", prescribers[0].id, "prescriber"),
            ("accueil", "Alex (EPN)", structures[0].id, "reception"),
            ("accueil-rural", "Lou (Café de Lussac)", structures[3].id, "reception"),
            ("finance", "Morgan (Finance)", foundation.id, "finance"),
            ("evaluation", "Noa (Évaluation)", operator.id, "evaluator"),
        ]
        users = {}
        for login, name, org_id, role in people:
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
        say("Lots de carnets, versements et activation")
        batches = []
        for presc in prescribers:
            batch = issuance.issue_batch(
                session,
                ACTOR,
                programme_id=prog.id,
                prescriber_id=presc.id,
                books=rng.randint(70, 90),
            )
            batches.append((presc, batch))
            summary.books += batch.books_count
        total = summary.books * 10 * 1000
        for funder in (foundation, departement):
            issuance.record_funds_received(
                session,
                ACTOR,
                programme_id=prog.id,
                funder_id=funder.id,
                amount_cents=total // 2,
                received_on=start,
                reference="Convention 2026 (fictive)",
            )
        for _presc, batch in batches:
            issuance.activate_batch(session, ACTOR, batch.id)
            issuance.acknowledge_batch(session, ACTOR, batch.id, batch.prescriber_id)
    _activity(session, rng, prog.id, batches, structures, users, summary, start, today, say)
    _suspicious(session, structures, users, summary, today, say)
    say("Scellement du journal")
    ledger_audit.seal(session)
    return summary


def _activity(
    session: Session,
    rng: random.Random,
    programme_id: int,
    batches: list,
    structures: list,
    users: dict,
    summary: DemoSummary,
    start: date,
    today: date,
    say: Callable[[str], None],
) -> None:
    say("Remises de carnets et séances, mois par mois")
    urban_structures = [s for s in structures if s.zone_kind == "urban"]
    rural_structures = [s for s in structures if s.zone_kind == "rural"]
    days = (today - start).days
    pending: list[tuple[date, str, int, int]] = []
    for index, (presc, batch) in enumerate(batches):
        population = PRESCRIBERS[index][3]
        serials = list(range(batch.first_serial, batch.first_serial + batch.books_count))
        lost = serials.pop() if index == 2 else None
        for n, serial in enumerate(serials[: int(len(serials) * 0.9)]):
            day = start + timedelta(days=rng.randint(10, max(11, days - 20)))
            with at(_moment(day, rng)):
                handout.hand_out(
                    session,
                    ACTOR,
                    serial=serial,
                    prescriber_id=presc.id,
                    key=b"demo-key",
                    profile=handout.Profile(
                        local_reference=f"dossier-{presc.id}-{n}",
                        population=population,
                        age_band=rng.choice(AGE_FOR[population]),
                        social_status=STATUS_FOR[population],
                        commune_insee=presc.commune_insee,
                        density_class=presc.density_class,
                        consent=True,
                    ),
                )
            summary.handed_out += 1
            home = rural_structures if presc.zone_kind == "rural" else urban_structures
            sessions = rng.choice([0, 2, 4, 6, 8, 10, 10, 3])
            book_id = session.scalar(select(Book.id).where(Book.serial == serial))
            codes = list(
                session.scalars(
                    select(Voucher.code)
                    .where(Voucher.book_id == book_id)
                    .order_by(Voucher.position)
                )
            )
            when = day
            for code in codes[:sessions]:
                when = when + timedelta(days=rng.randint(3, 21))
                if when >= today:
                    break
                pending.append((when, code, rng.choice(home).id, int(book_id or 0)))
        if lost:
            with at(_moment(start + timedelta(days=60), rng)):
                issuance.report_book(session, ACTOR, lost, reason="lost")
    pending.sort()
    autonomy = list(vocab.AUTONOMY)
    level: dict[int, int] = {}
    reception = users["accueil"]
    for when, code, structure_id, book_id in pending:
        rank = min(2, level.get(book_id, 0) + rng.choice([0, 0, 1]))
        level[book_id] = rank
        with at(_moment(when, rng)):
            redeem.redeem(
                session,
                Actor(label="démo", user_id=reception.id),
                redeem.Scan(
                    code=code,
                    structure_id=structure_id,
                    theme=rng.choice(list(vocab.THEMES)[:8]),
                    autonomy=autonomy[rank],
                ),
            )
        summary.redemptions += 1
    for _when, code, structure_id, _book in pending[:: max(1, len(pending) // 8)]:
        for raw in (code, code[:-1] + str((int(code[-1]) + 1) % 10)):
            scanned = redeem.Scan(code=raw, structure_id=structure_id)
            if scanning.attempt(session, ACTOR, scanned).refusal is not None:
                summary.refusals += 1


def _untouched_books(session: Session, count: int) -> list[list[str]]:
    """Codes of the first ``count`` handed-out books none of whose vouchers was scanned."""
    full = (
        select(Voucher.book_id)
        .join(Book, Book.id == Voucher.book_id)
        .where(Book.status == "handed_out", Voucher.state == "distributed")
        .group_by(Voucher.book_id)
        .having(func.count() == 10)
        .order_by(Voucher.book_id)
        .limit(count)
    )
    return [
        list(
            session.scalars(
                select(Voucher.code).where(Voucher.book_id == book_id).order_by(Voucher.position)
            )
        )
        for book_id in session.scalars(full)
    ]


def _suspicious(
    session: Session,
    structures: list,
    users: dict,
    summary: DemoSummary,
    today: date,
    say: Callable[[str], None],
) -> None:
    """What the review queue and the alerts are for: at two places, three vouchers of one
    book scanned the same morning (the third is held by ``book_per_day``), and a voucher
    already redeemed in town presented again at the rural café (a ``high`` alert)."""
    say("Scans suspects : retenues et alertes")
    desks = [
        (users["accueil"], structures[0], today - timedelta(days=2)),
        (users["accueil-rural"], structures[3], today - timedelta(days=1)),
    ]
    for (user, place, day), codes in zip(
        desks, _untouched_books(session, len(desks)), strict=False
    ):
        desk = Actor(label="démo", user_id=user.id)
        for n, code in enumerate(codes[:3]):
            with at(datetime(day.year, day.month, day.day, 9, 10 + 20 * n, tzinfo=UTC)):
                result = redeem.redeem(
                    session,
                    desk,
                    redeem.Scan(
                        code=code,
                        structure_id=place.id,
                        theme="aide_aux_demarches_administratives",
                        autonomy="entierement_accompagne",
                    ),
                )
            summary.redemptions += 1
            summary.held += result.status == "held"
    first = session.scalar(
        select(Voucher.code)
        .join(Redemption, Redemption.voucher_id == Voucher.id)
        .where(Redemption.structure_id == structures[0].id, Redemption.status == "accepted")
        .order_by(Redemption.id)
        .limit(1)
    )
    if first is None:
        return
    rural_desk = Actor(label="démo", user_id=users["accueil-rural"].id)
    with at(datetime(today.year, today.month, today.day, 7, 45, tzinfo=UTC)):
        scanned = redeem.Scan(code=first, structure_id=structures[3].id)
        if scanning.attempt(session, rural_desk, scanned).refusal is not None:
            summary.refusals += 1
