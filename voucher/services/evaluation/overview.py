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

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from voucher.db.queries import evaluation as queries
from voucher.domain import did, outcome, power, vocab
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
    #: completed carnets, rural vs urban, at equal public and age band (logistic regression)
    completion_by_public: outcome.Adjusted | None = None
    #: latest "done it alone since" answer of each pilot person after their sessions
    follow_ups: OutcomeTable | None = None
    #: "done it alone" (yes), rural vs urban, at equal sessions, public and age band
    follow_up_by_public: outcome.Adjusted | None = None
    #: the before/after with the declared comparison group, when there is one
    before_after: did.DiD | None = None


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


def report_lines(report: Report, view: Overview | None = None) -> list[str]:
    """Paragraphs for the PDF report: the design, what the pilot's size lets it see, and
    (given the evaluation's figures) the adjusted comparisons and the before/after."""
    ba = view.before_after if view else None
    if ba is None:
        design = (
            "Plan d'évaluation : comparaison observée de deux types de zone (rural, urbain), "
            "sans tirage au sort ni groupe témoin ; les écarts ajustés tiennent compte du "
            "nombre de séances, du public et de la tranche d'âge (régression logistique), pas "
            "des différences non notées."
        )
    else:
        design = (
            f"Plan d'évaluation : {ba.design_words} Sans tirage au sort. {ba.limits} Les écarts "
            "entre zones sont ajustés sur le nombre de séances, le public et la tranche d'âge "
            "(régression logistique)."
        )
    lines = [design]
    lines += [f"Taille du pilote, {r.label.lower()} : {r.reason}" for r in running_pilot(report)]
    if view is not None:
        for title, a in (
            ("Carnets terminés", view.completion_by_public),
            ("Autonomie", view.by_sessions_and_public),
            ("Démarche faite seul après les séances", view.follow_up_by_public),
        ):
            if a is not None:
                lines.append(f"{title} : {a.conclusion}")
        if ba is not None:
            lines.append(f"Avant/après : {ba.conclusion}")
    return lines


def outcome_table(people: list[outcome.Person], threshold: int) -> OutcomeTable:
    return protected_table(outcome.table(people), tuple(outcome.CATEGORIES), threshold)


def protected_table(
    raw: dict[str, dict[str, int]], categories: tuple[str, ...], threshold: int
) -> OutcomeTable:
    """zone -> category -> people, through primary and secondary suppression."""
    values: dict[tuple[str, str], int] = {}
    for zone, row in raw.items():
        if zone == "ensemble":
            continue
        for cat, n in row.items():
            values[(cat, zone)] = n
    for cat in categories:
        values[(cat, TOTAL)] = sum(values.get((cat, z), 0) for z in ZONES)
    for zone in (*ZONES, TOTAL):
        values[(TOTAL, zone)] = sum(values.get((c, zone), 0) for c in categories)
    grid = Grid(categories, ZONES, values)
    s = suppress(grid, threshold)
    cells = {
        cat: {z: None if s.is_masked(cat, z) else grid.value((cat, z)) for z in (*ZONES, TOTAL)}
        for cat in (*categories, TOTAL)
    }
    return OutcomeTable(cells, len(s.masked))


def _guarded(
    result: outcome.Adjusted,
    table: OutcomeTable,
    compared: tuple[str, ...] = COMPARED,
    columns: tuple[str, ...] = ("rural", "urbain"),
) -> outcome.Adjusted:
    if not result.published:
        return result
    # the comparison shows how many people it compares per zone (progress + same + drop):
    # with one of these cells masked, that number would give the masked cell back
    if any(table.cells[c][z] is None for c in compared for z in columns):
        return result.withheld("Non publié : une case du tableau des résultats est masquée.")
    return result


@dataclass
class Inputs:
    """What the evaluation reads for a set of programmes (raw: never published as is)."""

    sessions: dict[int, queries.PersonSessions]
    carnets: list[queries.Carnet]
    answers: list[queries.Answered]
    kinds: list[str]

    @property
    def people(self) -> list[outcome.Person]:
        return [
            outcome.Person(
                p.zone,
                p.levels,
                len(p.levels),
                {"population": p.population, "tranche_age": p.age_band},
            )
            for p in self.sessions.values()
        ]


def inputs(
    session: Session, programmes: frozenset[int] | None, until: datetime | None = None
) -> Inputs:
    return Inputs(
        queries.people_sessions(session, programmes, until),
        queries.handed_out_carnets(session, programmes, until),
        queries.follow_up_answers(session, programmes, until),
        queries.comparison_kinds(session, programmes),
    )


def assemble(data: Inputs, report: Report, table: OutcomeTable, follow: OutcomeTable) -> Overview:
    """The evaluation from its inputs and its protected tables (the release's, or the
    live preview's)."""
    people = data.people
    t = report.threshold
    return Overview(
        running_pilot(report),
        table,
        _guarded(outcome.compare(people, threshold=t), table),
        _guarded(outcome.compare(people, BY_PUBLIC, threshold=t), table),
        t,
        completion_by_public(data.carnets, report),
        follow,
        _guarded(follow_up_by_public(data.answers, data.sessions, t), follow, ANSWERED),
        before_after(data.kinds, data.answers, follow, t),
    )


def overview(session: Session, scope: counts.Scope, report: Report) -> Overview:
    """Live, for the operator's preview only (readers get the release's)."""
    data = inputs(session, scope.programmes)
    return assemble(
        data,
        report,
        outcome_table(data.people, report.threshold),
        follow_up_table(data.answers, report.threshold),
    )


#: answers that say something (``non_communique``: not asked)
ANSWERED = ("autonome", "partiellement_autonome", "entierement_accompagne")
BY_PUBLIC = ("population", "tranche_age")


def completion_by_public(carnets: list[queries.Carnet], report: Report) -> outcome.Adjusted:
    """Completed carnets, rural vs urban, at equal public and age band (carnets are the
    unit, as in the report's comparison, which must itself be published)."""
    rows = [
        outcome.Person(c.zone, (), 0, {"population": c.population, "tranche_age": c.age_band})
        for c in carnets
    ]
    result = outcome.compare_share(
        rows,
        [c.completed for c in carnets],
        BY_PUBLIC,
        threshold=report.threshold,
        what="la part de carnets terminés",
        sessions=False,
        groups=[c.person for c in carnets],
    )
    row = next((c for c in report.comparisons if c.code == "carnets_termines"), None)
    if row is None or row.rural.n is None or row.urban.n is None:
        return result.withheld("Non publié : la comparaison des carnets terminés est masquée.")
    return result


def pilot_after(answers: list[queries.Answered]) -> list[queries.Answered]:
    return [a for a in answers if a.cohort == "pilote" and a.moment == "apres"]


def follow_up_table(answers: list[queries.Answered], threshold: int) -> OutcomeTable:
    """Pilot people by their latest answer after their sessions, per zone (people)."""
    raw: dict[str, dict[str, int]] = {}
    for a in pilot_after(answers):
        row = raw.setdefault(a.zone, dict.fromkeys(vocab.FOLLOW_UP, 0))
        row[a.answer] += 1
    return protected_table(raw, tuple(vocab.FOLLOW_UP), threshold)


def follow_up_by_public(
    answers: list[queries.Answered],
    sessions: dict[int, queries.PersonSessions],
    threshold: int,
) -> outcome.Adjusted:
    asked = [a for a in pilot_after(answers) if a.answer in ANSWERED]
    rows = [
        outcome.Person(
            a.zone,
            (),
            len(sessions[a.person].levels) if a.person in sessions else 0,
            {"population": a.population, "tranche_age": a.age_band},
        )
        for a in asked
    ]
    return outcome.compare_share(
        rows,
        [a.answer == "autonome" for a in asked],
        BY_PUBLIC,
        threshold=threshold,
        what="la part de personnes qui font seules la démarche",
    )


def before_after(
    kinds: list[str],
    answers: list[queries.Answered],
    follow: OutcomeTable,
    threshold: int,
) -> did.DiD | None:
    """The difference in differences, when one comparison group is declared in scope."""
    if len(kinds) != 1:
        return None  # none declared, or several programmes with different designs
    rows = [
        did.Answer(a.person, a.cohort == "pilote", a.moment == "apres", a.answer == "autonome")
        for a in answers
        if a.answer in ANSWERED
    ]
    result = did.estimate(kinds[0], rows, threshold=threshold)
    # its "pilot, after" cell adds up the follow-up table's totals: all must be published
    if result.published and any(follow.cells[c][TOTAL] is None for c in ANSWERED):
        return did.withheld(result, "Non publié : une case du tableau des suivis est masquée.")
    return result
