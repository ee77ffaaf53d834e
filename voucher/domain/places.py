"""What a place says about itself when it joins: the national mediators' services, the
accessibility it offers, its opening hours, and the rules of its label's dates.

Rules kept:

* services are the nine of the national *lieux de médiation numérique* standard, spelt as
  the standard spells them (they are exported as they are);
* opening hours use the OpenStreetMap ``opening_hours`` syntax the standard asks for
  (``Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00``), checked here for its shape;
* a label granted on validation runs for :data:`LABEL_MONTHS` months from the day of the
  decision; a reminder is due :data:`REMINDER_DAYS` days before its last day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from voucher.domain.errors import DomainError, register

LABEL_NAME = "Pass numérique"
LABEL_MONTHS = 12
REMINDER_DAYS = 30

SERVICES = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)

ACCESSIBILITY = {
    "fauteuil": "Accessible en fauteuil roulant",
    "malentendant": "Accueil adapté aux personnes sourdes ou malentendantes (boucle, LSF)",
    "malvoyant": "Accueil adapté aux personnes aveugles ou malvoyantes",
    "falc": "Explications en français facile à lire et à comprendre (FALC)",
    "langues": "Accueil en d'autres langues que le français",
}

DAYS = "Mo|Tu|We|Th|Fr|Sa|Su|PH"
_SPAN = r"(?:[01]\d|2[0-4]):[0-5]\d-(?:[01]\d|2[0-4]):[0-5]\d"
_DAYSEL = rf"(?:{DAYS})(?:-(?:{DAYS}))?"
_RULE = rf"{_DAYSEL}(?:,{_DAYSEL})*\s+(?:{_SPAN}(?:,{_SPAN})*|off)"
HOURS_RE = re.compile(rf"^{_RULE}(?:\s*;\s*{_RULE})*$")

register(
    "invalid_hours",
    "Horaires illisibles : écrivez par exemple « Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00 ».",
)
register("invalid_services", "Choisissez au moins un service parmi ceux de la liste nationale.")
register("invalid_accessibility", "Critère d'accessibilité inconnu.")


def services(chosen: list[str]) -> list[str]:
    picked = [s for s in SERVICES if s in set(chosen)]
    if not picked or len(set(chosen)) != len(picked):
        raise DomainError("invalid_services", field="services")
    return picked


def hours(raw: str | None) -> str | None:
    text = " ".join((raw or "").split())
    if not text:
        return None
    if len(text) > 300 or not HOURS_RE.match(text):
        raise DomainError("invalid_hours", field="hours")
    return text


def accessibility(chosen: list[str]) -> list[str]:
    if not set(chosen) <= set(ACCESSIBILITY):
        raise DomainError("invalid_accessibility", field="accessibility")
    return [k for k in ACCESSIBILITY if k in set(chosen)]


def label_until(start: date, months: int = LABEL_MONTHS) -> date:
    """The last day of a label granted on ``start`` for ``months`` months."""
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    day = min(
        start.day,
        [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1],
    )
    return date(year, month, day) - timedelta(days=1)


def reminder_due(valid_until: date, today: date, days: int = REMINDER_DAYS) -> bool:
    return today <= valid_until <= today + timedelta(days=days)


DAY_FR = {
    "Mo": "lundi",
    "Tu": "mardi",
    "We": "mercredi",
    "Th": "jeudi",
    "Fr": "vendredi",
    "Sa": "samedi",
    "Su": "dimanche",
    "PH": "jours fériés",
}


def hours_in_french(osm: str | None) -> list[str]:
    """``Mo-Fr 09:00-12:00`` -> ``lundi au vendredi : 9 h 00 – 12 h 00``, one line a rule."""
    if not osm:
        return []
    lines = []
    for rule in osm.split(";"):
        days, _, spans = rule.strip().partition(" ")
        words = []
        for part in days.split(","):
            a, _, b = part.partition("-")
            words.append(f"{DAY_FR[a]} au {DAY_FR[b]}" if b else DAY_FR[a])
        if spans.strip() == "off":
            shown = "fermé"
        else:
            shown = ", ".join(
                " – ".join(t.replace(":", " h ").lstrip("0") for t in span.split("-"))
                for span in spans.strip().split(",")
            )
        lines.append(f"{', '.join(words)} : {shown}")
    return lines
