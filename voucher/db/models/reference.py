"""Reference data: organisations (funders, prescribers, structures), labels, bank details,
pilot zones and programmes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class Organisation(Base):
    __tablename__ = "organisation"
    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    is_funder: Mapped[bool] = mapped_column(default=False)
    is_prescriber: Mapped[bool] = mapped_column(default=False)
    is_structure: Mapped[bool] = mapped_column(default=False)
    is_operator: Mapped[bool] = mapped_column(default=False)
    street_number: Mapped[str | None] = mapped_column(String(20))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="FR")
    commune_insee: Mapped[str | None] = mapped_column(String(5), index=True)
    #: INSEE 3-level density class copied at write time, with the grid's year
    density_class: Mapped[int | None]
    density_year: Mapped[int | None]
    zone_kind: Mapped[str | None] = mapped_column(String(5))
    #: WGS 84 position (national file of lieux de médiation numérique), when known
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    email: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(100), index=True)
    services: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime]

    labels: Mapped[list[Label]] = relationship(back_populates="organisation", order_by="Label.id")


class Label(Base):
    __tablename__ = "label"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="dates"),
    )
    id: Mapped[int] = pk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    organisation: Mapped[Organisation] = relationship(back_populates="labels")


class BankAccount(Base):
    """A structure's bank details. ``status``: pending, validated, rejected, replaced,
    suspended (the bank sent a transfer back: unusable until new details are validated)."""

    __tablename__ = "bank_account"
    id: Mapped[int] = pk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(140))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime]
    validated_at: Mapped[datetime | None]


class BankAccountEvent(Base):
    """Status history of bank details: a change of IBAN is itself a fraud signal."""

    __tablename__ = "bank_account_event"
    id: Mapped[int] = pk()
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(BigId)
    note: Mapped[str | None] = mapped_column(String(500))


class PilotZone(Base):
    __tablename__ = "pilot_zone"
    __table_args__ = (CheckConstraint("kind IN ('rural', 'urban')", name="kind"),)
    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(5))
    #: 'density_grid' when derived from INSEE's grid, 'manual' when set by hand
    kind_source: Mapped[str] = mapped_column(String(20), default="manual")
    cog_year: Mapped[int | None]
    communes: Mapped[list[PilotZoneCommune]] = relationship(order_by="PilotZoneCommune.insee_code")


class CommuneCentre(Base):
    """A commune's centre (WGS 84), for distances from where a person lives."""

    __tablename__ = "commune_centre"
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))


class PilotZoneCommune(Base):
    __tablename__ = "pilot_zone_commune"
    zone_id: Mapped[int] = mapped_column(ForeignKey("pilot_zone.id"), primary_key=True)
    insee_code: Mapped[str] = mapped_column(String(5), primary_key=True, index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    #: 3-level class (1 dense, 2 intermediate, 3 rural), whatever grid it was read from
    density_class: Mapped[int | None]
    #: the level in the grid read (3, 4 or 7 levels) and that grid's year
    density_level: Mapped[int | None]
    density_levels: Mapped[int | None]
    density_year: Mapped[int | None]


class Programme(Base):
    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("face_value_cents > 0", name="face_value"),
        CheckConstraint("vouchers_per_book BETWEEN 1 AND 50", name="book_size"),
        CheckConstraint("valid_until >= valid_from", name="dates"),
        CheckConstraint("grace_days >= 0", name="grace"),
        CheckConstraint("handout_policy IN ('flag', 'hold', 'refuse')", name="handout_policy"),
    )
    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(200))
    lead_funder_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    face_value_cents: Mapped[int] = mapped_column(BigInteger)
    vouchers_per_book: Mapped[int]
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    grace_days: Mapped[int] = mapped_column(default=31)
    cancel_window_minutes: Mapped[int] = mapped_column(default=15)
    #: what to do when a voucher never handed out is scanned
    handout_policy: Mapped[str] = mapped_column(String(10), default="flag")
    fraud_thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="open")
    expired_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    funders: Mapped[list[ProgrammeFunder]] = relationship(order_by="ProgrammeFunder.funder_id")


class ProgrammeFunder(Base):
    __tablename__ = "programme_funder"
    __table_args__ = (CheckConstraint("share_bp > 0 AND share_bp <= 10000", name="share"),)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    #: share in basis points (5000 = 50 %)
    share_bp: Mapped[int]
    funder: Mapped[Organisation] = relationship()


class ProgrammeZone(Base):
    __tablename__ = "programme_zone"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("pilot_zone.id"), primary_key=True)


class ProgrammeStructure(Base):
    """Structures explicitly accepting a programme (empty: any labelled structure)."""

    __tablename__ = "programme_structure"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)


class ProgrammeLabel(Base):
    """Labels accepted by a programme (empty: any valid label)."""

    __tablename__ = "programme_label"
    __table_args__ = (UniqueConstraint("programme_id", "label_name"),)
    id: Mapped[int] = pk()
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    label_name: Mapped[str] = mapped_column(String(100))
