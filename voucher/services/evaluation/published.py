"""The evaluation's figures in the frozen impact release.

Rules kept:

- Two **ordinary release tables** per view, people only, split by zone kind like every
  impact table: ``autonomie_par_personne`` (progress, same, drop, already autonomous, not
  evaluable) and ``suivi_apres_seances`` (each pilot person's latest answer after their
  sessions). They go through the release's joint protection and its attacker like every
  other table (primary and secondary suppression, then complementary suppression until no
  small group can be narrowed), and against earlier releases.
- The unit is the person **in a programme**: a view of several programmes adds up each
  programme's people (a person in two programmes counts in each), so a programme's table
  and the all-programmes table never contradict each other.
- The estimates (adjusted rural/urban gaps, the before/after) are computed from the same
  period's records (sessions scanned, carnets handed out and answers observed before the
  end of the released month) and frozen with the view, **after** protection: each is
  shown only when the published cells it rests on are (see
  :mod:`voucher.services.evaluation.overview`); a withheld estimate keeps no count.
- Nothing here is recomputed when a release is read: :func:`overview_of` rebuilds the
  page's figures from the frozen view alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from voucher.db.queries import evaluation as queries
from voucher.documents.impact.model import Column, Sheet
from voucher.domain import did, outcome, vocab
from voucher.domain import impact as dom
from voucher.domain.suppression import TOTAL
from voucher.services.evaluation import overview
from voucher.services.impact.counts import RawFigures, RawTable
from voucher.services.impact.protect import Report

AUTONOMY_TABLE = "autonomie_par_personne"
FOLLOW_UP_TABLE = "suivi_apres_seances"
#: export zone code -> database zone code (the raw tables' keys)
DB_ZONE = {export: code for code, export in dom.ZONES.items()}


def _add(table: RawTable, row: str, zone: str) -> None:
    z = DB_ZONE.get(zone, dom.NOT_GIVEN)
    for key in ((row, z), (row, TOTAL), (TOTAL, z), (TOTAL, TOTAL)):
        cell = table.cells.setdefault(key, {"beneficiaires": 0})
        cell["beneficiaires"] += 1


def _finish(table: RawTable) -> None:
    vocabulary = table.dimension.vocabulary or {}
    found = {r for r, _ in table.cells if r != TOTAL}
    table.rows = [c for c in vocabulary if c in found]
    table.codes = {r: r for r in table.rows}
    table.labels = {r: vocabulary[r] for r in table.rows}


def fill(session: Session, raws: list[RawFigures], until: datetime | None) -> None:
    """Add the evaluation tables and inputs to every view of a release."""
    for raw in raws:
        ids = [i for i, _ in raw.programmes]
        autonomy, follow = raw.tables[AUTONOMY_TABLE], raw.tables[FOLLOW_UP_TABLE]
        autonomy.cells.clear()
        follow.cells.clear()
        for p in ids:
            alone = frozenset({p})
            for person in queries.people_sessions(session, alone, until).values():
                _add(autonomy, outcome.category(person.levels), person.zone)
            for a in overview.pilot_after(queries.follow_up_answers(session, alone, until)):
                _add(follow, a.answer, a.zone)
        _finish(autonomy)
        _finish(follow)
        raw.evaluation = overview.inputs(session, frozenset(ids), until) if ids else None


def published_table(report: Report, name: str, categories: Sequence[str]) -> overview.OutcomeTable:
    """category -> zone -> people as the release shows them (None: masked; a row or zone
    the table does not hold describes nobody)."""
    zones = (*overview.ZONES, TOTAL)
    cells: dict[str, dict[str, int | None]] = {
        c: dict.fromkeys(zones, 0) for c in (*categories, TOTAL)
    }
    masked = 0
    table = next((t for t in report.tables if t.name == name), None)
    for r in table.rows if table else []:
        if r.code in cells and r.zone in zones:
            value = r.values.get("beneficiaires")
            cells[r.code][r.zone] = None if r.masked or value is None else int(value)
            masked += r.masked
    return overview.OutcomeTable(cells, masked)


def tables_of(report: Report) -> tuple[overview.OutcomeTable, overview.OutcomeTable]:
    return (
        published_table(report, AUTONOMY_TABLE, tuple(outcome.CATEGORIES)),
        published_table(report, FOLLOW_UP_TABLE, tuple(vocab.FOLLOW_UP)),
    )


# --- freezing the estimates ------------------------------------------------------------

ADJUSTED = ("by_sessions", "by_sessions_and_public", "completion_by_public", "follow_up_by_public")


def _adjusted(a: outcome.Adjusted | None) -> dict[str, Any] | None:
    if a is None:
        return None
    if not a.published:  # withheld: its counts could give a masked cell back
        return {
            "published": False,
            "conclusion": a.conclusion,
            "adjusted_for": list(a.adjusted_for),
        }
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(a).items()}


def _did(d: did.DiD | None) -> dict[str, Any] | None:
    if d is None:
        return None
    cells = [[g, m, None if c is None else [c.people, c.alone]] for (g, m), c in d.cells.items()]
    if not d.published:
        cells = [[g, m, None] for g, m, _ in cells]
    return {
        "design": d.design,
        "cells": cells,
        "estimate": d.estimate,
        "low": d.low,
        "high": d.high,
        "published": d.published,
        "conclusion": d.conclusion,
        "limits": d.limits,
    }


def estimates(raw: RawFigures, report: Report) -> dict[str, Any]:
    """The estimates of one protected view, as frozen in the release."""
    if raw.evaluation is None:
        return {}
    table, follow = tables_of(report)
    view = overview.assemble(raw.evaluation, report, table, follow)
    out: dict[str, Any] = {k: _adjusted(getattr(view, k)) for k in ADJUSTED}
    out["before_after"] = _did(view.before_after)
    return out


def _thaw_adjusted(d: dict[str, Any] | None) -> outcome.Adjusted | None:
    if d is None:
        return None
    if not d.get("published"):
        none: dict[str, Any] = dict.fromkeys(
            ("gap", "low", "high", "odds_ratio", "odds_low", "odds_high", "raw_rural", "raw_urban")
        )
        return outcome.Adjusted(
            0,
            0,
            0,
            0,
            **none,
            adjusted_for=tuple(d.get("adjusted_for", ())),
            published=False,
            conclusion=d["conclusion"],
        )
    return outcome.Adjusted(**{**d, "adjusted_for": tuple(d["adjusted_for"])})


def _thaw_did(d: dict[str, Any] | None) -> did.DiD | None:
    if d is None:
        return None
    cells = {(g, m): None if c is None else did.Cell(*c) for g, m, c in d["cells"]}
    return did.DiD(
        d["design"],
        cells,
        d["estimate"],
        d["low"],
        d["high"],
        d["published"],
        d["conclusion"],
        d["limits"],
    )


def overview_of(report: Report) -> overview.Overview | None:
    """The evaluation page's figures from a frozen view alone (None: a release published
    before the evaluation joined it)."""
    e = report.evaluation
    if not e:
        return None
    table, follow = tables_of(report)
    adjusted = {k: _thaw_adjusted(e.get(k)) for k in ADJUSTED}
    return overview.Overview(
        overview.running_pilot(report),
        table,
        adjusted["by_sessions"],  # type: ignore[arg-type]
        adjusted["by_sessions_and_public"],  # type: ignore[arg-type]
        report.threshold,
        adjusted["completion_by_public"],
        follow,
        adjusted["follow_up_by_public"],
        _thaw_did(e.get("before_after")),
    )


# --- the estimates as an export sheet ---------------------------------------------------

#: code -> (what is compared, unit, method); the ``analyse`` column's code list
ANALYSES: dict[str, tuple[str, str, str]] = {
    "by_sessions": (
        "Autonomie en progrès, rural − urbain, à nombre de séances égal",
        "personnes pouvant progresser",
        "regression_logistique",
    ),
    "by_sessions_and_public": (
        "Autonomie en progrès, rural − urbain, à séances, public et tranche d'âge égaux",
        "personnes pouvant progresser",
        "regression_logistique",
    ),
    "completion_by_public": (
        "Carnets terminés, rural − urbain, à public et tranche d'âge égaux",
        "carnets remis",
        "regression_logistique",
    ),
    "follow_up_by_public": (
        "« Oui, seule » après les séances, rural − urbain, à séances, public et âge égaux",
        "personnes interrogées",
        "regression_logistique",
    ),
    "before_after": (
        "« Oui, seule » : évolution du pilote moins celle du groupe de comparaison",
        "personnes interrogées",
        "difference_de_differences",
    ),
}
METHODS = {
    "regression_logistique": "Régression logistique (statsmodels), effet marginal moyen de la "
    "zone rurale, intervalle à 95 % par la méthode delta ; erreurs types regroupées par "
    "personne quand une personne compte plusieurs fois (ses carnets).",
    "difference_de_differences": "Modèle linéaire alone = a + b·pilote + c·après + "
    "d·pilote·après (statsmodels), d avec son intervalle à 95 %, erreurs types regroupées "
    "par personne.",
}
SHEET = "evaluation"


def _columns() -> list[Column]:
    return [
        Column("analyse", "Code de l'estimation.", "text"),
        Column("libelle", "Ce qui est estimé, en français.", "text"),
        Column("methode", "Méthode d'estimation.", "text"),
        Column("unite", "Unité comptée.", "text"),
        Column("ajuste_sur", "Variables tenues égales (ajustement).", "text"),
        Column("masque", dict(dom.COMMON_COLUMNS)["masque"], "text"),
        Column("n_rural", "Effectif comparé en zone rurale (dans l'unité dite).", "int"),
        Column("n_urbain", "Effectif comparé en zone urbaine (dans l'unité dite).", "int"),
        Column("ecart", "Écart estimé, en part (0,15 = 15 points).", "float"),
        Column("ecart_ic95_bas", "Borne basse de l'intervalle de confiance à 95 %.", "float"),
        Column("ecart_ic95_haut", "Borne haute de l'intervalle de confiance à 95 %.", "float"),
        Column("rapport_cotes", "Rapport des cotes de la zone rurale (régression).", "float"),
        Column("rapport_cotes_bas", "Borne basse à 95 % du rapport des cotes.", "float"),
        Column("rapport_cotes_haut", "Borne haute à 95 % du rapport des cotes.", "float"),
        Column(
            "significatif", "oui si l'intervalle exclut 0, non sinon ; vide si non publié.", "text"
        ),
        Column("conclusion", "Ce que l'on peut conclure, en mots, et les limites.", "text"),
    ]


def _round(v: Any) -> float | None:
    return None if v is None else round(float(v), 4)


def sheet(report: Report) -> Sheet | None:
    """The frozen estimates of ``report`` as one export sheet (None before the evaluation
    joined the releases)."""
    view = overview_of(report)
    if view is None:
        return None
    rows: list[list[Any]] = []
    for code, (label, unit, method) in ANALYSES.items():
        found = getattr(view, code)
        if found is None:
            continue
        if isinstance(found, did.DiD):
            shown = found.published and found.estimate is not None
            values = [None, None, found.estimate, found.low, found.high, None, None, None]
            held, words = "", f"{found.conclusion} {found.limits}"
        else:
            shown = found.published and found.gap is not None
            values = [
                found.n_rural if found.published else None,
                found.n_urban if found.published else None,
                found.gap,
                found.low,
                found.high,
                found.odds_ratio,
                found.odds_low,
                found.odds_high,
            ]
            held, words = ", ".join(found.adjusted_for), found.conclusion
        sig = "" if found.significant is None else ("oui" if found.significant else "non")
        rows.append(
            [
                code,
                label,
                method,
                unit,
                held,
                "" if shown else "oui",
                *values[:2],
                *(_round(v) for v in values[2:]),
                sig,
                words,
            ]
        )
    return Sheet(SHEET, "Évaluation : écarts ajustés et avant/après", _columns(), rows)
