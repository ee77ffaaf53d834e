"""National vocabularies (La Coop de la médiation numérique) and our own populations.

Codes are stored as they are so exports merge with national data; labels are French.
"""

from __future__ import annotations

AGE_BANDS: dict[str, str] = {
    "moins_de_douze": "Moins de 12 ans",
    "douze_dix_huit": "12-18 ans",
    "dix_huit_vingt_quatre": "18-24 ans",
    "vingt_cinq_trente_neuf": "25-39 ans",
    "quarante_cinquante_neuf": "40-59 ans",
    "soixante_soixante_neuf": "60-69 ans",
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
    from voucher.domain.errors import DomainError

    if value is None or value == "":
        if optional:
            return None
        raise DomainError("invalid_value", value=value)
    if value not in vocabulary:
        raise DomainError("invalid_value", value=value)
    return value
