"""The impact figures as SQL aggregations: the database groups, Python only reads the
(small) grouped rows.

Rules kept:

- No Python loop over books or scans: per-book facts are one ``GROUP BY book_id`` over the
  accepted scans, materialised once per statement (``WITH ... AS MATERIALIZED``); each
  table is then ``GROUP BY`` branches over those facts, one per grouping (row x zone, row,
  zone, everything; on PostgreSQL one ``GROUPING SETS`` branch per FROM clause), so
  distinct counts in the margins are true distinct counts, not sums. Every branch has the same columns, tagged with its part (book table, places,
  delays, usage, sessions): :mod:`.figures` sends all of them as one ``UNION ALL``.
- A handed-out book's zone is its beneficiary's; when the beneficiary's commune gave no
  density class (no commune, or an old row carrying a code the COG does not list), the
  zone of the prescriber who handed it out stands in, in the book and the session tables
  alike, so one dirty row never opens a "non renseigné" column of one person (whose
  protection would mask the headline figures). Such rows are listed by
  ``voucher communes check``; only when the prescriber's zone is unknown too does the
  book count as ``non_renseigne``, protected like any cell.
- Days and months are Europe/Paris calendar days and months, in SQL that
  :class:`voucher.db.dialect.ParisTime` writes for each database.
- Autonomy "first" and "last" per book come from one aggregate: ``min``/``max`` of
  (epoch seconds x 4 + rank), so the rank of the earliest and latest noted session falls
  out of the remainder without a window function or a second pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    select,
)

from voucher.db.dialect import ParisTime
from voucher.db.models import (
    Batch,
    Beneficiary,
    Book,
    Organisation,
    PilotZoneCommune,
    ProgrammeFunder,
    ProgrammeZone,
    Redemption,
    Voucher,
)
from voucher.domain import impact as dom
from voucher.domain.states import ENDED
from voucher.domain.suppression import TOTAL
from voucher.domain.vocab import AUTONOMY_RANK
from voucher.services.impact.branches import (  # noqa: F401 (re-exported)
    BOOK_MEASURES,
    BOOKS,
    COLUMNS,
    DELAYS,
    NOTHING,
    PLACE_MEASURES,
    PLACES,
    SESSION_MEASURES,
    SESSIONS,
    USAGE,
    grouping_sets,
    groupings,
)

# --- per-book facts --------------------------------------------------------------------

R, B, V, BEN = (
    Redemption.__table__.c,
    Book.__table__.c,
    Voucher.__table__.c,
    Beneficiary.__table__.c,
)


def _in_scope(col: Any, programmes: Sequence[int] | None) -> Any:
    return literal(True) if programmes is None else col.in_(sorted(programmes))


def _rank_expr() -> Any:
    return case(
        *[(R.autonomy == code, rank + 1) for code, rank in AUTONOMY_RANK.items()], else_=None
    )


def _before(col: Any, until: datetime | None) -> Any:
    """``col`` falls in the period (before ``until``, the end of the last closed month)."""
    return literal(True) if until is None else and_(col.is_not(None), col < until)


def book_facts(
    t: ParisTime, programmes: Sequence[int] | None, until: datetime | None = None
) -> Any:
    """One row per book issued before ``until`` (every book when None), as it stood then:
    handed out, activated and scanned only if that happened before ``until``."""
    key = t.epoch(R.scanned_at) * 4 + _rank_expr()
    scans = (
        select(
            R.book_id,
            func.count().label("n"),
            func.sum(R.face_value_cents).label("value"),
            func.min(R.scanned_at).label("first_at"),
            func.count(R.autonomy).label("n_aut"),
            func.min(key).label("kmin"),
            func.max(key).label("kmax"),
        )
        .where(
            R.status == "accepted",
            _in_scope(R.programme_id, programmes),
            _before(R.scanned_at, until),
        )
        .group_by(R.book_id)
        .subquery("scans")
    )
    lost = (
        select(V.book_id, func.sum(V.face_value_cents).label("lost"))
        .where(V.state.in_(ENDED), _in_scope(V.programme_id, programmes))
        .group_by(V.book_id)
        .subquery("lost")
    )
    holder = Organisation.__table__.alias("holder")
    presc = Organisation.__table__.alias("presc")
    batch = Batch.__table__.c
    handed = and_(B.beneficiary_id.is_not(None), _before(B.handed_out_at, until))
    zone = case(
        (handed, func.coalesce(BEN.zone_kind, presc.c.zone_kind, dom.NOT_GIVEN)),
        else_=func.coalesce(holder.c.zone_kind, dom.NOT_GIVEN),
    )
    n = func.coalesce(scans.c.n, 0)
    delay = case(
        (
            scans.c.first_at.is_not(None),
            t.day_number(scans.c.first_at) - t.day_number(B.handed_out_at),
        ),
        else_=None,
    )
    facts = (
        select(
            B.id.label("book_id"),
            B.programme_id,
            case((handed, B.beneficiary_id), else_=None).label("beneficiary_id"),
            case((handed, 1), else_=0).label("handed"),
            case((_before(batch.activated_at, until), 1), else_=0).label("activated"),
            batch.vouchers_per_book.label("per_book"),
            zone.label("zone"),
            func.coalesce(BEN.population, dom.NOT_HANDED_OUT).label("population"),
            func.coalesce(BEN.age_band, dom.NOT_HANDED_OUT).label("tranche_age"),
            func.coalesce(BEN.social_status, dom.NOT_HANDED_OUT).label("statut_social"),
            func.coalesce(BEN.commune_insee, holder.c.commune_insee).label("commune"),
            n.label("n"),
            func.coalesce(scans.c.value, 0).label("value"),
            delay.label("delay"),
            func.coalesce(scans.c.n_aut, 0).label("n_aut"),
            (scans.c.kmin % 4).label("first_rank"),
            (scans.c.kmax % 4).label("last_rank"),
            func.coalesce(lost.c.lost, 0).label("lost"),
        )
        .select_from(
            Book.__table__.join(Batch.__table__, batch.id == B.batch_id)
            .outerjoin(Beneficiary.__table__, and_(BEN.id == B.beneficiary_id, handed))
            .outerjoin(presc, presc.c.id == BEN.prescriber_id)
            .outerjoin(holder, holder.c.id == B.holder_id)
            .outerjoin(scans, scans.c.book_id == B.id)
            .outerjoin(lost, lost.c.book_id == B.id)
        )
        .where(_in_scope(B.programme_id, programmes), _before(batch.created_at, until))
    )
    return facts.cte("bf").prefix_with("MATERIALIZED")


def book_sources(bf: Any) -> dict[str, tuple[Any, Any]]:
    """Dimension -> (key expression, FROM clause) over the book facts."""
    pf, pz = ProgrammeFunder.__table__.c, ProgrammeZone.__table__.c
    pzc = PilotZoneCommune.__table__.c
    zones = (
        select(pz.programme_id, pzc.zone_id, pzc.insee_code)
        .join(PilotZoneCommune.__table__, pzc.zone_id == pz.zone_id)
        .subquery("zones")
    )
    return {
        "dispositif": (cast(bf.c.programme_id, String), bf),
        "financeur": (
            cast(pf.funder_id, String),
            bf.join(ProgrammeFunder.__table__, pf.programme_id == bf.c.programme_id),
        ),
        "zone_pilote": (
            func.coalesce(cast(zones.c.zone_id, String), dom.OUTSIDE_ZONES),
            bf.outerjoin(
                zones,
                and_(zones.c.programme_id == bf.c.programme_id, zones.c.insee_code == bf.c.commune),
            ),
        ),
        "population": (bf.c.population, bf),
        "tranche_age": (bf.c.tranche_age, bf),
        "statut_social": (bf.c.statut_social, bf),
    }


def book_measures(bf: Any) -> dict[str, Any]:
    c = bf.c
    one = literal(1)
    return {
        "beneficiaires": func.count(distinct(c.beneficiary_id)),
        "carnets_emis": func.count(),
        "carnets_actives": func.sum(c.activated),
        "carnets_remis": func.sum(c.handed),
        "carnets_commences": func.sum(case((and_(c.handed == 1, c.n > 0), one), else_=0)),
        "carnets_termines": func.sum(case((and_(c.handed == 1, c.n >= c.per_book), one), else_=0)),
        "cheques_remis": func.sum(c.handed * c.per_book),
        "cheques_encaisses": func.sum(c.n),
        "valeur_encaissee_centimes": func.sum(c.value),
        "valeur_non_utilisee_centimes": func.sum(c.lost),
        "autonomie_evaluables": func.sum(case((and_(c.handed == 1, c.n_aut >= 2), one), else_=0)),
        "autonomie_progression": func.sum(
            case((and_(c.handed == 1, c.n_aut >= 2, c.last_rank > c.first_rank), one), else_=0)
        ),
    }


def place_branches(
    bf: Any, programmes: Sequence[int] | None, until: datetime | None, sets: bool = False
) -> list[Any]:
    """Distinct places per book grouping, over the book facts joined once to the distinct
    (book, place) pairs and materialised (not one join per branch)."""
    pairs = (
        select(R.book_id, R.structure_id)
        .where(
            R.status == "accepted",
            _in_scope(R.programme_id, programmes),
            _before(R.scanned_at, until),
        )
        .distinct()
        .subquery("pairs")
    )
    c = bf.c
    keys = (c.programme_id, c.zone, c.population, c.tranche_age, c.statut_social, c.commune)
    bp = (
        select(*keys, pairs.c.structure_id)
        .select_from(bf.join(pairs, pairs.c.book_id == c.book_id))
        .cte("bp")
        .prefix_with("MATERIALIZED")
    )
    measures = {"lieux_actifs": func.count(distinct(bp.c.structure_id))}
    return groupings(PLACES, book_sources(bp), bp.c.zone, measures, bp, sets=sets)


def delay_branches(bf: Any, sets: bool = False) -> list[Any]:
    """Histogram rows: (dim, row, zone, x0 = days, books)."""
    measures = {"books": func.count()}
    return groupings(
        DELAYS,
        book_sources(bf),
        bf.c.zone,
        measures,
        bf,
        extra=[bf.c.delay],
        where=bf.c.delay.is_not(None),
        sets=sets,
    )


def usage_select(bf: Any) -> Any:
    """Handed-out books per zone by (x0 = vouchers cashed, x1 = vouchers in the book): the
    clusters of the redemption-rate interval."""
    cols = [
        literal(USAGE).label("part"),
        literal("*").label("dim"),
        cast(literal(TOTAL), String).label("row"),
        cast(bf.c.zone, String).label("zone"),
        bf.c.n.label("x0"),
        bf.c.per_book.label("x1"),
        *[(func.count() if name == "books" else NOTHING).label(name) for name in COLUMNS],
    ]
    return select(*cols).where(bf.c.handed == 1).group_by(bf.c.zone, bf.c.n, bf.c.per_book)


def session_branches(
    t: ParisTime, programmes: Sequence[int] | None, until: datetime | None, sets: bool = False
) -> list[Any]:
    presc = Organisation.__table__.alias("presc")
    rs = (
        select(
            func.coalesce(R.theme, dom.NOT_GIVEN).label("theme"),
            R.structure_id,
            t.month(R.scanned_at).label("month"),
            R.beneficiary_id,
            R.face_value_cents,
            func.coalesce(BEN.zone_kind, presc.c.zone_kind, dom.NOT_GIVEN).label("zone"),
        )
        .select_from(
            Redemption.__table__.outerjoin(
                Beneficiary.__table__, BEN.id == R.beneficiary_id
            ).outerjoin(presc, presc.c.id == BEN.prescriber_id)
        )
        .where(
            R.status == "accepted",
            _in_scope(R.programme_id, programmes),
            _before(R.scanned_at, until),
        )
        .cte("rs")
        .prefix_with("MATERIALIZED")
    )
    measures = {
        "beneficiaires": func.count(distinct(rs.c.beneficiary_id)),
        "cheques_encaisses": func.count(),
        "valeur_encaissee_centimes": func.sum(rs.c.face_value_cents),
        "lieux_actifs": func.count(distinct(rs.c.structure_id)),
    }
    sources = {
        "thematique": (rs.c.theme, rs),
        "lieu": (cast(rs.c.structure_id, String), rs),
        "mois": (rs.c.month, rs),
    }
    return groupings(SESSIONS, sources, rs.c.zone, measures, rs, sets=sets)
