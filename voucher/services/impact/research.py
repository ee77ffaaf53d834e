"""Row-level research extracts: one pseudonymous row per session, behind an explicit grant.

Rules kept:

- Needs **both** the ``evaluator`` role and an active :class:`ResearchGrant` for that user
  covering the programme (granted by an operator on the command line, with the reason:
  the evaluation agreement). Anything else is refused (``research_not_granted``) and the
  refusal is audited too.
- Beneficiaries and books are **re-keyed per extract**: HMAC-SHA-256 of the internal id
  with a random key drawn for this extract and then forgotten (never stored, never
  logged). Two extracts cannot be joined with each other, nor with the database.
- No direct identifier and no fine quasi-identifier: no pseudonym, no local reference, no
  commune, no exact date (the Paris month and the days since hand-out only).
- Rows are streamed from the database (``yield_per``) and re-keyed on the fly.
- Every extract is audited (``research.extract``: grant, programmes, rows, format), never
  with the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import Beneficiary, Book, Redemption, ResearchGrant, RoleGrant, User
from voucher.documents.impact.model import Bundle, Column, Sheet
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError, register
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.impact.counts import Scope, years_for

register(
    "research_not_granted",
    "Extrait de recherche refusé : il faut le rôle évaluateur et une "
    "autorisation d'extrait en cours de validité pour ce dispositif.",
)
register(
    "invalid_grant",
    "Autorisation incomplète : indiquez un motif (la convention d'évaluation) "
    "et une date de fin à venir.",
)

COLUMNS = [
    Column(
        "beneficiaire",
        "Pseudonyme recalculé pour cet extrait seulement (HMAC-SHA-256, clé aléatoire oubliée).",
        "text",
    ),
    Column("carnet", "Carnet, recalculé de même pour cet extrait seulement.", "text"),
    Column("dispositif_id", "Identifiant du dispositif.", "int"),
    Column("population", "Public prioritaire (codes du registre).", "text"),
    Column("tranche_age", "Tranche d'âge (codes nationaux).", "text"),
    Column("statut_social", "Statut social (codes nationaux).", "text"),
    Column("type_zone", "rural, urbain ou non_renseigne (grille de densité de l'INSEE).", "text"),
    Column("mois", "Mois de la séance, heure de Paris (AAAA-MM).", "text"),
    Column(
        "jours_depuis_remise", "Jours calendaires entre la remise du carnet et cette séance.", "int"
    ),
    Column("thematique", "Thème de la séance (codes nationaux).", "text"),
    Column("autonomie", "Niveau d'autonomie noté (échelle nationale), vide si non noté.", "text"),
]
ZONE = {"rural": "rural", "urban": "urbain"}


def grant(
    session: Session,
    actor: Actor,
    *,
    email: str,
    programme_id: int | None,
    valid_until: date,
    reason: str,
) -> ResearchGrant:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise DomainError("not_found")
    if len(reason.strip()) < 3 or valid_until < paris_date(utcnow()):
        raise DomainError("invalid_grant")
    row = ResearchGrant(
        user_id=user.id,
        programme_id=programme_id,
        reason=reason.strip()[:300],
        valid_until=valid_until,
        granted_at=utcnow(),
        granted_by=actor.label[:200],
        granted_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "research.grant",
        ("research_grant", row.id),
        user_id=user.id,
        programme_id=programme_id,
        valid_until=valid_until.isoformat(),
        reason=row.reason,
    )
    return row


def revoke(session: Session, actor: Actor, grant_id: int) -> ResearchGrant:
    row = session.get(ResearchGrant, grant_id)
    if row is None:
        raise DomainError("not_found")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = utcnow(), actor.label[:200]
        audit.record(
            session, actor, "research.revoke", ("research_grant", row.id), user_id=row.user_id
        )
    return row


def active_grant(
    session: Session, user_id: int | None, programme_id: int | None
) -> ResearchGrant | None:
    """The grant allowing ``user_id`` an extract of ``programme_id`` (None: every programme)."""
    if user_id is None:
        return None
    is_evaluator = session.scalar(
        select(func.count())
        .select_from(RoleGrant)
        .where(RoleGrant.user_id == user_id, RoleGrant.role == "evaluator")
    )
    if not is_evaluator:
        return None
    covers = (
        ResearchGrant.programme_id.is_(None)
        if programme_id is None
        else or_(ResearchGrant.programme_id.is_(None), ResearchGrant.programme_id == programme_id)
    )
    return session.scalars(
        select(ResearchGrant)
        .where(
            ResearchGrant.user_id == user_id,
            ResearchGrant.revoked_at.is_(None),
            ResearchGrant.valid_until >= paris_date(utcnow()),
            covers,
        )
        .order_by(ResearchGrant.id)
    ).first()


@dataclass
class Extract:
    bundle: Bundle
    grant_id: int
    rows: int = 0


def _rows(
    session: Session, programme_id: int | None, key: bytes, counter: Extract
) -> Iterator[list[Any]]:
    only = [programme_id] if programme_id is not None else None
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
            BEN.zone_kind,
            t.month(R.scanned_at),
            t.day_number(R.scanned_at) - t.day_number(B.handed_out_at),
            R.theme,
            R.autonomy,
        )
        .join(B, B.id == R.book_id)
        .outerjoin(BEN, BEN.id == R.beneficiary_id)
        .where(R.status == "accepted")
        .order_by(R.book_id, R.scanned_at, R.id)
    )
    if programme_id is not None:
        query = query.where(R.programme_id == programme_id)

    def rekey(kind: str, value: Any) -> str | None:
        if value is None:
            return None
        return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:20]

    for ben, book, prog, pop, age, status, zone, month, days, theme, autonomy in session.execute(
        query.execution_options(yield_per=5000)
    ):
        counter.rows += 1
        yield [
            rekey("b", ben),
            rekey("c", book),
            int(prog),
            pop,
            age,
            status,
            ZONE.get(zone or "", "non_renseigne"),
            month,
            None if days is None else int(days),
            theme,
            autonomy,
        ]


def extract(session: Session, actor: Actor, scope: Scope, programme_id: int | None) -> Extract:
    """A streaming bundle of pseudonymous session rows; refused without a grant."""
    found = active_grant(session, actor.user_id, programme_id)
    if found is None or (programme_id is not None and not scope.allows(programme_id)):
        raise DomainError("research_not_granted")
    key = secrets.token_bytes(32)  # for this extract only; never stored
    note = (
        "Extrait de recherche, ligne à ligne : une ligne par séance payée. Les colonnes beneficiaire "
        "et carnet sont recalculées pour cet extrait seulement (clé aléatoire tirée puis oubliée) : elles "
        "ne permettent de rapprocher cet extrait ni de la base ni d'un autre extrait. Ni pseudonyme du "
        "registre, ni référence locale, ni commune, ni date exacte. Usage réservé à l'objet de "
        f"l'autorisation n° {found.id} : {found.reason} (valable jusqu'au {found.valid_until:%d/%m/%Y}). "
        "Ne pas publier ces lignes : seules des statistiques agrégées respectant le secret statistique "
        "(au moins 11 personnes par case) peuvent l'être."
    )
    result = Extract(
        Bundle("Extrait de recherche — pass numériques", utcnow(), note, [note], []), found.id
    )
    result.bundle.sheets.append(
        Sheet(
            "seances",
            "Une ligne par séance payée",
            COLUMNS,
            _rows(session, programme_id, key, result),
        )
    )
    audit.record(
        session, actor, "research.extract", ("research_grant", found.id), programme_id=programme_id
    )
    return result


def refused(session: Session, actor: Actor, programme_id: int | None) -> None:
    """Audit a refused extract (the caller commits it even though the request fails)."""
    audit.record(
        session, actor, "research.extract", None, outcome="refused", programme_id=programme_id
    )


def written(session: Session, actor: Actor, result: Extract, fmt: str) -> None:
    """Audit what was actually written, once the stream is exhausted."""
    audit.record(
        session,
        actor,
        "research.extract_written",
        ("research_grant", result.grant_id),
        rows=result.rows,
        format=fmt,
    )
