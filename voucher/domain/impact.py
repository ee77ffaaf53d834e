"""What impact measurement publishes: dimensions, measures and their definitions.

Rules kept:

- Column names and codes are those of the national vocabulary where one exists (age bands,
  social status, session themes, autonomy scale of La Coop de la médiation numérique;
  SIRET as the ``pivot`` of the national *lieux de médiation numérique* schema), so the
  exports merge with national data; other names are plain French snake_case.
- Two families of tables. **Carnets** tables count books and the people they were handed
  to (one row per book attribute: programme, funder, pilot zone, population, age band,
  social status); **séances** tables count accepted scans (theme, structure, Paris month).
- Every table is split by zone kind (``rural``, ``urbain``, ``non_renseigne``) plus
  ``ensemble``. A book's zone is its beneficiary's (copied from the INSEE density grid
  when the book was handed out); a book still in stock takes its prescriber's zone.
- Money is integer cents (``_centimes`` columns); shares are fractions between 0 and 1.
- Each measure says which count of people protects it (``guard``): when that count is
  masked by statistical secrecy, the measure is masked too.
"""

from __future__ import annotations

from dataclasses import dataclass

from voucher.domain import outcome, vocab
from voucher.domain.impact_measures import (  # noqa: F401 (the measures, re-exported)
    BOOK_MEASURES,
    EVALUATION_MEASURES,
    GUARDED_COUNTS,
    SESSION_MEASURES,
    Measure,
)
from voucher.domain.suppression import TOTAL

BOOKS, SESSIONS = "carnets", "seances"
#: evaluation tables: people only, one row per person, each table its own family
AUTONOMY, FOLLOW_UP = "autonomie", "suivi"
EVALUATION_FAMILIES = (AUTONOMY, FOLLOW_UP)
NOT_GIVEN = "non_renseigne"
NOT_HANDED_OUT = "non_remis"
OUTSIDE_ZONES = "hors_zone_pilote"

#: database zone code -> export code, in column order
ZONES: dict[str, str] = {"rural": "rural", "urban": "urbain", NOT_GIVEN: NOT_GIVEN}
ZONE_LABELS: dict[str, str] = {
    "rural": "Rural",
    "urban": "Urbain",
    NOT_GIVEN: "Non renseigné",
    TOTAL: "Ensemble",
}
ZONE_COLUMNS = (*ZONES, TOTAL)


@dataclass(frozen=True)
class Dimension:
    code: str  # column name of the row key in exports
    table: str  # table (sheet) name
    title: str
    family: str
    #: national vocabulary for the codes, when there is one
    vocabulary: dict[str, str] | None = None
    #: name of the row-key column in exports (defaults to ``code``)
    key: str = ""
    key_description: str = ""
    #: each person counts in exactly one row (rows add up to the total): what the attacker
    #: assumes of a table of a family it has no model for (otherwise a row is at most the
    #: total and the rows together at least the total)
    one_row_per_person: bool = False

    @property
    def key_column(self) -> str:
        return self.key or self.code


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "dispositif",
        "par_dispositif",
        "Par dispositif",
        BOOKS,
        key="dispositif_id",
        key_description="Identifiant du dispositif dans ce registre.",
    ),
    Dimension(
        "financeur",
        "par_financeur",
        "Par financeur (activité entière des dispositifs cofinancés)",
        BOOKS,
        key="financeur_siret",
        key_description="SIRET du financeur.",
    ),
    Dimension(
        "zone_pilote",
        "par_zone_pilote",
        "Par zone pilote",
        BOOKS,
        key="zone_pilote_id",
        key_description="Identifiant de la zone pilote (ensemble de communes) ; hors_zone_pilote sinon.",
    ),
    Dimension(
        "population",
        "par_population",
        "Par public prioritaire",
        BOOKS,
        vocab.POPULATIONS,
        key_description="Public prioritaire (codes du registre) ; non_remis pour les carnets en stock.",
    ),
    Dimension(
        "tranche_age",
        "par_tranche_age",
        "Par tranche d'âge",
        BOOKS,
        vocab.AGE_BANDS,
        key_description="Tranche d'âge (codes nationaux de La Coop de la médiation numérique).",
    ),
    Dimension(
        "statut_social",
        "par_statut_social",
        "Par statut social",
        BOOKS,
        vocab.STATUSES,
        key_description="Statut social (codes nationaux de La Coop de la médiation numérique).",
    ),
    Dimension(
        "thematique",
        "par_thematique",
        "Par thème de séance",
        SESSIONS,
        vocab.THEMES,
        key_description="Thème de la séance (codes nationaux) ; non_renseigne si non noté.",
    ),
    Dimension(
        "lieu",
        "par_lieu",
        "Par lieu",
        SESSIONS,
        key="pivot",
        key_description="SIRET du lieu (clé « pivot » du schéma national des lieux de médiation numérique).",
    ),
    Dimension(
        "mois",
        "par_mois",
        "Par mois (heure de Paris)",
        SESSIONS,
        key_description="Mois civil de la séance, heure de Paris (AAAA-MM).",
    ),
    Dimension(
        "resultat_autonomie",
        "autonomie_par_personne",
        "Autonomie par personne (premier et dernier niveau noté, toutes séances)",
        AUTONOMY,
        outcome.CATEGORIES,
        key_description="Progrès, même niveau, recul, déjà autonome ou non évaluable "
        "(moins de deux niveaux notés), sur l'échelle nationale d'autonomie.",
        one_row_per_person=True,
    ),
    Dimension(
        "reponse_suivi",
        "suivi_apres_seances",
        "Après les séances : fait seul la démarche (dernière réponse de chaque personne)",
        FOLLOW_UP,
        vocab.FOLLOW_UP,
        key_description="Dernière réponse après les séances à « a-t-elle fait seule la "
        "démarche depuis ? », termes de l'échelle nationale d'autonomie.",
        one_row_per_person=True,
    ),
)
DIMENSION_BY_TABLE = {d.table: d for d in DIMENSIONS}
KEY_FIGURES_TABLE = "synthese"

COMMON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("modalite", "Code de la ligne (code national quand il existe ; « ensemble » pour le total)."),
    ("libelle", "Libellé de la ligne, en français."),
    (
        "type_zone",
        "Type de zone : rural, urbain, non_renseigne (grille communale de densité de l'INSEE "
        "copiée à la remise du carnet) ou ensemble.",
    ),
    (
        "masque",
        "« oui » quand la case est masquée (secret statistique) ; ses valeurs sont alors vides.",
    ),
)

SPECIAL_ROWS = {
    NOT_HANDED_OUT: "Carnets non remis",
    NOT_GIVEN: "Non renseigné",
    OUTSIDE_ZONES: "Hors zone pilote",
    TOTAL: "Ensemble",
}


#: the measures of each family of tables; :func:`register` adds a family
FAMILY_MEASURES: dict[str, tuple[Measure, ...]] = {
    BOOKS: BOOK_MEASURES,
    SESSIONS: SESSION_MEASURES,
    **{family: EVALUATION_MEASURES for family in EVALUATION_FAMILIES},
}


def measures_for(family: str) -> tuple[Measure, ...]:
    return FAMILY_MEASURES[family]


def people_counts(family: str) -> tuple[str, ...]:
    """The measures of ``family`` that count people: the figures statistical secrecy
    protects and the attacker tries to narrow, whatever the table."""
    return tuple(m.code for m in measures_for(family) if m.kind == "people")


def register(dimension: Dimension, measures: tuple[Measure, ...] | None = None) -> None:
    """Make ``dimension``'s table a table of releases (figures added by another module,
    e.g. the evaluation's): frozen, thawed, protected and attacked like the others.
    ``measures`` declares a new family (its people counts are those of kind "people",
    each ``part_of`` another one at most); a family already known keeps its measures."""
    if measures is not None:
        FAMILY_MEASURES[dimension.family] = measures
    elif dimension.family not in FAMILY_MEASURES:
        raise ValueError(f"unknown family {dimension.family!r}: give its measures")
    DIMENSION_BY_TABLE[dimension.table] = dimension


def measure(family: str, code: str) -> Measure:
    return next(m for m in measures_for(family) if m.code == code)


def row_label(dimension: Dimension, code: str, names: dict[str, str] | None = None) -> str:
    if code in SPECIAL_ROWS:
        return SPECIAL_ROWS[code]
    if dimension.vocabulary and code in dimension.vocabulary:
        return dimension.vocabulary[code]
    if names and code in names:
        return names[code]
    return code
