"""Impact releases: the one way impact figures are published.

Rules kept:

- Figures are computed on a **closed period**: the activity up to the end of a Europe/Paris
  month that is over (:func:`closed_month`); a month still running is refused.
- A release holds every view a reader can get (the programmes it covers together, and each
  programme alone), protected together (:func:`voucher.services.impact.joint.protect_release`)
  and against **everything published before** (counts only grow: an earlier value is a
  floor, and a count that grew by 1 to threshold - 1 people is a small group to protect).
- What was published is **frozen** in ``impact_release`` (number, period, programmes,
  threshold, when, by whom, the views as shown, the masked cells, a digest chained to the
  previous release's): ``/impact`` and every export show the latest release; nothing
  recomputes a published figure. A scan released from hold later changes the next
  release, never this one.
- The live preview (:func:`preview`) is for the operator only and is never exported.
- The evaluation's tables (autonomy per person, the follow-up answers) are ordinary tables
  of every view, protected and attacked with the others; its estimates are frozen with the
  view once protected (:mod:`voucher.services.evaluation.published`).
- New published figures (another module's) join by adding a view builder to
  :data:`EXTRA_VIEWS` that adds tables to each view, their dimension registered with
  :func:`voucher.domain.impact.register`: the release is the single entry point, and
  every table it stores is protected and attacked (:mod:`.secrecy`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import ImpactRelease
from voucher.domain import impact as dom
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError, register
from voucher.domain.suppression import checked_threshold
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.impact import counts, joint, secrecy
from voucher.services.impact import protect as cell_by_cell
from voucher.services.impact.counts import RawFigures, Scope
from voucher.services.impact.protect import ComparisonRow, Report, Row, Table, ZoneEstimate

PARIS = ZoneInfo("Europe/Paris")
register("release_month_open", "Ce mois n'est pas terminé : on ne publie que des mois clos.")
register("release_month_invalid", "Mois invalide : attendu AAAA-MM (par exemple 2026-10).")
register("release_none", "Aucune publication des chiffres d'impact pour l'instant.")
register("release_unknown", "Cette publication n'existe pas.")

#: more published figures of a release: ``(session, raws, until) -> None`` hooks that add
#: tables to each view (``raw.tables``), run before protection
EXTRA_VIEWS: list[Callable[[Session, list[RawFigures], datetime], None]] = []


# --- periods ---------------------------------------------------------------------------


def closed_month(now: datetime | None = None) -> str:
    """The last Europe/Paris month that is over."""
    local = (now or utcnow()).astimezone(PARIS)
    first = local.replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def period_end(period: str) -> datetime:
    """The instant (UTC) the month ``period`` ends: the first of the next Paris month."""
    try:
        year, month = (int(x) for x in period.split("-"))
        start = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=PARIS)
    except (ValueError, TypeError) as e:
        raise DomainError("release_month_invalid") from e
    if len(period) != 7 or not 1 <= month <= 12:
        raise DomainError("release_month_invalid")
    return start.astimezone(ZoneInfo("UTC"))


# --- computing -------------------------------------------------------------------------


def views(
    session: Session, programmes: Sequence[int] | None, until: datetime | None
) -> list[RawFigures]:
    """Every view of a release covering ``programmes`` (None: all): together, then each
    programme alone."""
    scope = Scope(None if programmes is None else frozenset(programmes))
    out = [counts.compute(session, scope, until)]
    ids = [i for i, _ in out[0].programmes]
    if len(ids) > 1:
        out += [counts.compute(session, Scope(frozenset({p})), until) for p in ids]
    from voucher.services.evaluation import published

    published.fill(session, out, until)
    for hook in EXTRA_VIEWS:
        hook(session, out, until)  # type: ignore[arg-type]
    return out


def protect(
    raws: Sequence[RawFigures], threshold: int | None, prior: Sequence[secrecy.Prior] = ()
) -> list[Report]:
    """The views protected together and against ``prior`` releases."""
    return joint.protect_release(raws, threshold, prior=prior)


def priors(session: Session, period: str) -> list[secrecy.Prior]:
    """Every view of every release published so far, as readers have them."""
    out = []
    for rel in session.scalars(select(ImpactRelease).order_by(ImpactRelease.number)):
        out += [secrecy.prior_of(thaw(v), same=rel.period == period) for v in rel.views]
    return out


def preview(session: Session, threshold: int | None = None) -> Report:
    """The last closed month's figures as they stand now, for the operator only: live,
    masked cell by cell (the joint protection runs when publishing), never exported,
    never stored."""
    from voucher.services.evaluation import published

    until = period_end(closed_month())
    raw = counts.compute(session, counts.EVERYTHING, until)
    published.fill(session, [raw], until)
    report = cell_by_cell.protect(raw, threshold)
    report.evaluation = published.estimates(raw, report)
    return report


def publish(
    session: Session,
    actor: Actor,
    *,
    period: str | None = None,
    programmes: Sequence[int] | None = None,
    threshold: int | None = None,
    now: datetime | None = None,
) -> ImpactRelease:
    """Compute, protect and freeze the next numbered release (audited
    ``impact.release``); ``now`` is the clock (tests)."""
    period = period or closed_month(now)
    until = period_end(period)
    if until > (now or utcnow()):
        raise DomainError("release_month_open")
    threshold = checked_threshold(threshold)
    ids = None if not programmes else sorted(set(programmes))
    raws = views(session, ids, until)
    reports = protect(raws, threshold, priors(session, period))
    from voucher.services.evaluation import published

    for raw, report in zip(raws, reports, strict=True):
        report.evaluation = published.estimates(raw, report)
    last = session.scalars(
        select(ImpactRelease).order_by(ImpactRelease.number.desc()).limit(1)
    ).first()
    rel = ImpactRelease(
        number=(last.number + 1) if last else 1,
        period=period,
        programmes=ids or [],
        threshold=threshold,
        created_at=utcnow().replace(microsecond=0),
        created_by=actor.label[:200],
        views=[freeze(r) for r in reports],
        pattern=[masked_cells(r) for r in reports],
        digest="",
    )
    rel.digest = digest(rel, last.digest if last else "")
    session.add(rel)
    session.flush()
    audit.record(
        session,
        actor,
        "impact.release",
        None,
        number=rel.number,
        period=period,
        programmes=ids or [],
        threshold=threshold,
        digest=rel.digest,
    )
    return rel


# --- reading ---------------------------------------------------------------------------


def latest(session: Session) -> ImpactRelease | None:
    return session.scalars(
        select(ImpactRelease).order_by(ImpactRelease.number.desc()).limit(1)
    ).first()


def numbered(session: Session, number: int) -> ImpactRelease:
    rel = session.scalars(select(ImpactRelease).where(ImpactRelease.number == number)).first()
    if rel is None:
        raise DomainError("release_unknown")
    return rel


def masked_again(session: Session, rel: ImpactRelease) -> list[str]:
    """The zones (their labels) whose key figures the previous release of the same
    programmes published and ``rel`` masks: a zone that gained fewer people than the
    threshold since is protected against it (the operator is told why after publishing)."""
    earlier = session.scalars(
        select(ImpactRelease)
        .where(ImpactRelease.number < rel.number)
        .order_by(ImpactRelease.number.desc())
    )
    views = {view_ids(v): v for v in rel.views}
    out: list[str] = []
    for old in earlier:
        before = [v for v in old.views if view_ids(v) in views]
        for v in before:
            now, then = thaw(views.pop(view_ids(v))), thaw(v)
            for zone in dom.ZONE_COLUMNS:
                was = cell_by_cell.key_figures(then, zone)
                shown = cell_by_cell.key_figures(now, zone)
                lost = any(was[m] is not None and shown[m] is None for m in was)
                if lost and dom.ZONE_LABELS[zone] not in out:
                    out.append(dom.ZONE_LABELS[zone])
        if not views:
            break
    return out


def view_ids(view: dict[str, Any]) -> frozenset[int]:
    return frozenset(int(i) for i, _ in view["programmes"])


def report_for(rel: ImpactRelease, scope: Scope) -> Report | None:
    """The view of ``rel`` a reader with ``scope`` may see: the widest one inside the
    scope (all programmes together if allowed, else one programme alone); None if no
    view lies inside it."""
    allowed = [
        v
        for v in rel.views
        if view_ids(v) and (scope.programmes is None or view_ids(v) <= scope.programmes)
    ]
    if not allowed:
        return None
    best = max(allowed, key=lambda v: (len(view_ids(v)), -min(view_ids(v))))
    return thaw(best)


def programmes_of(rel: ImpactRelease, scope: Scope) -> list[tuple[int, str]]:
    """The programmes of ``rel`` published alone that ``scope`` may see."""
    out = {}
    for v in rel.views:
        for i, name in v["programmes"]:
            if scope.allows(int(i)):
                out[int(i)] = str(name)
    return sorted(out.items(), key=lambda p: (p[1], p[0]))


def one_programme(rel: ImpactRelease, programme_id: int) -> Report | None:
    for v in rel.views:
        if view_ids(v) == {programme_id}:
            return thaw(v)
    return None


# --- freezing --------------------------------------------------------------------------


def freeze(report: Report) -> dict[str, Any]:
    """A published view as plain JSON (only what a reader sees)."""
    return {
        "programmes": [[i, n] for i, n in report.programmes],
        "generated_at": report.generated_at.isoformat(),
        "threshold": report.threshold,
        "seed": report.seed,
        "note": report.note,
        "primary": report.primary,
        "secondary": report.secondary,
        "tables": [
            {
                "name": t.name,
                "rows": [[r.code, r.label, r.zone, r.masked, r.values] for r in t.rows],
            }
            for t in report.tables
        ],
        "comparisons": [asdict(c) for c in report.comparisons],
        "evaluation": report.evaluation,
    }


def thaw(view: dict[str, Any]) -> Report:
    tables = []
    for t in view["tables"]:
        dim = dom.DIMENSION_BY_TABLE[t["name"]]
        rows = [Row(c, lab, z, bool(m), dict(v)) for c, lab, z, m, v in t["rows"]]
        tables.append(Table(t["name"], dim.title, dim, dom.measures_for(dim.family), rows))
    comparisons = [
        ComparisonRow(
            c["code"],
            c["label"],
            c["kind"],
            ZoneEstimate(**c["rural"]),
            ZoneEstimate(**c["urban"]),
            ZoneEstimate(**c["difference"]),
            c["significant"],
            c["conclusion"],
        )
        for c in view["comparisons"]
    ]
    report = Report(
        datetime.fromisoformat(view["generated_at"]),
        [(int(i), str(n)) for i, n in view["programmes"]],
        int(view["threshold"]),
        int(view["seed"]),
        tables,
        comparisons,
        view["note"],
        int(view["primary"]),
        int(view["secondary"]),
    )
    report.evaluation = dict(view.get("evaluation") or {})
    return report


def masked_cells(report: Report) -> dict[str, list[list[Any]]]:
    """The protection pattern: per table, each (row, zone) with the measures masked."""
    out: dict[str, list[list[Any]]] = {}
    for t in report.tables:
        cells = [
            [r.code, r.zone, sorted(m for m, v in r.values.items() if v is None)]
            for r in t.rows
            if r.masked or any(v is None for v in r.values.values())
        ]
        out[t.name] = cells
    return out


def digest(rel: ImpactRelease, previous: str) -> str:
    body = {
        "number": rel.number,
        "period": rel.period,
        "programmes": rel.programmes,
        "threshold": rel.threshold,
        "created_at": rel.created_at.isoformat(),
        "created_by": rel.created_by,
        "views": rel.views,
        "pattern": rel.pattern,
        "previous": previous,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
