"""Fraud screening hook called inside the redemption transaction.

Core rule here: a voucher that was never handed out (programme policy flag, hold or
refuse). The fraud-rules module (:mod:`voucher.services.redemption.rules`, imported at the
end of this module so the catalogue is always on) adds its own rules to ``RULES``. Each
rule returns ``None`` or a :class:`Verdict`; the strongest outcome wins (refuse > hold >
flag). Rules only read: writes (counters, alerts) happen in ``RECORDERS``, called once the
redemption row exists, and in ``REFUSAL_HOOKS``, called when a refused scan is logged (in
the caller's separate transaction, since the refused scan itself changed nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from voucher.services.context import Actor

OUTCOMES = ("flag", "hold", "refuse")


@dataclass(frozen=True)
class Verdict:
    rule: str
    outcome: str  # flag | hold | refuse
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "explanation": self.explanation,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class ScanContext:
    voucher_id: int
    state: str
    book_id: int
    book_status: str
    beneficiary_id: int | None
    programme_id: int
    handout_policy: str
    thresholds: dict[str, Any]
    structure_id: int
    user_id: int | None
    api_key_id: int | None
    scanned_at: datetime


Rule = Callable[[Session, ScanContext], Verdict | None]


def never_handed_out(_session: Session, ctx: ScanContext) -> Verdict | None:
    if ctx.state != "active":
        return None
    return Verdict(
        "never_handed_out",
        ctx.handout_policy,
        "Ce chèque n'a jamais été remis à un bénéficiaire par un prescripteur.",
        {"book_id": ctx.book_id},
    )


RULES: list[Rule] = [never_handed_out]


def screen(session: Session, ctx: ScanContext) -> list[Verdict]:
    verdicts = []
    for rule in RULES:
        verdict = rule(session, ctx)
        if verdict is not None:
            verdicts.append(verdict)
    return verdicts


def strongest(verdicts: list[Verdict]) -> Verdict | None:
    return max(verdicts, key=lambda v: OUTCOMES.index(v.outcome), default=None)


@dataclass(frozen=True)
class Refusal:
    """A refused scan as logged by ``redemption.record_refusal``."""

    actor: Actor
    structure_id: int | None
    voucher_id: int | None
    reason: str
    at: datetime


Recorder = Callable[[Session, ScanContext, int, str, list[Verdict]], None]
RefusalHook = Callable[[Session, Refusal], None]
RECORDERS: list[Recorder] = []
REFUSAL_HOOKS: list[RefusalHook] = []


def recorded(
    session: Session, ctx: ScanContext, redemption_id: int, status: str, verdicts: list[Verdict]
) -> None:
    for hook in RECORDERS:
        hook(session, ctx, redemption_id, status, verdicts)


def refused(session: Session, refusal: Refusal) -> None:
    for hook in REFUSAL_HOOKS:
        hook(session, refusal)


from voucher.services.redemption import rules as _fraud_rules  # noqa: E402,F401  (registers the catalogue)
