"""Who and where the demo pilot is about: communes, prescribers, structures and the
profiles of the people they serve. ALL DATA IS FICTITIOUS: organisations, SIRETs and IBANs
are invented (valid only in form)."""

from __future__ import annotations

from stdnum import luhn

URBAN = [
    ("86194", "Poitiers", 1),
    ("86066", "Châtellerault", 2),
    ("86041", "Buxerolles", 1),
    ("86214", "Saint-Benoît", 2),
]
RURAL = [
    ("86165", "Montmorillon", 3),
    ("86140", "Lussac-les-Châteaux", 3),
    ("86078", "Civray", 3),
    ("86112", "L'Isle-Jourdain", 3),
]

PRESCRIBERS = [
    ("Mission Locale de Poitiers (fictive)", "86194", 1, "jeunes_insertion"),
    ("CCAS de Châtellerault (fictif)", "86066", 2, "familles_precaires"),
    ("Association Entraide Montmorillonnais (fictive)", "86165", 3, "seniors"),
    ("Secours solidaire du Civraisien (fictif)", "86078", 3, "demandeurs_emploi"),
]

STRUCTURES = [
    ("EPN des Couronneries (fictif)", "86194", 1, "FR7630006000011234567890189"),
    ("Médiathèque de Châtellerault (fictive)", "86066", 2, "FR7610107001012345678901253"),
    ("FabLab solidaire de Buxerolles (fictif)", "86041", 1, "FR7630004000033456789012328"),
    ("Café associatif de Lussac (fictif)", "86140", 3, "FR7612548029984567890123456"),
    ("Espace numérique de Montmorillon (fictif)", "86165", 3, "FR7630002005500000157845029"),
    ("Médiathèque de Civray (fictive)", "86078", 3, None),
]

AGE_FOR = {
    "jeunes_insertion": ["dix_huit_vingt_quatre"],
    "familles_precaires": ["vingt_cinq_trente_neuf", "quarante_cinquante_neuf"],
    "seniors": ["soixante_soixante_neuf", "soixante_dix_plus"],
    "demandeurs_emploi": ["vingt_cinq_trente_neuf", "quarante_cinquante_neuf"],
}
STATUS_FOR = {
    "jeunes_insertion": "sans_emploi",
    "familles_precaires": "en_emploi",
    "seniors": "retraite",
    "demandeurs_emploi": "sans_emploi",
}


def siret(n: int) -> str:
    """A SIRET valid in form (Luhn) that belongs to nobody."""
    base = f"{90000000 + n:08d}"
    siren = base + luhn.calc_check_digit(base)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)
