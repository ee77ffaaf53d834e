"""Impact figures: who may see which programmes, and the raw counts per table.

Rules kept:

- Raw figures (:class:`RawFigures`) never leave the services: everything published goes
  through :func:`voucher.services.impact.protect.protect` (statistical secrecy) first.
- Scope: a funder's staff see the programmes that organisation funds (lead or co-funder);
  an evaluator sees every programme, unless the evaluator belongs to a funder, in which
  case only that funder's programmes; nobody else sees anything. Command-line exports
  (operators) see everything they ask for.
- Every figure is computed by SQL aggregation (:mod:`voucher.services.impact.aggregates`); Python
  only reshapes the few grouped rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import (
    Book,
    Organisation,
    PilotZone,
    Programme,
    ProgrammeFunder,
    Redemption,
    RoleGrant,
)
from voucher.domain import impact as dom
from voucher.domain.errors import DomainError
from voucher.domain.suppression import TOTAL
from voucher.services.context import Actor
from voucher.services.impact import aggregates, figures

IMPACT_ROLES = ("evaluator", "funder")
Cell = tuple[str, str]


@dataclass(frozen=True)
class Scope:
    """Programmes one may see: ``None`` means every programme."""

    programmes: frozenset[int] | None

    def allows(self, programme_id: int) -> bool:
        return self.programmes is None or programme_id in self.programmes

    def narrowed(self, programme_id: int | None) -> Scope:
        if programme_id is None:
            return self
        if not self.allows(programme_id):
            raise DomainError("not_found")
        return Scope(frozenset({programme_id}))


EVERYTHING = Scope(None)


def _funded_by(session: Session, org_ids: set[int]) -> frozenset[int]:
    rows = session.scalars(
        select(Programme.id).where(
            or_(
                Programme.lead_funder_id.in_(sorted(org_ids)),
                Programme.id.in_(
                    select(ProgrammeFunder.programme_id).where(
                        ProgrammeFunder.funder_id.in_(sorted(org_ids))
                    )
                ),
            )
        )
    )
    return frozenset(int(p) for p in rows)


def scope_for(session: Session, actor: Actor) -> Scope:
    """The programmes ``actor`` may measure (see the module rules)."""
    if actor.organisation_id is not None and actor.role in IMPACT_ROLES:
        grants = [(actor.organisation_id, actor.role)]
    elif actor.user_id is not None:
        grants = [
            (int(o), str(r))
            for o, r in session.execute(
                select(RoleGrant.organisation_id, RoleGrant.role).where(
                    RoleGrant.user_id == actor.user_id, RoleGrant.role.in_(IMPACT_ROLES)
                )
            )
        ]
    else:
        return Scope(frozenset())
    if not grants:
        return Scope(frozenset())
    orgs = {o for o, _ in grants}
    funders = set(
        session.scalars(
            select(Organisation.id).where(
                Organisation.id.in_(sorted(orgs)), Organisation.is_funder.is_(True)
            )
        )
    )
    if any(role == "evaluator" and org not in funders for org, role in grants):
        return EVERYTHING
    return Scope(_funded_by(session, orgs))


def programmes_in(session: Session, scope: Scope) -> list[tuple[int, str]]:
    query = select(Programme.id, Programme.name).order_by(Programme.name, Programme.id)
    if scope.programmes is not None:
        query = query.where(Programme.id.in_(sorted(scope.programmes)))
    return [(int(i), str(n)) for i, n in session.execute(query)]


@dataclass
class RawTable:
    dimension: dom.Dimension
    rows: list[str]
    #: export code and label of each row
    codes: dict[str, str]
    labels: dict[str, str]
    cells: dict[Cell, dict[str, int]] = field(default_factory=dict)
    delays: dict[Cell, list[tuple[float, int]]] = field(default_factory=dict)


@dataclass
class RawFigures:
    programmes: list[tuple[int, str]]
    tables: dict[str, RawTable]
    #: zone -> (vouchers cashed, vouchers in the book, books) of the handed-out books
    usage: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    #: the evaluation's raw inputs (voucher.services.evaluation.published), never published
    evaluation: Any = None


def years_for(session: Session, programme_ids: list[int] | None) -> range:
    """Calendar years holding a hand-out or a scan (SQLite needs them for Paris time)."""
    books = select(func.min(Book.handed_out_at), func.max(Book.handed_out_at))
    scans = select(func.min(Redemption.scanned_at), func.max(Redemption.scanned_at))
    if programme_ids is not None:
        books = books.where(Book.programme_id.in_(programme_ids))
        scans = scans.where(Redemption.programme_id.in_(programme_ids))
    found = [
        d for d in (*session.execute(books).one(), *session.execute(scans).one()) if d is not None
    ]
    if not found:
        return range(0)
    return range(min(found).year - 1, max(found).year + 2)


def _names(
    session: Session, programmes: list[tuple[int, str]]
) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Dimension -> (export codes, labels) for rows keyed by internal ids."""
    orgs = {
        str(i): (siret, name)
        for i, siret, name in session.execute(
            select(Organisation.id, Organisation.siret, Organisation.name)
        )
    }
    zones = {str(i): name for i, name in session.execute(select(PilotZone.id, PilotZone.name))}

    def by_siret(prefix: str) -> tuple[dict[str, str], dict[str, str]]:
        return (
            {k: s or f"{prefix}-{k}" for k, (s, _) in orgs.items()},
            {k: n for k, (_, n) in orgs.items()},
        )

    return {
        "dispositif": ({str(i): str(i) for i, _ in programmes}, {str(i): n for i, n in programmes}),
        "financeur": by_siret("financeur"),
        "lieu": by_siret("lieu"),
        "zone_pilote": ({k: k for k in zones}, zones),
    }


def _order(dimension: dom.Dimension, found: set[str], labels: dict[str, str]) -> list[str]:
    special = [k for k in dom.SPECIAL_ROWS if k in found and k != TOTAL]
    plain = found - set(special) - {TOTAL}
    if dimension.vocabulary:
        ordered = [k for k in dimension.vocabulary if k in plain] + sorted(
            plain - set(dimension.vocabulary)
        )
    elif dimension.code == "mois":
        ordered = sorted(plain)
    else:
        ordered = sorted(plain, key=lambda k: ((labels.get(k) or k).casefold(), k))
    return ordered + special


def _fill(
    tables: dict[str, RawTable], family: str, rows: list[Any], measures: Sequence[str]
) -> None:
    by_dim = {t.dimension.code: t for t in tables.values() if t.dimension.family == family}
    for row in rows:
        values = {name: int(getattr(row, name) or 0) for name in measures}
        targets = list(by_dim.values()) if row.dim == "*" else [by_dim[row.dim]]
        for table in targets:
            table.cells.setdefault((row.row, row.zone), {}).update(values)


def _fill_delays(tables: dict[str, RawTable], rows: list[Any]) -> None:
    by_dim = {t.dimension.code: t for t in tables.values() if t.dimension.family == dom.BOOKS}
    grouped: dict[tuple[str, str, str], list[tuple[float, int]]] = defaultdict(list)
    for r in rows:
        grouped[(r.dim, r.row, r.zone)].append((float(r.x0), int(r.books)))
    for (dim, row, zone), hist in grouped.items():
        for table in by_dim.values() if dim == "*" else [by_dim[dim]]:
            table.delays[(row, zone)] = sorted(hist)


def compute(session: Session, scope: Scope, until: datetime | None = None) -> RawFigures:
    """Every table's raw counts for the programmes in ``scope`` (never published as is),
    as they stood at ``until`` (the end of a closed period; None: now)."""
    programmes = programmes_in(session, scope)
    ids = [i for i, _ in programmes]
    only = None if scope.programmes is None else ids
    t = dialect.paris_time(session, lambda: years_for(session, only))
    tables = {d.table: RawTable(d, [], {}, {}) for d in dom.DIMENSIONS}
    rows = figures.figures(session, t, only, until)
    _fill(tables, dom.BOOKS, rows[aggregates.BOOKS], aggregates.BOOK_MEASURES)
    _fill(tables, dom.BOOKS, rows[aggregates.PLACES], aggregates.PLACE_MEASURES)
    _fill_delays(tables, rows[aggregates.DELAYS])
    _fill(tables, dom.SESSIONS, rows[aggregates.SESSIONS], aggregates.SESSION_MEASURES)
    names = _names(session, programmes)
    for table in tables.values():
        codes, labels = names.get(table.dimension.code, ({}, {}))
        found = {r for r, _ in table.cells}
        table.rows = _order(table.dimension, found, labels)
        table.codes = {r: codes.get(r, r) for r in table.rows}
        table.labels = {r: dom.row_label(table.dimension, r, labels) for r in table.rows}
    usage: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for r in rows[aggregates.USAGE]:
        usage[str(r.zone)].append((int(r.x0 or 0), int(r.x1), int(r.books)))
    return RawFigures(programmes, tables, dict(usage))
