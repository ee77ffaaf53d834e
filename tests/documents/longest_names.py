"""The longest real names a carnet must print whole.

Source of the structures (names, addresses, opening hours): the census of *lieux de
médiation numérique* of the Bourgogne-Franche-Comté hub (MedNum BFC), published as
``csv/bfc-ternum-dataset.csv`` in the public repository ``multi-coop/data-bfc-ternum``
(commit c1625dfeac616a588a10f1734215ff1f0d2044c2, 2023-03-29, 697 places). Taken here:
the six longest ``nom_structure`` values of the file (99 to 63 characters) and its longest
``adresse`` values, as written there. The funders are real public bodies of those
territories, named as the file names them (the community of communes, the department)
plus the national agency that funds the programme. The programme's name is built on the
longest structure name, the way programmes are usually named ("Pass numérique de …").
"""

from __future__ import annotations

from voucher.domain.printing import CoverPlace

STRUCTURES = (
    "Espace Public Numérique de la Communauté de Communes de Gevrey-Chambertin et de "
    "Nuits-Saint-Georges",
    "Espace Public Numérique de la Communauté de communes de la Haute vallée de l'Ognon",
    "Espace Public Numérique de la Communauté de Communes du Pays de Villersexel",
    "Conseil départemental de la Nièvre - Service d'accompagnement au numérique",
    "Cyber Base Emploi - Maison de l'Emploi et de la Formation de l'Auxerrois",
    "Mission Locale des Marches de Bourgogne - Arrondissement de Montbard",
)
ADDRESSES = (
    (
        "Association AILE Club informatique Ecole élémentaire 21  rue Principale",
        "90110",
        "SAINT GERMAIN LE CHATELET",
    ),
    (
        "13 Rue Robert Naberis  Hôtel d’Entreprises Grenadier - ZI du Tremblat",
        "58200",
        "COSNE-COURS-SUR-LOIRE",
    ),
    (
        "bibliotheque le temps de lire place pierre Bolle 70320 Aillevillers",
        "70320",
        "AILLEVILLERS ET LYAUMONT",
    ),
)
#: a full week, morning and afternoon, as the file's busiest places open
HOURS = "Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00,14:00-17:30"

PROGRAMME = (
    "Pass numérique de la Communauté de Communes de Gevrey-Chambertin et de Nuits-Saint-Georges"
)
FUNDERS = (
    "Communauté de Communes de Gevrey-Chambertin et de Nuits-Saint-Georges",
    "Conseil départemental de la Nièvre",
    "Agence nationale de la cohésion des territoires",
)


def places() -> tuple[CoverPlace, ...]:
    return tuple(
        CoverPlace.of(
            name,
            street=ADDRESSES[i % len(ADDRESSES)][0],
            postcode=ADDRESSES[i % len(ADDRESSES)][1],
            town=ADDRESSES[i % len(ADDRESSES)][2],
            osm_hours=HOURS,
            hours_text="Sur rendez-vous le samedi après-midi",
        )
        for i, name in enumerate(STRUCTURES)
    )
