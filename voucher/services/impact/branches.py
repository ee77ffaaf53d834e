"""The branches of the impact statement (:mod:`.figures`): what each part holds, the
columns every branch carries, and the groupings of one part, as separate ``GROUP BY``
branches or, on PostgreSQL, as ``GROUPING SETS`` (the same rows; see :mod:`.aggregates`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, String, case, cast, func, literal, null, select, tuple_

from voucher.domain.suppression import TOTAL

#: what each part of the one statement (:mod:`.figures`) holds, tagged in column ``part``
BOOKS, PLACES, DELAYS, USAGE, SESSIONS = "carnets", "lieux", "delais", "usage", "seances"
PLACE_MEASURES = ("lieux_actifs",)
SESSION_MEASURES = (
    "beneficiaires",
    "cheques_encaisses",
    "valeur_encaissee_centimes",
    "lieux_actifs",
)
BOOK_MEASURES = (
    "beneficiaires",
    "carnets_emis",
    "carnets_actives",
    "carnets_remis",
    "carnets_commences",
    "carnets_termines",
    "cheques_remis",
    "cheques_encaisses",
    "valeur_encaissee_centimes",
    "valeur_non_utilisee_centimes",
    "autonomie_evaluables",
    "autonomie_progression",
)
#: the measure columns every branch carries (NULL where its part has no such measure)
COLUMNS = (*BOOK_MEASURES, "lieux_actifs", "books")
#: a typed NULL (built once: SQLAlchemy elements are immutable and may be shared)
NOTHING = cast(null(), Integer)


def groupings(
    part: str,
    sources: dict[str, tuple[Any, Any]],
    zone: Any,
    measures: dict[str, Any],
    base: Any,
    extra: Sequence[Any] = (),
    where: Any = None,
    sets: bool = False,
) -> list[Any]:
    """The branches of: per (row, zone), per row, per zone, everything; ``extra`` columns
    (the histogram's day) are grouped too. Every branch has the same columns: ``part``,
    ``dim``, ``row``, ``zone``, ``x0``, ``x1``, then :data:`COLUMNS`. With ``sets``
    (PostgreSQL), the same rows from one ``GROUPING SETS`` branch per FROM clause
    (:func:`grouping_sets`) instead of one branch per grouping."""
    if sets:
        return grouping_sets(part, sources, zone, measures, base, extra, where)
    cond = literal(True) if where is None else where
    padded = [*extra, *[NOTHING] * (2 - len(extra))]

    def branch(dim: str, key: Any, z: Any, frm: Any, group: list[Any]) -> Any:
        cols = [
            literal(part).label("part"),
            literal(dim).label("dim"),
            cast(key, String).label("row"),
            cast(z, String).label("zone"),
            *[e.label(f"x{i}") for i, e in enumerate(padded)],
            *[measures.get(name, NOTHING).label(name) for name in COLUMNS],
        ]
        return select(*cols).select_from(frm).where(cond).group_by(*group, *extra)

    branches = []
    for dim, (key, frm) in sources.items():
        branches.append(branch(dim, key, zone, frm, [key, zone]))
        branches.append(branch(dim, key, literal(TOTAL), frm, [key]))
    branches.append(branch("*", literal(TOTAL), zone, base, [zone]))
    branches.append(branch("*", literal(TOTAL), literal(TOTAL), base, []))
    return branches


def grouping_sets(
    part: str,
    sources: dict[str, tuple[Any, Any]],
    zone: Any,
    measures: dict[str, Any],
    base: Any,
    extra: Sequence[Any] = (),
    where: Any = None,
) -> list[Any]:
    """The rows of :func:`groupings` with one branch per FROM clause: the dimensions read
    from the same rows are grouped in one pass, ``GROUP BY GROUPING SETS ((key, zone),
    (key), ..., (zone), ())``, each row tagged by the set it comes from (``GROUPING``), so
    the database scans and sorts those rows once per chain of sets instead of once per
    grouping. PostgreSQL only (SQLite has no grouping sets)."""
    cond = literal(True) if where is None else where
    padded = [*extra, *[NOTHING] * (2 - len(extra))]
    by_from: dict[int, tuple[Any, list[tuple[str, Any]]]] = {id(base): (base, [])}
    for dim, (key, frm) in sources.items():
        by_from.setdefault(id(frm), (frm, []))[1].append((dim, key))
    branches = []
    for frm, dims in by_from.values():
        groups: list[tuple[Any, ...]] = [g for _, key in dims for g in ((key, zone), (key,))]
        if frm is base:
            groups += [(zone,), ()]
        grouped = [(func.grouping(key) == 0, dim, key) for dim, key in dims]
        cols = [
            literal(part).label("part"),
            case(*[(g, literal(dim)) for g, dim, _ in grouped], else_=literal("*")).label("dim")
            if grouped
            else literal("*").label("dim"),
            case(*[(g, cast(key, String)) for g, _, key in grouped], else_=literal(TOTAL)).label(
                "row"
            )
            if grouped
            else cast(literal(TOTAL), String).label("row"),
            case((func.grouping(zone) == 0, cast(zone, String)), else_=literal(TOTAL)).label(
                "zone"
            ),
            *[e.label(f"x{i}") for i, e in enumerate(padded)],
            *[measures.get(name, NOTHING).label(name) for name in COLUMNS],
        ]
        sets = func.grouping_sets(*[tuple_(*g, *extra) for g in groups])
        branches.append(select(*cols).select_from(frm).where(cond).group_by(sets))
    return branches
