"""The funder's dashboard: for the programmes it funds, where the carnets stand (issued,
handed out, started, completed), the money still in people's hands, what needs a look
(passages held for review, carnets lost or stolen, programmes ending soon), the same by
pilot zone (the beneficiary's commune), and the months added up for a chart."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Beneficiary,
    Book,
    PilotZone,
    PilotZoneCommune,
    Programme,
    Redemption,
    Voucher,
)
from voucher.db.queries.funder import LIVE, FollowUp, followup
from voucher.domain.states import VoucherState

ENDING_SOON_DAYS = 30


@dataclass
class ProgrammeFigures:
    programme: Programme
    follow: FollowUp
    #: vouchers handed out, not yet used, still usable: what people can still spend
    in_circulation_cents: int
    held: int


@dataclass
class ZoneRow:
    name: str
    kind: str | None
    handed_out: int = 0
    started: int = 0
    completed: int = 0


@dataclass
class Dashboard:
    programmes: list[ProgrammeFigures] = field(default_factory=list)
    zones: list[ZoneRow] = field(default_factory=list)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (kind, French sentence)
    months: list[str] = field(default_factory=list)
    series: dict[str, list[int]] = field(default_factory=dict)

    def total(self, name: str) -> int:
        return sum(int(getattr(p.follow, name)) for p in self.programmes)

    @property
    def in_circulation_cents(self) -> int:
        return sum(p.in_circulation_cents for p in self.programmes)


def _count(session: Session, stmt: object) -> int:
    return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]


def dashboard(session: Session, programmes: list[Programme], today: date) -> Dashboard:
    out = Dashboard()
    for p in programmes:
        distributed = _count(
            session,
            select(func.count())
            .select_from(Voucher)
            .where(Voucher.programme_id == p.id, Voucher.state == VoucherState.DISTRIBUTED),
        )
        held = _count(
            session,
            select(func.count())
            .select_from(Redemption)
            .where(Redemption.programme_id == p.id, Redemption.status == "held"),
        )
        out.programmes.append(
            ProgrammeFigures(p, followup(session, p), distributed * p.face_value_cents, held)
        )
    _alerts(out, today)
    _months(out)
    out.zones = _zones(session, programmes)
    return out


def _alerts(out: Dashboard, today: date) -> None:
    for f in out.programmes:
        name = f.programme.name
        if f.held:
            out.alerts.append(("held", f"{name} : {f.held} passage(s) en attente de vérification."))
        if f.follow.books_lost:
            out.alerts.append(
                (
                    "lost",
                    f"{name} : {f.follow.books_lost} carnet(s) déclaré(s) perdu(s) ou volé(s).",
                )
            )
        end = f.programme.valid_until
        if f.programme.status == "open" and today <= end <= today + timedelta(ENDING_SOON_DAYS):
            out.alerts.append(
                ("ending", f"{name} : fin de validité le {end.strftime('%d/%m/%Y')}.")
            )


def _months(out: Dashboard) -> None:
    months = sorted({m for f in out.programmes for m in f.follow.months})
    out.months = months
    for f in out.programmes:
        position = {m: i for i, m in enumerate(f.follow.months)}
        for name, values in f.follow.series.items():
            total = out.series.setdefault(name, [0] * len(months))
            last = 0
            for i, m in enumerate(months):  # a cumulative series keeps its last value
                if m in position:
                    last = values[position[m]]
                total[i] += last


def _zones(session: Session, programmes: list[Programme]) -> list[ZoneRow]:
    size = {p.id: p.vouchers_per_book for p in programmes}
    if not size:
        return []
    books = session.execute(
        select(Book.id, Book.programme_id, Beneficiary.commune_insee)
        .join(Beneficiary, Beneficiary.id == Book.beneficiary_id)
        .where(Book.programme_id.in_(sorted(size)), Book.handed_out_at.is_not(None))
    ).all()
    used = Counter(
        dict(
            session.execute(
                select(Redemption.book_id, func.count())
                .where(Redemption.programme_id.in_(sorted(size)), Redemption.status.in_(LIVE))
                .group_by(Redemption.book_id)
            ).all()
        )
    )
    zone_of: dict[str, tuple[int, str, str]] = {}
    for zid, zname, kind, code in session.execute(
        select(PilotZone.id, PilotZone.name, PilotZone.kind, PilotZoneCommune.insee_code).join(
            PilotZoneCommune, PilotZoneCommune.zone_id == PilotZone.id
        )
    ):
        zone_of.setdefault(str(code), (int(zid), str(zname), str(kind)))
    rows: dict[int, ZoneRow] = {}
    outside = ZoneRow("Hors zone pilote ou commune non renseignée", None)
    for book_id, programme_id, commune in books:
        zone = zone_of.get(commune or "")
        row = outside if zone is None else rows.setdefault(zone[0], ZoneRow(zone[1], zone[2]))
        row.handed_out += 1
        n = used.get(book_id, 0)
        row.started += 1 if n else 0
        row.completed += 1 if n >= size[programme_id] else 0
    ordered = sorted(rows.values(), key=lambda r: r.name)
    return [*ordered, outside] if outside.handed_out else ordered
