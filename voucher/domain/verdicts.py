"""What a fraud rule says about one scan: the facts it judges and its verdict. Pure values.

Rules kept:

* a rule reads a :class:`ScanContext` (the voucher, its book and programme, the structure,
  who scans and when) and answers nothing or one :class:`Verdict` named after the rule
  (:mod:`voucher.domain.fraud`'s catalogue), with an outcome: ``flag``, ``hold`` or ``refuse``;
* when several rules answer, the strongest outcome decides (refuse > hold > flag); every
  verdict is kept with the scan, as evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from voucher.domain.fraud import OUTCOMES


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


def strongest(verdicts: Sequence[Verdict]) -> Verdict | None:
    return max(verdicts, key=lambda v: OUTCOMES.index(v.outcome), default=None)
