"""Charts and the funder's PDF report, drawn from protected figures only.

Rules kept: every number shown comes from a :class:`~voucher.services.impact.protect.Report`
(after statistical secrecy); a masked number is written "masqué", never replaced by 0;
intervals are always shown next to the estimates they qualify.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from voucher.documents.impact import charts
from voucher.documents.impact.report import ReportDoc, render
from voucher.domain import impact as dom
from voucher.domain import stats
from voucher.domain.calendar import PARIS
from voucher.domain.money import format_eur
from voucher.domain.suppression import TOTAL
from voucher.services.evaluation import overview
from voucher.services.impact.protect import ComparisonRow, Report, ZoneEstimate

CHARTS = {
    "mois": "Chèques encaissés par mois et type de zone",
    "entonnoir": "Des carnets émis aux carnets terminés",
    "delais": "Délai entre la remise du carnet et la première séance",
    "autonomie": "Autonomie en progrès entre la première et la dernière séance",
}
MASKED = "masqué (secret statistique)"
ZONE_NAMES = (("rural", "Rural"), ("urbain", "Urbain"), (TOTAL, "Ensemble"))


def _total(report: Report, zone: str, code: str) -> Any:
    return report.total(dom.BOOKS, zone, code)


def _monthly(report: Report, fmt: str) -> bytes:
    table = report.table("par_mois")
    months = sorted({r.code for r in table.rows if r.code != TOTAL})
    series: dict[str, list[Any]] = {}
    for zone, label in (("rural", "Rural"), ("urbain", "Urbain"), (dom.NOT_GIVEN, "Non renseigné")):
        cells = {r.code: r.values.get("cheques_encaisses") for r in table.rows if r.zone == zone}
        if zone == dom.NOT_GIVEN and not any(cells.values()):
            continue
        series[label] = [cells.get(m, 0) if m in cells else 0 for m in months]
    return charts.monthly_by_zone(months, series, fmt)


def _funnel(report: Report, fmt: str) -> bytes:
    stages = [
        (dom.measure(dom.BOOKS, code).label, _total(report, TOTAL, code))
        for code in (
            "carnets_emis",
            "carnets_actives",
            "carnets_remis",
            "carnets_commences",
            "carnets_termines",
        )
    ]
    return charts.funnel(stages, fmt)


def _delays(report: Report, fmt: str) -> bytes:
    groups = [
        charts.Spread(
            label,
            _total(report, zone, "delai_premiere_seance_q1_jours"),
            _total(report, zone, "delai_premiere_seance_mediane_jours"),
            _total(report, zone, "delai_premiere_seance_q3_jours"),
        )
        for zone, label in ZONE_NAMES
    ]
    return charts.delays(groups, fmt)


def _share(label: str, part: Any, whole: Any) -> charts.Share:
    if part is None or not whole:
        return charts.Share(label, None, None, None)
    w = stats.wilson(int(part), int(whole))
    return charts.Share(label, w.estimate, w.low, w.high)


def _autonomy(report: Report, fmt: str) -> bytes:
    shares = []
    for zone, label in ZONE_NAMES:
        part = _total(report, zone, "autonomie_progression")
        whole = _total(report, zone, "autonomie_evaluables")
        shares.append(
            _share(label, part, whole)
            if _total(report, zone, "part_progression_autonomie") is not None
            else charts.Share(label, None, None, None)
        )
    return charts.autonomy(shares, fmt)


def chart(report: Report, name: str, fmt: str = "png") -> bytes:
    drawers = {"mois": _monthly, "entonnoir": _funnel, "delais": _delays, "autonomie": _autonomy}
    if name not in drawers or fmt not in ("png", "svg"):
        raise KeyError(name)
    return drawers[name](report, fmt)


# --- the PDF ---------------------------------------------------------------------------


def _n(value: Any) -> str:
    return (
        MASKED if value is None else stats.fr_number(value, 0 if float(value).is_integer() else 1)
    )


def _pct(value: Any) -> str:
    return MASKED if value is None else stats.fr_percent(value)


def _eur(value: Any) -> str:
    return MASKED if value is None else format_eur(int(value))


def key_lines(report: Report) -> list[tuple[str, str]]:
    t = lambda code: _total(report, TOTAL, code)  # noqa: E731
    return [
        ("Carnets émis", _n(t("carnets_emis"))),
        ("Carnets remis à un bénéficiaire", _n(t("carnets_remis"))),
        ("Bénéficiaires distincts", _n(t("beneficiaires"))),
        ("Carnets commencés (au moins une séance)", _n(t("carnets_commences"))),
        ("Carnets terminés (tous les chèques utilisés)", _n(t("carnets_termines"))),
        ("Chèques encaissés (séances payées)", _n(t("cheques_encaisses"))),
        ("Taux d'utilisation des chèques remis", _pct(t("taux_utilisation"))),
        ("Coût par bénéficiaire (valeur encaissée)", _eur(t("cout_par_beneficiaire_centimes"))),
        (
            "Délai médian entre remise et première séance",
            f"{_n(t('delai_premiere_seance_mediane_jours'))} jours"
            if t("delai_premiere_seance_mediane_jours") is not None
            else MASKED,
        ),
        (
            "Part des bénéficiaires dont l'autonomie a progressé",
            _pct(t("part_progression_autonomie")),
        ),
        ("Valeur non utilisée (expirée ou annulée)", _eur(t("valeur_non_utilisee_centimes"))),
        ("Lieux ayant accueilli des séances", _n(t("lieux_actifs"))),
    ]


def _zone_text(c: ComparisonRow, z: ZoneEstimate) -> str:
    if z.estimate is None or z.low is None or z.high is None:
        return MASKED
    if c.kind == "proportion":
        return f"{stats.fr_percent(z.estimate)} ({stats.fr_percent(z.low)} à {stats.fr_percent(z.high)}), n = {z.n}"
    return f"{_n(z.estimate)} j ({_n(z.low)} à {_n(z.high)}), n = {z.n}"


def _gap_text(c: ComparisonRow) -> str:
    d = c.difference
    if d.estimate is None or d.low is None or d.high is None:
        return "non publié"
    if c.kind == "proportion":
        return f"{stats.fr_points(d.estimate)} (de {stats.fr_points(d.low)} à {stats.fr_points(d.high)})"
    return f"{stats.fr_signed(d.estimate, 1)} j (de {stats.fr_signed(d.low, 1)} à {stats.fr_signed(d.high, 1)})"


METHOD = [
    "Les chiffres viennent du registre : carnets émis et remis, chèques encaissés (scans acceptés, "
    "annulations déduites), niveau d'autonomie noté par le lieu à chaque séance (échelle nationale : "
    "entièrement accompagné, partiellement autonome, autonome).",
    "Le type de zone (rural ou urbain) est celui de la commune du bénéficiaire dans la grille communale "
    "de densité de l'INSEE, copié au moment de la remise du carnet.",
    "Les parts sont données avec un intervalle de confiance à 95 % (méthode de Wilson) ; l'écart entre "
    "zones avec l'intervalle de Newcombe. Les médianes ont un intervalle bootstrap (4 000 tirages, "
    "graine fixe : le même export redonne les mêmes chiffres). Un écart est dit significatif quand son "
    "intervalle ne contient pas zéro.",
    "Délai jusqu'à la première séance : jours calendaires, heure de Paris, entre la remise du carnet et "
    "la première séance payée. Progrès d'autonomie : niveau de la dernière séance notée plus élevé que "
    "celui de la première, parmi les carnets avec au moins deux séances notées.",
]
LIMITS = [
    "Ce sont des comparaisons observées, pas des effets mesurés : les publics des zones rurales et "
    "urbaines diffèrent (âge, situation, prescripteurs), et il n'y a pas de groupe témoin.",
    "Le niveau d'autonomie est noté par les médiateurs, sans grille commune d'observation : il peut varier "
    "d'un lieu à l'autre. Il n'est connu que pour les personnes venues au moins deux fois.",
    "Le taux d'utilisation compte des chèques, pas des personnes : une personne très assidue pèse plus. "
    "Les intervalles portent donc sur des parts de carnets, pas sur ce taux.",
    "Un écart non significatif ne prouve pas que les zones sont identiques : il dit seulement que ces "
    "données ne suffisent pas à les distinguer.",
]


def document(report: Report, evaluation: Sequence[str] = ()) -> ReportDoc:
    names = ", ".join(n for _, n in report.programmes) or "aucun dispositif"
    when = report.generated_at.astimezone(PARIS)
    comparisons = [
        (c.label, _zone_text(c, c.rural), _zone_text(c, c.urban), _gap_text(c), c.conclusion)
        for c in report.comparisons
    ]
    figures = [
        (CHARTS[name], chart(report, name, "png"), caption)
        for name, caption in (
            ("mois", "Séances payées chaque mois (heure de Paris), selon la zone du bénéficiaire."),
            ("entonnoir", "Chaque étape compte les carnets qui l'ont atteinte."),
            (
                "delais",
                "La boîte va du premier au troisième quartile ; le trait épais est la médiane.",
            ),
            ("autonomie", "Barres : part en progrès ; traits : intervalle de confiance à 95 %."),
        )
    ]
    return ReportDoc(
        title="Mesure d'impact des pass numériques",
        subtitle=f"Dispositifs : {names}",
        generated=f"Rapport produit le {when:%d/%m/%Y à %H:%M} (heure de Paris).",
        key_figures=key_lines(report),
        comparisons=comparisons,
        charts=figures,
        method=[*METHOD, *(evaluation or overview.report_lines(report))],
        limits=LIMITS,
        note=report.note,
    )


def pdf(report: Report, evaluation: Sequence[str] = ()) -> bytes:
    """The report; ``evaluation``: the evaluation's paragraphs (:func:`overview.report_lines`)."""
    return render(document(report, evaluation))
