"""What the evaluation page and the report say: can the pilot see a gap, did people gain
autonomy, and does the rural/urban gap hold once sessions and publics are accounted for.

Rules kept:

- Published figures only. The running pilot's detectable difference uses the published
  numbers of carnets handed out per zone (the comparison rows of the protected report);
  the autonomy outcome table counts **people** and goes through the same primary and
  secondary suppression as every impact table (``voucher.domain.suppression``); an
  adjusted comparison is shown only when the cells it rests on (people in progress, and
  not, per zone) are published.
- Reads only: nothing is written, so a page view changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from voucher.db.queries import evaluation as queries
from voucher.domain import outcome, power
from voucher.domain.suppression import TOTAL, Grid, suppress
from voucher.services.impact import counts
from voucher.services.impact.protect import Report

ZONES = ("rural", "urbain", "non_renseigne")
ZONE_LABELS = {
    "rural": "Rural",
    "urbain": "Urbain",
    "non_renseigne": "Non renseigné",
    TOTAL: "Ensemble",
}
COMPARED = ("progres", "stable", "recul")
PLANNED = (
    ("carnets_commences", "carnet_commence"),
    ("carnets_termines", "carnet_termine"),
    ("autonomie_progression", "autonomie_gagnee"),
)


@dataclass(frozen=True)
class RunningPilot:
    outcome: str
    label: str
    detectable: power.Detectable | None
    reason: str


@dataclass(frozen=True)
class OutcomeTable:
    """category -> zone -> people, ``None`` when masked; unit: beneficiaries."""

    cells: dict[str, dict[str, int | None]]
    masked: int
    unit: str = "bénéficiaires (personnes)"


@dataclass(frozen=True)
class Overview:
    running: list[RunningPilot]
    outcomes: OutcomeTable
    by_sessions: outcome.Adjusted
    by_sessions_and_public: outcome.Adjusted
    threshold: int


def running_pilot(report: Report) -> list[RunningPilot]:
    out = []
    for code, planned in PLANNED:
        label = power.OUTCOMES[planned][0]
        row = next((c for c in report.comparisons if c.code == code), None)
        if row is None or row.rural.n is None or row.urban.n is None:
            out.append(RunningPilot(planned, label, None, "Non publié (trop peu de carnets)."))
            continue
        baseline = row.urban.estimate if row.urban.estimate not in (None, 0.0, 1.0) else 0.5
        d = power.detectable(float(baseline or 0.5), row.rural.n, row.urban.n)
        out.append(RunningPilot(planned, label, d, d.sentence()))
    return out


def report_lines(report: Report) -> list[str]:
    """Paragraphs for the PDF report: the design, and what the pilot's size lets it see."""
    lines = [
        "Plan d'évaluation : comparaison observée de deux types de zone (rural, urbain), sans "
        "tirage au sort ni groupe témoin ; les écarts ajustés (page Évaluation) tiennent compte "
        "du nombre de séances, du public et de la tranche d'âge, pas des différences non notées."
    ]
    lines += [f"Taille du pilote, {r.label.lower()} : {r.reason}" for r in running_pilot(report)]
    return lines


def outcome_table(people: list[outcome.Person], threshold: int) -> OutcomeTable:
    raw = outcome.table(people)
    values: dict[tuple[str, str], int] = {}
    for zone, row in raw.items():
        for cat, n in row.items():
            values[(cat, TOTAL if zone == "ensemble" else zone)] = n
    for cat in outcome.CATEGORIES:
        values[(cat, TOTAL)] = sum(values.get((cat, z), 0) for z in ZONES)
    for zone in (*ZONES, TOTAL):
        values[(TOTAL, zone)] = sum(values.get((c, zone), 0) for c in outcome.CATEGORIES)
    grid = Grid(tuple(outcome.CATEGORIES), ZONES, values)
    s = suppress(grid, threshold)
    cells = {
        cat: {z: None if s.is_masked(cat, z) else grid.value((cat, z)) for z in (*ZONES, TOTAL)}
        for cat in (*outcome.CATEGORIES, TOTAL)
    }
    return OutcomeTable(cells, len(s.masked))


def _guarded(result: outcome.Adjusted, table: OutcomeTable) -> outcome.Adjusted:
    if not result.published:
        return result
    # the comparison shows how many people it compares per zone (progress + same + drop):
    # with one of these cells masked, that number would give the masked cell back
    if any(table.cells[c][z] is None for c in COMPARED for z in ("rural", "urbain")):
        return replace(
            result,
            gap=None,
            low=None,
            high=None,
            odds_ratio=None,
            odds_low=None,
            odds_high=None,
            published=False,
            conclusion="Non publié : une case du tableau des résultats est masquée.",
        )
    return result


def overview(session: Session, scope: counts.Scope, report: Report) -> Overview:
    rows = queries.people_sessions(session, scope.programmes)
    people = [
        outcome.Person(
            p.zone,
            p.levels,
            len(p.levels),
            {"population": p.population, "tranche_age": p.age_band},
        )
        for p in rows.values()
    ]
    table = outcome_table(people, report.threshold)
    return Overview(
        running_pilot(report),
        table,
        _guarded(outcome.compare(people, threshold=report.threshold), table),
        _guarded(
            outcome.compare(people, ("population", "tranche_age"), threshold=report.threshold),
            table,
        ),
        report.threshold,
    )
