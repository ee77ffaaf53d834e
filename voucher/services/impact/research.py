"""Row-level research extracts: one pseudonymous row per session, behind an explicit grant
(:mod:`voucher.services.impact.grants`).

Rules kept:

- Covers only the programmes the user's grants allow, within the impact scope, whatever
  the form asks; refused (``research_not_granted``) and audited otherwise.
- Beneficiaries and books are **re-keyed per extract**: HMAC-SHA-256 of the internal id
  with a random key drawn for this extract and then forgotten (never stored, never
  logged). Rows are **shuffled**, so neither the keys nor the row order join two extracts.
- No exact date: the only calendar date is the month of hand-out, taken after a random
  shift drawn for this person and this extract (at most ``anonymity.SHIFT_DAYS`` days);
  a session is placed by its band of days since hand-out.
- Quasi-identifiers (programme, population, age band, social status, territory, zone,
  month of hand-out) are
  generalised until every combination describes at least ``k`` people (default 11); the
  commune becomes its département or disappears first; people still too rare are left
  out, and the README says how many (:mod:`voucher.domain.anonymity`).
- Every extract is audited (``research.extract``: grant, programmes, rows, people left
  out), never with the key.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import Beneficiary, Book, Redemption
from voucher.documents.impact.model import Bundle, Column, Sheet
from voucher.domain import anonymity, communes
from voucher.domain.calendar import utcnow
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.impact.counts import Scope, years_for
from voucher.services.impact.grants import granted_scope

COLUMNS = [
    Column(
        "beneficiaire",
        "Pseudonyme recalculé pour cet extrait seulement (HMAC-SHA-256, clé aléatoire oubliée).",
        "text",
    ),
    Column("carnet", "Carnet, recalculé de même pour cet extrait seulement.", "text"),
    Column("dispositif_id", "Identifiant du dispositif.", "int"),
    Column("population", "Public prioritaire (codes du registre), ou regroupe.", "text"),
    Column("tranche_age", "Tranche d'âge (codes nationaux), élargie ou regroupe.", "text"),
    Column("statut_social", "Statut social (codes nationaux), ou regroupe.", "text"),
    Column(
        "territoire",
        "Code commune INSEE, ou code du département, ou vide quand il faut les retirer "
        "pour que chaque profil décrive assez de personnes.",
        "text",
    ),
    Column("type_zone", "rural, urbain ou non_renseigne (grille de densité de l'INSEE).", "text"),
    Column(
        "periode_remise",
        "Mois de la remise du carnet (AAAA-MM, heure de Paris) après un décalage aléatoire "
        "propre à la personne, d'au plus 15 jours ; trimestre (AAAA-Tn) ou regroupe quand il "
        "faut l'élargir : jamais une date exacte.",
        "text",
    ),
    Column("delai_depuis_remise", "Tranche de jours entre la remise et cette séance.", "text"),
    Column("thematique", "Thème de la séance (codes nationaux).", "text"),
    Column("autonomie", "Niveau d'autonomie noté (échelle nationale), vide si non noté.", "text"),
]
ZONE = {"rural": "rural", "urban": "urbain"}
EPOCH = date(1970, 1, 1)


@dataclass
class Randomness:
    """What makes an extract unlinkable: drawn afresh for each extract, then forgotten."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    rng: random.Random = field(default_factory=random.SystemRandom)


@dataclass
class Extract:
    bundle: Bundle
    grant_id: int
    rows: int = 0
    people: int = 0
    suppressed: int = 0
    k: int = anonymity.DEFAULT_K
    steps: dict[str, int] = field(default_factory=dict)


def _territory(code: str | None) -> str:
    """The commune when the COG knows it; an unknown code (a postcode typed as a commune)
    never becomes a territory of its own."""
    found = communes.get(code)
    if found is None:
        return ""
    return found.parent or found.code


def _fetch(session: Session, programmes: frozenset[int] | None) -> list[Any]:
    only = sorted(programmes) if programmes is not None else None
    t = dialect.paris_time(session, lambda: years_for(session, only))
    R, B, BEN = Redemption, Book, Beneficiary
    query = (
        select(
            R.beneficiary_id,
            R.book_id,
            R.programme_id,
            BEN.population,
            BEN.age_band,
            BEN.social_status,
            BEN.commune_insee,
            BEN.zone_kind,
            t.day_number(B.handed_out_at),
            t.day_number(R.scanned_at) - t.day_number(B.handed_out_at),
            R.theme,
            R.autonomy,
        )
        .join(B, B.id == R.book_id)
        .outerjoin(BEN, BEN.id == R.beneficiary_id)
        .where(R.status == "accepted")
    )
    if programmes is not None:
        query = query.where(R.programme_id.in_(only or [-1]))
    return list(session.execute(query.execution_options(yield_per=5000)))


def _unit(ben: int | None, book: int, prog: int) -> tuple[object, int]:
    return (ben if ben is not None else f"c{book}", int(prog))


def _profiles(rows: list[Any], rng: random.Random) -> dict[object, anonymity.Profile]:
    """One profile per person and programme; the hand-out month is taken after a random
    shift drawn for that person in this extract."""
    units: dict[object, anonymity.Profile] = {}
    shifts: dict[object, int] = {}
    for ben, book, prog, pop, age, status, commune, zone, handed, *_ in rows:
        unit = _unit(ben, book, prog)
        if unit in units:
            continue
        shift = shifts.setdefault(unit[0], rng.randint(-anonymity.SHIFT_DAYS, anonymity.SHIFT_DAYS))
        moved = None if handed is None else EPOCH + timedelta(days=int(handed) + shift)
        units[unit] = anonymity.Profile(
            int(prog),
            pop or "non_renseigne",
            age or "non_renseigne",
            status or "non_renseigne",
            _territory(commune),
            ZONE.get(zone or "", "non_renseigne"),
            "" if moved is None else moved.strftime("%Y-%m"),
        )
    return units


def _lines(rows: list[Any], randomness: Randomness, result: Extract) -> list[list[Any]]:
    key, rng = randomness.key, randomness.rng
    found = anonymity.k_anonymise(_profiles(rows, rng), result.k)

    def rekey(kind: str, value: Any) -> str | None:
        if value is None:
            return None
        return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:20]

    out = []
    for ben, book, prog, _p, _a, _s, _c, _z, _h, days, theme, autonomy in rows:
        profile = found.profiles.get(_unit(ben, book, prog))
        if profile is None:
            continue
        out.append(
            [
                rekey("b", ben),
                rekey("c", book),
                profile.programme,
                profile.population,
                profile.age_band,
                profile.social_status,
                profile.territory or None,
                profile.zone,
                profile.cohort or None,
                anonymity.delay_band(None if days is None else int(days)),
                theme,
                autonomy,
            ]
        )
    rng.shuffle(out)
    result.rows, result.people = len(out), len(found.profiles)
    result.suppressed, result.steps = len(found.suppressed), found.steps
    return out


def _note(result: Extract, grant_id: int, reason: str, until: date) -> str:
    steps = ", ".join(f"{name} : {n}" for name, n in result.steps.items()) or "aucune"
    return (
        "Extrait de recherche, ligne à ligne : une ligne par séance payée, dans un ordre tiré au "
        "hasard. Les colonnes beneficiaire et carnet sont recalculées pour cet extrait seulement "
        "(clé aléatoire tirée puis oubliée) : elles ne permettent de rapprocher cet extrait ni de "
        "la base ni d'un autre extrait. Aucune date exacte : seul le mois de la remise est donné, "
        f"après un décalage aléatoire propre à la personne (au plus {anonymity.SHIFT_DAYS} jours), "
        "et chaque séance est située par sa tranche de jours depuis la remise. Chaque combinaison "
        "de dispositif, public, tranche d'âge, statut, territoire, type de zone et période de "
        "remise décrit au moins "
        f"{result.k} personnes : profils élargis ({steps}), {result.suppressed} personne(s) "
        "trop rares laissées de côté. Usage réservé à l'objet de l'autorisation "
        f"n° {grant_id} : {reason} (valable jusqu'au {until:%d/%m/%Y}). Ne pas publier ces "
        "lignes : seules des statistiques agrégées respectant le secret statistique "
        f"(au moins {result.k} personnes par case) peuvent l'être."
    )


def extract(
    session: Session,
    actor: Actor,
    scope: Scope,
    programme_id: int | None,
    *,
    k: int = anonymity.DEFAULT_K,
    randomness: Randomness | None = None,
) -> Extract:
    """The bundle of pseudonymous, shuffled, k-anonymous session rows; refused without a
    grant covering what is asked."""
    found, covered = granted_scope(session, actor.user_id, scope, programme_id)
    result = Extract(
        Bundle("Extrait de recherche — pass numériques", utcnow(), "", [], []), found.id
    )
    result.k = k
    lines = _lines(_fetch(session, covered.programmes), randomness or Randomness(), result)
    note = _note(result, found.id, found.reason, found.valid_until)
    result.bundle.note, result.bundle.about = note, [note]
    result.bundle.sheets.append(Sheet("seances", "Une ligne par séance payée", COLUMNS, lines))
    audit.record(
        session,
        actor,
        "research.extract",
        ("research_grant", found.id),
        programme_id=programme_id,
        programmes=None if covered.programmes is None else sorted(covered.programmes),
        rows=result.rows,
        suppressed=result.suppressed,
        k=k,
    )
    return result


def refused(session: Session, actor: Actor, programme_id: int | None) -> None:
    """Audit a refused extract (the caller commits it even though the request fails)."""
    audit.record(
        session, actor, "research.extract", None, outcome="refused", programme_id=programme_id
    )


def written(session: Session, actor: Actor, result: Extract, fmt: str) -> None:
    """Audit what was actually written."""
    audit.record(
        session,
        actor,
        "research.extract_written",
        ("research_grant", result.grant_id),
        rows=result.rows,
        format=fmt,
    )
