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

from voucher.domain import vocab
from voucher.domain.suppression import TOTAL

BOOKS, SESSIONS = "carnets", "seances"
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
class Measure:
    code: str
    label: str
    description: str
    kind: str  # people, count, cents, share, ratio, days
    #: the people count whose mask also masks this measure (besides the whole-cell mask)
    guard: str | None = None
    #: for a people count: the count it is a part of (its complement must not be small)
    part_of: str | None = None

    @property
    def shown_label(self) -> str:
        """The label on a page, where amounts are shown in euros (exports keep cents)."""
        return self.label.replace("(centimes)", "(€)") if self.kind == "cents" else self.label


def _m(
    code: str,
    label: str,
    description: str,
    kind: str,
    guard: str | None = None,
    part_of: str | None = None,
) -> Measure:
    return Measure(code, label, description, kind, guard, part_of)


BOOK_MEASURES: tuple[Measure, ...] = (
    _m(
        "beneficiaires",
        "Bénéficiaires",
        "Personnes distinctes ayant reçu au moins un carnet.",
        "people",
    ),
    _m(
        "carnets_emis",
        "Carnets émis",
        "Carnets imprimés et confiés aux prescripteurs (tous états).",
        "count",
    ),
    _m(
        "carnets_actives",
        "Carnets activés",
        "Carnets dont le financeur a versé les fonds (chèques utilisables).",
        "count",
    ),
    _m("carnets_remis", "Carnets remis", "Carnets remis à un bénéficiaire.", "people"),
    _m(
        "carnets_commences",
        "Carnets commencés",
        "Carnets remis dont au moins un chèque a été encaissé.",
        "people",
        guard="carnets_commences",
        part_of="carnets_remis",
    ),
    _m(
        "carnets_termines",
        "Carnets terminés",
        "Carnets remis dont tous les chèques ont été encaissés.",
        "people",
        guard="carnets_termines",
        part_of="carnets_remis",
    ),
    _m("cheques_remis", "Chèques remis", "Chèques des carnets remis.", "count"),
    _m(
        "cheques_encaisses",
        "Chèques encaissés",
        "Séances payées par un chèque (scans acceptés, annulations déduites).",
        "count",
    ),
    _m("taux_utilisation", "Taux d'utilisation", "Chèques encaissés ÷ chèques remis.", "share"),
    _m(
        "cheques_par_beneficiaire",
        "Chèques par bénéficiaire",
        "Chèques encaissés ÷ bénéficiaires.",
        "ratio",
    ),
    _m(
        "delai_premiere_seance_q1_jours",
        "Délai 1re séance, 1er quartile (jours)",
        "Jours calendaires (heure de Paris) entre la remise du carnet et la première séance : premier quartile.",
        "days",
        guard="delai",
    ),
    _m(
        "delai_premiere_seance_mediane_jours",
        "Délai 1re séance, médiane (jours)",
        "Même délai : médiane.",
        "days",
        guard="delai",
    ),
    _m(
        "delai_premiere_seance_q3_jours",
        "Délai 1re séance, 3e quartile (jours)",
        "Même délai : troisième quartile.",
        "days",
        guard="delai",
    ),
    _m(
        "valeur_encaissee_centimes",
        "Valeur encaissée (centimes)",
        "Valeur faciale des chèques encaissés, en centimes d'euro.",
        "cents",
    ),
    _m(
        "cout_par_beneficiaire_centimes",
        "Coût par bénéficiaire (centimes)",
        "Valeur encaissée ÷ bénéficiaires, arrondie au centime.",
        "cents",
    ),
    _m(
        "valeur_non_utilisee_centimes",
        "Valeur non utilisée (centimes)",
        "Valeur des chèques expirés ou annulés (carnets perdus, volés, fin de validité), rendue au financeur.",
        "cents",
    ),
    _m(
        "lieux_actifs",
        "Lieux actifs",
        "Lieux distincts ayant encaissé au moins un chèque de ces carnets.",
        "count",
    ),
    _m(
        "autonomie_evaluables",
        "Carnets avec autonomie suivie",
        "Carnets avec au moins deux séances où le niveau d'autonomie a été noté.",
        "people",
        guard="autonomie_evaluables",
        part_of="carnets_commences",  # started but never followed: a group of its own
    ),
    _m(
        "autonomie_progression",
        "Autonomie en progrès",
        "Parmi eux, carnets dont le niveau d'autonomie de la dernière séance dépasse celui de la première.",
        "people",
        guard="autonomie_progression",
        part_of="autonomie_evaluables",
    ),
    _m(
        "part_progression_autonomie",
        "Part en progrès d'autonomie",
        "Autonomie en progrès ÷ carnets avec autonomie suivie.",
        "share",
        guard="autonomie_progression",
    ),
)

SESSION_MEASURES: tuple[Measure, ...] = (
    _m(
        "beneficiaires",
        "Bénéficiaires",
        "Personnes distinctes ayant utilisé au moins un chèque.",
        "people",
    ),
    _m(
        "cheques_encaisses",
        "Chèques encaissés",
        "Séances payées par un chèque (scans acceptés).",
        "count",
    ),
    _m(
        "valeur_encaissee_centimes",
        "Valeur encaissée (centimes)",
        "Valeur faciale des chèques encaissés, en centimes d'euro.",
        "cents",
    ),
    _m(
        "cheques_par_beneficiaire",
        "Chèques par bénéficiaire",
        "Chèques encaissés ÷ bénéficiaires.",
        "ratio",
    ),
    _m(
        "lieux_actifs",
        "Lieux actifs",
        "Lieux distincts ayant encaissé au moins un chèque.",
        "count",
    ),
)

#: people counts protected by their own secondary suppression, beyond the whole cell
GUARDED_COUNTS = (
    "carnets_commences",
    "carnets_termines",
    "autonomie_evaluables",
    "autonomie_progression",
)


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
