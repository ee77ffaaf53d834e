"""Places that join by themselves: the SIRENE extract the operator loads, a place's
application (questionnaire answers, its steps, the operator's decision), its addresses of
presence with hours and accessibility, its supporting documents and the eligibility
questions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class SireneEstablishment(Base):
    """One line of the SIRENE establishments stock file (StockEtablissement), as loaded."""

    __tablename__ = "sirene_establishment"
    siret: Mapped[str] = mapped_column(String(14), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    street_number: Mapped[str | None] = mapped_column(String(20))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(100))
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    loaded_at: Mapped[datetime]


class EligibilityQuestion(Base):
    """A question of the eligibility questionnaire; ``expected`` is the answer that makes a
    place eligible ('oui' or 'non'); retired questions stay for the answers kept."""

    __tablename__ = "eligibility_question"
    __table_args__ = (CheckConstraint("expected IN ('oui', 'non')", name="expected"),)
    id: Mapped[int] = pk()
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(300))
    expected: Mapped[str] = mapped_column(String(3), default="oui")
    active: Mapped[bool] = mapped_column(default=True)


class PlaceApplication(Base):
    """A place's qualification file. ``status``: draft, submitted, correction, validated.
    ``answers`` keeps each question's text with the answer given."""

    __tablename__ = "place_application"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'submitted', 'correction', 'validated')", name="status"
        ),
    )
    id: Mapped[int] = pk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    steps_done: Mapped[list[str]] = mapped_column(JSON, default=list)
    legal_form: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    summary: Mapped[str | None] = mapped_column(String(280))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(BigId)
    label_until: Mapped[date | None]


class PlaceSite(Base):
    """An address of presence of a place, with its hours and accessibility."""

    __tablename__ = "place_site"
    id: Mapped[int] = pk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    street_number: Mapped[str | None] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str] = mapped_column(String(10), index=True)
    town: Mapped[str] = mapped_column(String(100))
    commune_insee: Mapped[str | None] = mapped_column(String(5), index=True)
    #: opening hours in the OpenStreetMap ``opening_hours`` syntax
    hours: Mapped[str | None] = mapped_column(String(300))
    hours_text: Mapped[str | None] = mapped_column(Text)
    accessibility: Mapped[list[str]] = mapped_column(JSON, default=list)
    latitude: Mapped[float | None] = mapped_column(Float)  # WGS 84, when known
    longitude: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]


class PlaceDocument(Base):
    """A supporting document: the bytes live outside the web root under their SHA-256;
    ``status``: pending, correction, validated."""

    __tablename__ = "place_document"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'correction', 'validated')", name="status"),
        CheckConstraint("size_bytes > 0", name="size"),
    )
    id: Mapped[int] = pk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    note: Mapped[str | None] = mapped_column(String(500))
    uploaded_by: Mapped[int | None] = mapped_column(BigId)
    uploaded_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[datetime | None]
