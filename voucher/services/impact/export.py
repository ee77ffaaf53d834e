"""Aggregated impact exports: protected figures -> a documented bundle -> a file, audited.

Rules kept:

- Only a :class:`~voucher.services.impact.protect.Report` (figures after statistical
  secrecy) is ever turned into a file; no identifier of a person is in it (no pseudonym,
  no local reference, no commune of a person, no date finer than a month for people).
- Every export carries the suppression note and a README describing each column.
- Every export is audited (``impact.export``: format, programmes, threshold, cells masked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from sqlalchemy.orm import Session

from voucher.documents.impact.model import Bundle, Column, Sheet
from voucher.documents.impact.writers import write
from voucher.domain import impact as dom
from voucher.domain.suppression import TOTAL
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.impact import counts, protect
from voucher.services.impact.protect import ComparisonRow, Report, Table

Progress = Callable[[str], None]
KIND = {
    "people": "int",
    "count": "int",
    "cents": "int",
    "share": "float",
    "ratio": "float",
    "days": "float",
}
ZONE_COLUMN = Column("type_zone", dict(dom.COMMON_COLUMNS)["type_zone"], "text")
MASK_COLUMN = Column("masque", dict(dom.COMMON_COLUMNS)["masque"], "text")
LABEL_COLUMN = Column("libelle", dict(dom.COMMON_COLUMNS)["libelle"], "text")


def _measure_columns(measures: Sequence[dom.Measure]) -> list[Column]:
    return [Column(m.code, m.description, KIND[m.kind]) for m in measures]


def _table_sheet(table: Table) -> Sheet:
    d = table.dimension
    key = Column(
        d.key_column, d.key_description or "Code de la ligne ; « ensemble » pour le total.", "text"
    )
    columns = [key, LABEL_COLUMN, ZONE_COLUMN, MASK_COLUMN, *_measure_columns(table.measures)]

    def rows() -> Iterator[list[Any]]:
        for r in table.rows:
            yield [
                r.code,
                r.label,
                r.zone,
                "oui" if r.masked else "",
                *[r.values.get(m.code) for m in table.measures],
            ]

    return Sheet(table.name, table.title, columns, rows())


def _summary_sheet(report: Report) -> Sheet:
    books = next(t for t in report.tables if t.dimension.family == dom.BOOKS)
    columns = [ZONE_COLUMN, MASK_COLUMN, *_measure_columns(books.measures)]
    rows = [
        [r.zone, "oui" if r.masked else "", *[r.values.get(m.code) for m in books.measures]]
        for r in books.rows
        if r.code == TOTAL
    ]
    return Sheet(dom.KEY_FIGURES_TABLE, "Chiffres clés par type de zone", columns, rows)


COMPARISON_COLUMNS = [
    Column("indicateur", "Code de l'indicateur comparé.", "text"),
    Column("libelle", "Ce qui est comparé, en français.", "text"),
    Column(
        "nature",
        "proportion (intervalle de Wilson, écart par la méthode de Newcombe) ou mediane "
        "(intervalle bootstrap percentile, graine fixe).",
        "text",
    ),
    *[
        Column(f"{z}_{part}", f"{what} ({label.lower()}).", kind)
        for z, label in (("rural", "zone rurale"), ("urbain", "zone urbaine"))
        for part, what, kind in (
            ("effectif", "Nombre de carnets sur lequel repose l'estimation", "int"),
            ("estimation", "Estimation", "float"),
            ("ic95_bas", "Borne basse de l'intervalle de confiance à 95 %", "float"),
            ("ic95_haut", "Borne haute de l'intervalle de confiance à 95 %", "float"),
        )
    ],
    Column("ecart", "Écart rural moins urbain.", "float"),
    Column(
        "ecart_ic95_bas", "Borne basse de l'intervalle de confiance à 95 % de l'écart.", "float"
    ),
    Column(
        "ecart_ic95_haut", "Borne haute de l'intervalle de confiance à 95 % de l'écart.", "float"
    ),
    Column(
        "significatif",
        "oui si l'intervalle de l'écart exclut 0 (seuil de 5 %), non sinon ; vide si non publié.",
        "text",
    ),
    Column("conclusion", "Ce que l'on peut conclure, en mots simples.", "text"),
]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def comparison_rows(comparisons: Sequence[ComparisonRow]) -> list[list[Any]]:
    out = []
    for c in comparisons:
        row: list[Any] = [c.code, c.label, "proportion" if c.kind == "proportion" else "mediane"]
        for z in (c.rural, c.urban):
            row += [z.n, _r(z.estimate), _r(z.low), _r(z.high)]
        row += [
            _r(c.difference.estimate),
            _r(c.difference.low),
            _r(c.difference.high),
            "" if c.significant is None else ("oui" if c.significant else "non"),
            c.conclusion,
        ]
        out.append(row)
    return out


def about(report: Report) -> list[str]:
    names = ", ".join(n for _, n in report.programmes) or "aucun"
    return [
        f"Dispositifs couverts : {names}.",
        "Chaque tableau croise une dimension avec le type de zone (rural, urbain, non renseigné, "
        "ensemble). Le type de zone d'un carnet est celui de la commune de son bénéficiaire "
        "(grille communale de densité de l'INSEE, copiée à la remise) ; un carnet encore en stock "
        "prend celui de son prescripteur. Une combinaison absente compte zéro.",
        "Codes : nomenclatures nationales de La Coop de la médiation numérique (tranches d'âge, "
        "statut social, thèmes, autonomie) ; SIRET pour les organisations (clé « pivot » du schéma "
        "des lieux de médiation numérique). Montants en centimes d'euro, parts entre 0 et 1.",
        "Comparaison rural / urbain : proportions avec intervalle de confiance à 95 % de Wilson, "
        "écart avec l'intervalle de Newcombe ; médianes avec intervalle bootstrap percentile "
        f"(4 000 tirages, graine {report.seed} : le même export donne les mêmes intervalles).",
        "Aucun identifiant de personne ne figure dans cet export : ni pseudonyme, ni référence "
        "locale, ni commune de résidence, ni date plus fine que le mois.",
    ]


def bundle(report: Report) -> Bundle:
    sheets = [
        _summary_sheet(report),
        Sheet(
            "comparaison",
            "Rural et urbain : comparaison avec intervalles de confiance",
            COMPARISON_COLUMNS,
            comparison_rows(report.comparisons),
        ),
        *[_table_sheet(t) for t in report.tables],
    ]
    from voucher.services.evaluation import published

    estimates = published.sheet(report)
    if estimates is not None:
        sheets.insert(2, estimates)
    meta = {
        "seuil_secret": str(report.threshold),
        "graine_bootstrap": str(report.seed),
        "dispositifs": ",".join(str(i) for i, _ in report.programmes),
    }
    return Bundle(
        "Mesure d'impact des pass numériques",
        report.generated_at,
        report.note,
        about(report),
        sheets,
        meta,
    )


def build_report(
    session: Session,
    scope: counts.Scope,
    threshold: int | None = None,
    progress: Progress | None = None,
) -> Report:
    say = progress or (lambda _m: None)
    say("Calcul des indicateurs (agrégats SQL)")
    raw = counts.compute(session, scope)
    say("Secret statistique et comparaison rural / urbain")
    # live, cell by cell: for the operator's preview and the tests of the figures only;
    # what readers get is a release (voucher.services.impact.release)
    return protect.protect(raw, threshold)


def export(
    session: Session,
    report: Report,
    fmt: str,
    out: IO[bytes],
    *,
    release: int,
    scope: counts.Scope | None = None,
    progress: Progress | None = None,
) -> Report:
    """Write one view of the published release number ``release`` (never live figures)
    in ``fmt`` (csv, csv-fr, xlsx, parquet, json, pdf) to ``out``; the PDF report adds the
    evaluation's paragraphs for ``scope`` when it is given. Reads only: the caller records
    it (:func:`audited`) in a transaction that writes."""
    if progress:
        progress(f"Écriture ({fmt})")
    if fmt == "pdf":
        from voucher.services.evaluation import overview, published
        from voucher.services.impact import report as impact_report

        lines = list(overview.report_lines(report, published.overview_of(report)))
        out.write(impact_report.pdf(report, lines))
    else:
        files = bundle(report)
        files.metadata["numero_publication"] = str(release)
        write(files, fmt, out)
    return report


def audited(session: Session, actor: Actor, report: Report, fmt: str, release: int) -> None:
    """The audit event of an export written (who took which release, in which format)."""
    audit.record(
        session,
        actor,
        "impact.export",
        None,
        format=fmt,
        release=release,
        threshold=report.threshold,
        programmes=[i for i, _ in report.programmes],
        masked_primary=report.primary,
        masked_secondary=report.secondary,
    )
