"""Worlds for the impact tests, built through the services (never raw inserts).

``small_world``: four books whose every figure is worked out by hand in the tests,
including a first session on the same Paris day but the next UTC day, and a session in
April in Paris but still in March in UTC (summer time began on 29 March 2026).

``crowd``: enough people (rural and urban, several age bands, some tiny groups) for
statistical secrecy to leave some cells visible and mask others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests import factories as f
from voucher.db.models import Book, Voucher
from voucher.domain.calendar import at
from voucher.services.context import Actor
from voucher.services.issuance import handout
from voucher.services.organisations import organisations
from voucher.services.redemption import cancel, redeem

RECEPTION = Actor(label="accueil test", user_id=77)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class SmallWorld:
    world: f.World
    other_structure: int
    serials: list[int]
    local_refs: list[str] = field(default_factory=list)


def _codes(session, serial: int) -> list[str]:
    book_id = session.scalar(select(Book.id).where(Book.serial == serial))
    return list(
        session.scalars(
            select(Voucher.code).where(Voucher.book_id == book_id).order_by(Voucher.position)
        )
    )


def _hand(session, w: f.World, serial: int, when: datetime, ref: str, **profile: object) -> None:
    with at(when):
        handout.hand_out(
            session,
            f.ACTOR,
            serial=serial,
            prescriber_id=w.prescriber.id,
            profile=f.profile(ref, **profile),
            key=f.KEY,
        )


def _scan(
    session,
    code: str,
    structure_id: int,
    when: datetime,
    theme: str = "email",
    autonomy: str | None = None,
) -> redeem.Result:
    with at(when):
        return redeem.redeem(
            session,
            RECEPTION,
            redeem.Scan(code=code, structure_id=structure_id, theme=theme, autonomy=autonomy),
        )


def small_world(session) -> SmallWorld:
    with at(utc(2026, 2, 1, 9)):
        w = f.world(session, books=4)
        other = f.structure(session, "Médiathèque rurale test", commune="86165")
    serials = list(range(w.batch.first_serial, w.batch.first_serial + 4))
    refs = ["dossier-alice-1934", "dossier-bruno-2007", "dossier-chloe-1950"]
    # book 1: rural senior, three sessions 3, 10 and 18 days after 2 March; autonomy rises
    _hand(session, w, serials[0], utc(2026, 3, 2, 10), refs[0])
    codes = _codes(session, serials[0])
    for i, (day, level) in enumerate(
        ((5, "entierement_accompagne"), (12, "partiellement_autonome"), (20, "autonome"))
    ):
        _scan(
            session,
            codes[i],
            w.structure.id,
            utc(2026, 3, day, 14),
            "aide_aux_demarches_administratives",
            level,
        )
    mistaken = _scan(session, codes[3], w.structure.id, utc(2026, 3, 20, 14, 5))
    with at(utc(2026, 3, 20, 14, 6)):
        cancel.cancel(session, RECEPTION, mistaken.redemption_id, structure_id=w.structure.id)
    # book 2: urban young person, the whole book, one session a day from 11 March; autonomy falls
    _hand(
        session,
        w,
        serials[1],
        utc(2026, 3, 10, 9),
        refs[1],
        population="jeunes_insertion",
        age_band="dix_huit_vingt_quatre",
        social_status="sans_emploi",
        density_class=1,
    )
    for i, code in enumerate(_codes(session, serials[1])):
        level = "autonome" if i == 0 else "partiellement_autonome"
        _scan(session, code, other.id, utc(2026, 3, 11 + i, 10), "insertion_professionnelle", level)
    # book 3: rural, handed out 31 March 00:30 Paris (30 March 22:30 UTC); first session the same
    # Paris day (31 March 23:30 Paris = 21:30 UTC); second one 1 April 00:30 Paris (31 March UTC)
    _hand(session, w, serials[2], utc(2026, 3, 30, 22, 30), refs[2])
    codes = _codes(session, serials[2])
    _scan(session, codes[0], w.structure.id, utc(2026, 3, 31, 21, 30), "email", "autonome")
    _scan(session, codes[1], w.structure.id, utc(2026, 3, 31, 22, 30), "email")
    # book 4 stays in stock with the prescriber
    return SmallWorld(w, other.id, serials, refs)


AGES = ["vingt_cinq_trente_neuf", "quarante_cinquante_neuf", "soixante_soixante_neuf"]


def crowd(session, *, rural: int = 24, urban: int = 20, tiny: int = 3) -> SmallWorld:
    """``rural`` + ``urban`` + ``tiny`` (urban seniors of 70+, a group too small to publish)
    people, each with a book; the k-th person uses k % 5 + 1 vouchers over the weeks."""
    people = rural + urban + tiny
    with at(utc(2026, 2, 1, 9)):
        w = f.world(session, books=people + 2)
        other = organisations.create_organisation(
            session,
            f.ACTOR,
            name="Lieu urbain test",
            siret=f.siret(),
            address=f.address(),
            commune_insee="86194",
            density_class=1,
            roles={"structure"},
        )
        organisations.add_label(
            session, f.ACTOR, other.id, "Pass numérique", utc(2020, 1, 1).date()
        )
    refs: list[str] = []
    serial = w.batch.first_serial
    levels = ["entierement_accompagne", "partiellement_autonome", "autonome"]
    for k in range(people):
        urban_person = k >= rural
        ref = f"dossier-crowd-{k:03d}"
        refs.append(ref)
        extra = {
            "density_class": 1 if urban_person else 3,
            "age_band": "soixante_dix_plus" if k >= rural + urban else AGES[k % 3],
        }
        start = utc(2026, 3, 2, 9) + timedelta(days=k % 9)
        _hand(session, w, serial + k, start, ref, **extra)
        where = other.id if urban_person else w.structure.id
        for i, code in enumerate(_codes(session, serial + k)[: k % 5 + 1]):
            level = levels[min(2, (i * (k % 3)) // 2)]
            _scan(
                session,
                code,
                where,
                start + timedelta(days=2 + (k % 4) + 7 * i, hours=3),
                ["email", "sante", "insertion_professionnelle"][k % 3],
                level,
            )
    return SmallWorld(w, other.id, list(range(serial, serial + people)), refs)
