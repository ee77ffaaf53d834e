"""Which fraud rules judge a scan, in which order, and what is written with their verdicts:
stated here, once, where a reader sees it. Nothing adds itself to these lists at import
and nothing changes them at run time.

Rules kept:

* :data:`RULES` run inside the redemption transaction once the core checks passed
  (:func:`voucher.domain.acceptance.refusal`), in this order; each only reads and answers
  nothing or a verdict; the strongest verdict decides (refuse > hold > flag,
  :func:`voucher.domain.verdicts.strongest`), and the look-up asks the same rules;
* :data:`RECORDERS` write a scan's verdicts once the redemption row exists (one alert per
  verdict), and are called only for a scan that has verdicts; with
  :func:`~voucher.services.redemption.rules.record_scan` among them, the structure's
  daily counter is also kept (:attr:`Screening.counts_days`), bumped by the scan's own
  write statement (:mod:`voucher.services.redemption.scan_write`);
* :data:`REFUSAL_HOOKS` write when a refused scan is logged (alerts on a second scan, a
  lost or stolen book, a source locked for code guessing), in the caller's transaction;
* every entry point runs :data:`FULL`; a test or a benchmark passes its own
  :class:`Screening` instead, e.g. :data:`CORE_ONLY` (the benchmark's baseline: the core
  checks and the never-handed-out policy, nothing written besides the scan itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from voucher.domain.verdicts import ScanContext, Verdict
from voucher.services.redemption import refusal_alerts, rules
from voucher.services.redemption.refusal_alerts import Refusal

Rule = Callable[[Session, ScanContext], Verdict | None]
Recorder = Callable[[Session, ScanContext, int, str, list[Verdict]], None]
RefusalHook = Callable[[Session, Refusal], None]


@dataclass(frozen=True)
class Screening:
    """The rules a scan runs, what is written with its verdicts, what a refusal raises."""

    rules: tuple[Rule, ...]
    recorders: tuple[Recorder, ...] = ()
    refusal_hooks: tuple[RefusalHook, ...] = ()

    @property
    def counts_days(self) -> bool:
        """Does a scan bump its structure's daily counter (the volume rule's history)?"""
        return rules.record_scan in self.recorders

    @property
    def reads_facts(self) -> bool:
        """Does a rule of this screening read the scan history (:class:`rules.Facts`)?"""
        return any(rule in rules.READS_FACTS for rule in self.rules)


RULES: tuple[Rule, ...] = (
    rules.never_handed_out,
    rules.book_per_day,
    rules.beneficiary_per_day,
    rules.structure_volume,
    rules.whole_book,
)
RECORDERS: tuple[Recorder, ...] = (rules.record_scan,)
REFUSAL_HOOKS: tuple[RefusalHook, ...] = (
    refusal_alerts.second_scan,
    refusal_alerts.lost_or_stolen_book,
    refusal_alerts.guessing_lock,
)

FULL = Screening(RULES, RECORDERS, REFUSAL_HOOKS)
CORE_ONLY = Screening((rules.never_handed_out,))
