"""A programme's costs other than the vouchers' face value (printing, operator fees, …),
entered by the operator so that cost per beneficiary counts what the programme really cost.
Rows are added, never changed; a mistake is corrected by a negative line ``correction``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk


class ProgrammeCost(Base):
    __tablename__ = "programme_cost"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('impression','frais_operateur','animation','evaluation','autre','correction')",
            name="kind",
        ),
        CheckConstraint("amount_cents <> 0", name="amount"),
        CheckConstraint("kind = 'correction' OR amount_cents > 0", name="positive"),
    )
    id: Mapped[int] = pk()
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(200))


class ComparisonGroup(Base):
    """The comparison a funder declares for a programme's before/after: a comparison zone
    (no carnets there) or a waiting-list cohort (carnets later). One per programme."""

    __tablename__ = "comparison_group"
    __table_args__ = (
        CheckConstraint("kind IN ('zone','liste_attente')", name="kind"),
        UniqueConstraint("programme_id"),
    )
    id: Mapped[int] = pk()
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    declared_at: Mapped[datetime]
    declared_by: Mapped[str] = mapped_column(String(200))


class FollowUp(Base):
    """One answer to "has done the procedure alone since" (national autonomy terms, or
    ``non_communique``), for one pseudonymous person, before (``avant``) or after
    (``apres``: at the last voucher or later), in the pilot or the comparison group, and
    the organisation that asked. Rows are added, never changed."""

    __tablename__ = "follow_up"
    __table_args__ = (
        CheckConstraint(
            "answer IN ('autonome','partiellement_autonome','entierement_accompagne',"
            "'non_communique')",
            name="answer",
        ),
        CheckConstraint("moment IN ('avant','apres')", name="moment"),
        CheckConstraint("cohort IN ('pilote','comparaison')", name="cohort"),
        CheckConstraint("recorder_role IN ('structure','prescriber')", name="role"),
    )
    id: Mapped[int] = pk()
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    cohort: Mapped[str] = mapped_column(String(12))
    moment: Mapped[str] = mapped_column(String(6))
    answer: Mapped[str] = mapped_column(String(30))
    observed_on: Mapped[date]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    recorder_role: Mapped[str] = mapped_column(String(12))
    recorded_at: Mapped[datetime]
