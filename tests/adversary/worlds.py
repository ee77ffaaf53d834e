"""Worlds of books and people for the attacker, aggregated in Python the way the SQL
aggregates do (:mod:`voucher.services.impact.aggregates`), so that hypothesis can draw
hundreds of them without a database. The demo test checks the real SQL path.

A world is a list of :class:`Book`; ``raw(world, programmes)`` gives the raw figures of
the view covering those programmes.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from voucher.domain import impact as dom
from voucher.domain.suppression import TOTAL
from voucher.services.impact.counts import RawFigures, RawTable

POPULATIONS = ("seniors", "jeunes_insertion", "familles_precaires", "demandeurs_emploi")
AGES = ("dix_huit_vingt_quatre", "vingt_cinq_trente_neuf", "soixante_soixante_neuf")
STATUSES = ("retraite", "sans_emploi", "etudiant")
ZONES = ("rural", "urban", "non_renseigne")
BOOK_TABLES = ("par_dispositif", "par_population", "par_tranche_age", "par_statut_social")


@dataclass(frozen=True)
class Book:
    programme: int
    person: int | None  # None: still in stock
    population: str
    age: str
    status: str
    zone: str
    size: int = 10
    used: int = 0  # vouchers redeemed
    places: tuple[int, ...] = ()
    months: tuple[str, ...] = ()  # one per voucher used
    delay: int = 0  # days to the first session
    noted: int = 0  # sessions with an autonomy level
    improved: bool = False


def _row(book: Book, table: str) -> str:
    if table == "par_dispositif":
        return str(book.programme)
    if book.person is None:
        return dom.NOT_HANDED_OUT
    return {"par_population": book.population, "par_tranche_age": book.age}.get(table, book.status)


def _book_cell(books: list[Book]) -> dict[str, int]:
    handed = [b for b in books if b.person is not None]
    started = [b for b in handed if b.used > 0]
    followed = [b for b in started if b.noted >= 2]
    return {
        "beneficiaires": len({b.person for b in handed}),
        "carnets_emis": len(books),
        "carnets_actives": len(books),
        "carnets_remis": len(handed),
        "carnets_commences": len(started),
        "carnets_termines": sum(b.used == b.size for b in handed),
        "cheques_remis": sum(b.size for b in handed),
        "cheques_encaisses": sum(b.used for b in handed),
        "valeur_encaissee_centimes": 1000 * sum(b.used for b in handed),
        "valeur_non_utilisee_centimes": 0,
        "lieux_actifs": len({p for b in started for p in b.places}),
        "autonomie_evaluables": len(followed),
        "autonomie_progression": sum(b.improved for b in followed),
    }


def _delays(books: list[Book]) -> list[tuple[float, int]]:
    hist: dict[int, int] = defaultdict(int)
    for b in books:
        if b.person is not None and b.used > 0:
            hist[b.delay] += 1
    return sorted((float(d), n) for d, n in hist.items())


def raw(world: list[Book], programmes: list[int]) -> RawFigures:
    books = [b for b in world if b.programme in programmes]
    tables: dict[str, RawTable] = {}
    for name in BOOK_TABLES:
        dim = dom.DIMENSION_BY_TABLE[name]
        groups: dict[tuple[str, str], list[Book]] = defaultdict(list)
        for b in books:
            r = _row(b, name)
            for key in ((r, b.zone), (r, TOTAL), (TOTAL, b.zone), (TOTAL, TOTAL)):
                groups[key].append(b)
        rows = sorted({k[0] for k in groups} - {TOTAL})
        table = RawTable(dim, rows, {r: r for r in rows}, {r: r for r in rows})
        table.cells = {k: _book_cell(v) for k, v in groups.items()}
        table.delays = {k: h for k, v in groups.items() if (h := _delays(v))}
        tables[name] = table
    dim = dom.DIMENSION_BY_TABLE["par_mois"]
    sessions: dict[tuple[str, str], list[tuple[Book, str, int]]] = defaultdict(list)
    for b in books:
        if b.person is None:
            continue
        for month, place in zip(b.months, b.places * 10, strict=False):
            for key in ((month, b.zone), (month, TOTAL), (TOTAL, b.zone), (TOTAL, TOTAL)):
                sessions[key].append((b, month, place))
    rows = sorted({k[0] for k in sessions} - {TOTAL})
    table = RawTable(dim, rows, {r: r for r in rows}, {r: r for r in rows})
    table.cells = {
        k: {
            "beneficiaires": len({b.person for b, _, _ in v}),
            "cheques_encaisses": len(v),
            "valeur_encaissee_centimes": 1000 * len(v),
            "lieux_actifs": len({p for _, _, p in v}),
        }
        for k, v in sessions.items()
    }
    tables["par_mois"] = table
    return RawFigures([(p, f"Dispositif {p}") for p in sorted(programmes)], tables)


def draw(rng: random.Random, people: int, programmes: int = 1, size: int = 10) -> list[Book]:
    """A random world: ``people`` people, each with one book (a few with two), some groups
    small, every usage pattern."""
    world = []
    for person in range(people):
        profile = (
            rng.choice(POPULATIONS),
            rng.choice(AGES),
            rng.choice(STATUSES),
            rng.choices(ZONES, weights=(5, 5, 1))[0],
        )
        for _ in range(1 if rng.random() < 0.9 else 2):
            used = rng.choice((0, 0, 1, 2, 3, 5, size, size))
            months = tuple(rng.choice(("2026-09", "2026-10", "2026-11")) for _ in range(used))
            world.append(
                Book(
                    rng.randrange(1, programmes + 1),
                    person,
                    *profile,
                    size=size,
                    used=used,
                    places=tuple(rng.randrange(1, 5) for _ in range(min(used, 2))),
                    months=months,
                    delay=rng.randrange(0, 40),
                    noted=min(used, rng.choice((0, 1, 2, 3))),
                    improved=rng.random() < 0.6,
                )
            )
    for k in range(rng.randrange(0, 6)):  # books still in stock
        world.append(Book(1 + k % programmes, None, "", "", "", rng.choice(ZONES[:2]), size))
    return world


def views(world: list[Book]) -> list[RawFigures]:
    """Every view of a release: all programmes, then each programme alone."""
    ids = sorted({b.programme for b in world})
    out = [raw(world, ids)]
    if len(ids) > 1:
        out += [raw(world, [p]) for p in ids]
    return out
