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

import calendar
import re
import unicodedata
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
    day = min(start.day, calendar.monthrange(year, month)[1])
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


#: our accessibility criteria in the national standard's ``prise_en_charge_specifique``
NATIONAL_SUPPORT = {
    "fauteuil": "Handicaps moteurs",
    "malentendant": "Surdité",
    "malvoyant": "Déficience visuelle",
    "falc": "Illettrisme",
    "langues": "Langues étrangères (autres)",
}


def search_key(text: str | None) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces, ``st`` as ``saint``:
    « Saint-Jean-d'Angély », « st jean d angely » and « ST JEAN D'ANGELY » meet."""
    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    words = re.sub(r"[-'’\s]+", " ", plain).strip().split(" ")
    return " ".join("saint" if w == "st" else "sainte" if w == "ste" else w for w in words if w)


def department(commune_insee: str | None) -> str | None:
    """The department of a commune code (three digits overseas)."""
    if not commune_insee:
        return None
    return commune_insee[:3] if commune_insee.startswith("97") else commune_insee[:2]


register("invalid_phone", "Numéro de téléphone invalide : écrivez par exemple 05 49 00 00 00.")


def phone(raw: str | None) -> str | None:
    """A French number in the international form the national standard asks for."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if not digits:
        return None
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return "+33" + digits[1:]
    if re.fullmatch(r"\+(33|590|594|262|596|269|687|689|508|681)\d{6,9}", digits):
        return digits
    raise DomainError("invalid_phone", field="phone")


def reminder_message(place: str, label: str, valid_until: date, file_url: str) -> tuple[str, str]:
    """The renewal reminder, in plain French: (subject, body)."""
    last = valid_until.strftime("%d/%m/%Y")
    subject = f"Votre label « {label} » prend fin le {last}"
    body = (
        f"Bonjour,\n\n"
        f"Le label « {label} » de {place} prend fin le {last}. Après cette date, votre "
        f"lieu ne pourra plus accepter de pass numériques.\n\n"
        f"Pour le renouveler, vérifiez votre dossier (services, adresses, horaires, "
        f"justificatifs) et prévenez l'opérateur : {file_url}\n\n"
        f"Merci pour votre engagement auprès des personnes éloignées du numérique.\n"
    )
    return subject, body
