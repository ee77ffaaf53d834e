"""Where the demo's places are, so the letter given with a carnet tells distances: the
centres of the pilot's eight communes (approximate positions, for the demonstration only:
a real registry loads the national file with ``voucher communes centres``) and, for each
fictitious structure, an address and a position in its own town, with its opening hours,
services and accessibility (its *lieu*, as a place's desk records it), so the letter says
when to come. ALL PLACES ARE FICTITIOUS."""

from __future__ import annotations

from sqlalchemy.orm import Session

from voucher.db.models import PlaceSite
from voucher.domain import places
from voucher.domain.calendar import utcnow
from voucher.services.demo.pilot import ACTOR, Pilot
from voucher.services.organisations import commune_centres

SOURCE = "démonstration (positions approchées)"
CENTRES = [
    ("86194", 46.5802, 0.3404),  # Poitiers
    ("86066", 46.8178, 0.5461),  # Châtellerault
    ("86041", 46.6036, 0.3608),  # Buxerolles
    ("86214", 46.5519, 0.3406),  # Saint-Benoît
    ("86165", 46.4263, 0.8706),  # Montmorillon
    ("86140", 46.4036, 0.7256),  # Lussac-les-Châteaux
    ("86078", 46.1483, 0.2950),  # Civray
    ("86112", 46.2358, 0.6686),  # L'Isle-Jourdain
]
#: one per structure of :data:`voucher.services.demo.cast.STRUCTURES`: a (fictitious)
#: address in its own town and a position there
STRUCTURES = [
    ("5", "rue des Écoles", "86000", "Poitiers", 46.5905, 0.3633),
    ("2", "rue de la Gare", "86100", "Châtellerault", 46.8160, 0.5420),
    ("8", "rue du Stade", "86180", "Buxerolles", 46.6060, 0.3650),
    ("3", "place du Marché", "86320", "Lussac-les-Châteaux", 46.4040, 0.7260),
    ("4", "rue des Tanneurs", "86500", "Montmorillon", 46.4270, 0.8690),
    ("1", "place de la Mairie", "86400", "Civray", 46.1480, 0.2960),
]

#: per structure, in the same order: opening hours (OpenStreetMap syntax), how to come,
#: services, accessibility
OPENING = [
    (
        "Tu-Fr 09:30-12:00,14:00-18:00; Sa 10:00-12:00",
        "Ateliers collectifs le mardi et le jeudi après-midi, sans rendez-vous.",
        ["Maîtrise des outils numériques du quotidien", "Aide aux démarches administratives"],
        ["fauteuil", "falc"],
    ),
    (
        "Tu-Sa 10:00-12:30,14:00-18:00",
        "Permanence numérique le mercredi matin ; sinon sur rendez-vous à l'accueil.",
        ["Accès internet et matériel informatique", "Utilisation sécurisée du numérique"],
        ["fauteuil", "malentendant"],
    ),
    (
        "We 14:00-19:00; Sa 10:00-17:00",
        "Venir avec son téléphone ou son ordinateur si possible.",
        ["Loisirs et créations numériques", "Compréhension du monde numérique"],
        ["fauteuil"],
    ),
    (
        "Mo,Th 14:00-17:30; Fr 09:00-12:00",
        "Accompagnement individuel sur rendez-vous par téléphone.",
        ["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"],
        ["falc", "langues"],
    ),
    (
        "Mo-Fr 09:00-12:00,13:30-17:00",
        "Sans rendez-vous aux heures d'ouverture.",
        ["Insertion professionnelle via le numérique", "Aide aux démarches administratives"],
        ["fauteuil", "malvoyant"],
    ),
    (
        "Tu 14:00-18:00; We 10:00-12:00,14:00-18:00; Sa 10:00-12:30",
        "Initiation le samedi matin ; démarches en ligne le mardi après-midi.",
        ["Maîtrise des outils numériques du quotidien", "Accès internet et matériel informatique"],
        ["fauteuil", "falc"],
    ),
]


def locate(session: Session, pilot: Pilot) -> None:
    """Before anything is paid: the statements and transfers carry these addresses."""
    commune_centres.load(session, ACTOR, CENTRES, SOURCE)
    for org, row in zip(pilot.structures, STRUCTURES, strict=True):
        org.street_number, org.street, org.postcode, org.town = row[:4]
        org.latitude, org.longitude = row[4:]
    for org, row, (hours, how, services, access) in zip(
        pilot.structures, STRUCTURES, OPENING, strict=True
    ):
        org.services = "|".join(services)
        session.add(
            PlaceSite(
                organisation_id=org.id,
                name=org.name,
                street_number=row[0],
                street=row[1],
                postcode=row[2],
                town=row[3],
                commune_insee=org.commune_insee,
                hours=places.hours(hours),
                hours_text=how,
                accessibility=places.accessibility(access),
                latitude=row[4],
                longitude=row[5],
                created_at=utcnow(),
            )
        )
    session.flush()
