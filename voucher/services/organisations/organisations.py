"""Reference data: organisations, labels, bank details, pilot zones, programmes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from voucher.db.models import (
    BankAccount,
    BankAccountEvent,
    Label,
    Organisation,
    PilotZone,
    PilotZoneCommune,
    Programme,
    ProgrammeFunder,
    ProgrammeLabel,
    ProgrammeStructure,
    ProgrammeZone,
)
from voucher.domain import identity
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.vocab import DENSITY_TO_KIND
from voucher.services import audit
from voucher.services.context import Actor


@dataclass
class Address:
    street_number: str
    street: str
    postcode: str
    town: str
    country: str = "FR"

    def check(self) -> None:
        if not all(x and x.strip() for x in (self.street, self.postcode, self.town, self.country)):
            raise DomainError("invalid_address")


def create_organisation(
    session: Session,
    actor: Actor,
    *,
    name: str,
    siret: str | None,
    address: Address | None = None,
    commune_insee: str | None = None,
    density_class: int | None = None,
    density_year: int | None = None,
    roles: set[str],
    email: str | None = None,
    external_id: str | None = None,
) -> Organisation:
    """``roles`` among funder, prescriber, structure, operator. A structure needs a SIRET,
    a structured address and a commune (its density class is copied now, with its year)."""
    if not name or not name.strip():
        raise DomainError("invalid_value", field="name")
    clean_siret = identity.siret(siret) if siret else None
    if "structure" in roles and not clean_siret:
        raise DomainError("invalid_siret")
    if clean_siret and session.scalar(
        select(Organisation.id).where(Organisation.siret == clean_siret)
    ):
        raise DomainError("duplicate", field="siret")
    if "structure" in roles:
        if address is None:
            raise DomainError("invalid_address")
        address.check()
    commune = identity.insee_commune(commune_insee) if commune_insee else None
    org = Organisation(
        name=name.strip(),
        siret=clean_siret,
        is_funder="funder" in roles,
        is_prescriber="prescriber" in roles,
        is_structure="structure" in roles,
        is_operator="operator" in roles,
        commune_insee=commune,
        density_class=density_class,
        density_year=density_year,
        zone_kind=DENSITY_TO_KIND.get(density_class or 0),
        email=email,
        external_id=external_id,
        created_at=utcnow(),
        **(address.__dict__ if address else {}),
    )
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor,
        "organisation.create",
        ("organisation", org.id),
        name=org.name,
        roles=sorted(roles),
    )
    return org


def add_label(
    session: Session,
    actor: Actor,
    organisation_id: int,
    name: str,
    valid_from: date,
    valid_until: date | None = None,
) -> Label:
    if valid_until is not None and valid_until < valid_from:
        raise DomainError("invalid_dates")
    label = Label(
        organisation_id=organisation_id, name=name, valid_from=valid_from, valid_until=valid_until
    )
    session.add(label)
    session.flush()
    audit.record(
        session,
        actor,
        "label.add",
        ("organisation", organisation_id),
        label=name,
        valid_from=valid_from.isoformat(),
        valid_until=valid_until.isoformat() if valid_until else None,
    )
    return label


def set_bank_details(
    session: Session,
    actor: Actor,
    organisation_id: int,
    *,
    holder_name: str,
    iban: str,
    bic: str | None = None,
) -> BankAccount:
    """New bank details start ``pending``; the previous ones become ``replaced``. Both
    changes are kept in the status history (a recent change is a fraud signal)."""
    clean_iban = identity.iban(iban)
    clean_bic = identity.bic(bic) if bic else identity.bic_from_iban(clean_iban)
    now = utcnow()
    old = session.scalars(
        select(BankAccount).where(
            BankAccount.organisation_id == organisation_id,
            BankAccount.status.in_(("pending", "validated")),
        )
    ).all()
    for acc in old:
        acc.status = "replaced"
        session.add(
            BankAccountEvent(
                bank_account_id=acc.id, status="replaced", at=now, actor_user_id=actor.user_id
            )
        )
    account = BankAccount(
        organisation_id=organisation_id,
        holder_name=holder_name,
        iban=clean_iban,
        bic=clean_bic,
        status="pending",
        created_at=now,
    )
    session.add(account)
    session.flush()
    session.add(
        BankAccountEvent(
            bank_account_id=account.id, status="pending", at=now, actor_user_id=actor.user_id
        )
    )
    audit.record(
        session,
        actor,
        "bank_account.set",
        ("organisation", organisation_id),
        iban_tail=clean_iban[-4:],
        replaced=len(old),
    )
    return account


def decide_bank_details(
    session: Session, actor: Actor, bank_account_id: int, *, validate: bool, note: str | None = None
) -> BankAccount:
    account = session.get(BankAccount, bank_account_id)
    if account is None or account.status != "pending":
        raise DomainError("not_found")
    now = utcnow()
    account.status = "validated" if validate else "rejected"
    account.validated_at = now if validate else None
    session.add(
        BankAccountEvent(
            bank_account_id=account.id,
            status=account.status,
            at=now,
            actor_user_id=actor.user_id,
            note=note,
        )
    )
    audit.record(
        session,
        actor,
        f"bank_account.{account.status}",
        ("organisation", account.organisation_id),
        bank_account_id=account.id,
    )
    return account


def create_zone(
    session: Session,
    actor: Actor,
    *,
    name: str,
    kind: str,
    communes: Sequence[tuple[str, str | None, int | None]],
    kind_source: str = "manual",
    cog_year: int | None = None,
) -> PilotZone:
    """``communes``: (INSEE code, name, density class) triples."""
    if kind not in ("rural", "urban"):
        raise DomainError("invalid_value", field="kind")
    zone = PilotZone(name=name, kind=kind, kind_source=kind_source, cog_year=cog_year)
    session.add(zone)
    session.flush()
    seen = set()
    for code, commune_name, density in communes:
        clean = identity.insee_commune(code)
        if clean in seen:
            continue
        seen.add(clean)
        session.add(
            PilotZoneCommune(
                zone_id=zone.id, insee_code=clean, name=commune_name, density_class=density
            )
        )
    session.flush()
    audit.record(
        session,
        actor,
        "pilot_zone.create",
        ("pilot_zone", zone.id),
        name=name,
        kind=kind,
        communes=len(seen),
    )
    return zone


@dataclass
class ProgrammeSpec:
    name: str
    face_value_cents: int
    vouchers_per_book: int
    valid_from: date
    valid_until: date
    funders: list[tuple[int, int]]  # (funder organisation id, share in basis points)
    grace_days: int = 31
    cancel_window_minutes: int = 15
    handout_policy: str = "flag"
    zone_ids: list[int] = field(default_factory=list)
    structure_ids: list[int] = field(default_factory=list)
    label_names: list[str] = field(default_factory=list)
    fraud_thresholds: dict[str, Any] = field(default_factory=dict)


def create_programme(session: Session, actor: Actor, spec: ProgrammeSpec) -> Programme:
    if not isinstance(spec.face_value_cents, int) or spec.face_value_cents <= 0:
        raise DomainError("invalid_amount")
    if not 1 <= spec.vouchers_per_book <= 50:
        raise DomainError("invalid_value", field="vouchers_per_book")
    if spec.valid_until < spec.valid_from or spec.grace_days < 0:
        raise DomainError("invalid_dates")
    if (
        not spec.funders
        or sum(bp for _, bp in spec.funders) != 10_000
        or any(bp <= 0 for _, bp in spec.funders)
    ):
        raise DomainError("invalid_shares")
    if spec.handout_policy not in ("flag", "hold", "refuse"):
        raise DomainError("invalid_value", field="handout_policy")
    funder_ids = [f for f, _ in spec.funders]
    ok = session.scalars(
        select(Organisation.id).where(Organisation.id.in_(funder_ids), Organisation.is_funder)
    ).all()
    if len(set(ok)) != len(set(funder_ids)):
        raise DomainError("invalid_value", field="funders")
    programme = Programme(
        name=spec.name,
        lead_funder_id=spec.funders[0][0],
        face_value_cents=spec.face_value_cents,
        vouchers_per_book=spec.vouchers_per_book,
        valid_from=spec.valid_from,
        valid_until=spec.valid_until,
        grace_days=spec.grace_days,
        cancel_window_minutes=spec.cancel_window_minutes,
        handout_policy=spec.handout_policy,
        fraud_thresholds=spec.fraud_thresholds,
        status="open",
        created_at=utcnow(),
    )
    session.add(programme)
    session.flush()
    session.execute(
        insert(ProgrammeFunder),
        [{"programme_id": programme.id, "funder_id": f, "share_bp": bp} for f, bp in spec.funders],
    )
    set_acceptance(session, programme.id, spec.zone_ids, spec.structure_ids, spec.label_names)
    audit.record(
        session,
        actor,
        "programme.create",
        ("programme", programme.id),
        name=spec.name,
        funders=spec.funders,
        face_value_cents=spec.face_value_cents,
    )
    return programme


def set_acceptance(
    session: Session,
    programme_id: int,
    zone_ids: list[int],
    structure_ids: list[int],
    label_names: list[str],
) -> None:
    for model in (ProgrammeZone, ProgrammeStructure, ProgrammeLabel):
        session.query(model).filter(model.programme_id == programme_id).delete()
    if zone_ids:
        session.execute(
            insert(ProgrammeZone),
            [{"programme_id": programme_id, "zone_id": z} for z in sorted(set(zone_ids))],
        )
    if structure_ids:
        session.execute(
            insert(ProgrammeStructure),
            [{"programme_id": programme_id, "structure_id": s} for s in sorted(set(structure_ids))],
        )
    if label_names:
        session.execute(
            insert(ProgrammeLabel),
            [{"programme_id": programme_id, "label_name": n} for n in sorted(set(label_names))],
        )


def programme_funders(session: Session, programme_id: int) -> list[tuple[int, int]]:
    return list(
        session.execute(
            select(ProgrammeFunder.funder_id, ProgrammeFunder.share_bp)
            .where(ProgrammeFunder.programme_id == programme_id)
            .order_by(ProgrammeFunder.funder_id)
        )
    )


def close_programme(session: Session, programme_id: int) -> None:
    session.execute(update(Programme).where(Programme.id == programme_id).values(status="expired"))
