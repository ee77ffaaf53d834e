"""National vocabularies (La Coop de la médiation numérique) and our own populations.

Codes are stored as they are so exports merge with national data; labels are French.
"""

from __future__ import annotations

from voucher.domain.errors import DomainError, register

register(
    "impossible_profile",
    "Ce profil est impossible (par exemple « Seniors » avec « Moins de 12 ans ») : "
    "vérifiez le public, la tranche d'âge et la situation.",
)

#: The national codes keep their names; the labels say each age belongs to one band only
#: (18 is an adult: the national "douze_dix_huit" band stops at 17 here).
AGE_BANDS: dict[str, str] = {
    "moins_de_douze": "Moins de 12 ans",
    "douze_dix_huit": "12 à 17 ans",
    "dix_huit_vingt_quatre": "18 à 24 ans",
    "vingt_cinq_trente_neuf": "25 à 39 ans",
    "quarante_cinquante_neuf": "40 à 59 ans",
    "soixante_soixante_neuf": "60 à 69 ans",
    "soixante_dix_plus": "70 ans et plus",
    "non_communique": "Non communiqué",
}

STATUSES: dict[str, str] = {
    "scolarise": "Scolarisé",
    "sans_emploi": "Sans emploi",
    "en_emploi": "En emploi",
    "retraite": "Retraité",
    "non_communique": "Non communiqué",
}

POPULATIONS: dict[str, str] = {
    "jeunes_insertion": "Jeunes en insertion (16-25 ans)",
    "demandeurs_emploi": "Demandeurs d'emploi, travailleurs précaires",
    "familles_precaires": "Familles précaires",
    "seniors": "Seniors",
    "autre": "Autre",
}

#: Age bands a person of a population cannot be in (a senior is not a child; "jeunes en
#: insertion" are 16 to 25); a situation that cannot go with an age (a retired child).
IMPOSSIBLE_AGES: dict[str, frozenset[str]] = {
    "seniors": frozenset({"moins_de_douze", "douze_dix_huit", "dix_huit_vingt_quatre"}),
    "jeunes_insertion": frozenset(
        {
            "moins_de_douze",
            "quarante_cinquante_neuf",
            "soixante_soixante_neuf",
            "soixante_dix_plus",
        }
    ),
    "demandeurs_emploi": frozenset({"moins_de_douze"}),
}
IMPOSSIBLE_STATUS_AGES: dict[str, frozenset[str]] = {
    "retraite": frozenset({"moins_de_douze", "douze_dix_huit", "dix_huit_vingt_quatre"}),
    "en_emploi": frozenset({"moins_de_douze"}),
    "sans_emploi": frozenset({"moins_de_douze"}),
}

THEMES: dict[str, str] = {
    "aide_aux_demarches_administratives": "Démarches administratives",
    "insertion_professionnelle": "Emploi, parcours professionnel",
    "prestations_sociales": "Prestations sociales, accès aux droits",
    "education_formation": "Éducation, formation",
    "email": "Courriel",
    "navigation_sur_internet": "Navigation sur internet",
    "securite_numerique": "Sécurité numérique",
    "banque_et_achats_en_ligne": "Banque et achats en ligne",
    "sante": "Santé",
    "parentalite": "Parentalité",
    "lien_social": "Lien social",
    "prise_en_main_du_materiel": "Prise en main du matériel",
    "autre": "Autre",
}

AUTONOMY: dict[str, str] = {
    "entierement_accompagne": "Entièrement accompagné",
    "partiellement_autonome": "Partiellement autonome",
    "autonome": "Autonome",
}
AUTONOMY_RANK = {code: rank for rank, code in enumerate(AUTONOMY)}

#: the follow-up question "has done the procedure alone since", answered on the national
#: autonomy scale's terms (yes = ``autonome``...) and ``non_communique`` when not asked
FOLLOW_UP: dict[str, str] = {
    "autonome": "Oui, seule, sans aide",
    "partiellement_autonome": "En partie (avec un peu d'aide)",
    "entierement_accompagne": "Non (il a fallu l'aide de quelqu'un)",
    "non_communique": "Pas demandé, ou pas de réponse",
}

ZONE_KINDS: dict[str, str] = {"rural": "Rural", "urban": "Urbain"}

#: INSEE 3-level density grid: 1 dense, 2 intermediate, 3 rural
DENSITY_TO_KIND = {1: "urban", 2: "urban", 3: "rural"}


def check(vocabulary: dict[str, str], value: str | None, *, optional: bool = False) -> str | None:
    if value is None or value == "":
        if optional:
            return None
        raise DomainError("invalid_value", value=value)
    if value not in vocabulary:
        raise DomainError("invalid_value", value=value)
    return value


def check_profile(population: str, age_band: str, social_status: str | None) -> None:
    """Refuse a profile no person can have (``impossible_profile``, on the age band field),
    so the statistics never count a six-year-old senior."""
    if age_band in IMPOSSIBLE_AGES.get(population, frozenset()):
        raise DomainError(
            "impossible_profile",
            f"« {POPULATIONS[population]} » ne va pas avec « {AGE_BANDS[age_band]} » : "
            "vérifiez le public ou la tranche d'âge.",
            field="age_band",
        )
    if social_status and age_band in IMPOSSIBLE_STATUS_AGES.get(social_status, frozenset()):
        raise DomainError(
            "impossible_profile",
            f"« {STATUSES[social_status]} » ne va pas avec « {AGE_BANDS[age_band]} » : "
            "vérifiez la situation ou la tranche d'âge.",
            field="age_band",
        )
