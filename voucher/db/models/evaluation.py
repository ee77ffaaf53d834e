"""A programme's costs other than the vouchers' face value (printing, operator fees, …),
entered by the operator so that cost per beneficiary counts what the programme really cost.
Rows are added, never changed; a mistake is corrected by a negative line ``correction``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
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
