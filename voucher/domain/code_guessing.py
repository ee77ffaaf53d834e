"""Code guessing: when a source of failed scans is slowed down, then locked. Pure maths.

Rules kept (the thresholds are the ``code_guessing`` rule's, see :mod:`voucher.domain.fraud`):

* a failure is a refused scan whose code is not one of ours (:data:`GUESS_REASONS`);
* each source (a user, an API key, an address) is judged on its own failures; an address
  may stand for several desks behind one NAT, so it has its own, higher thresholds;
* locked while some window of ``window_minutes`` held ``lock_after`` failures ending less
  than ``lock_minutes`` ago; slowed (one try per ``delay_seconds``) once the current window
  holds ``slow_after``; a waiting time is always at least one second.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

#: refusals that count as guessing attempts (the code is not one of ours)
GUESS_REASONS = frozenset({"mistyped_code", "unknown_code"})


@dataclass(frozen=True)
class GuessingState:
    status: str  # ok | slow | locked
    retry_after: int = 0  # seconds
    failures: int = 0
    locked_until: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.status == "ok"


def for_source(p: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The code-guessing thresholds for one kind of source: an address (``ip``) may stand
    for several desks behind one NAT, so it slows and locks at ``address_slow_after`` /
    ``address_lock_after`` instead of the per-user and per-key ``slow_after`` / ``lock_after``."""
    if source != "ip":
        return dict(p)
    return {**p, "slow_after": p["address_slow_after"], "lock_after": p["address_lock_after"]}


def guessing(failures: Sequence[datetime], now: datetime, p: Mapping[str, Any]) -> GuessingState:
    """From the times of one source's recent failed scans: locked while some window of
    ``window_minutes`` held ``lock_after`` failures ending less than ``lock_minutes`` ago;
    slowed (one try per ``delay_seconds``) once the current window holds ``slow_after``."""
    times = sorted(failures)
    window = timedelta(minutes=p["window_minutes"])
    lock_n = p["lock_after"]
    for i in range(len(times) - 1, lock_n - 2, -1):
        if times[i] - times[i - lock_n + 1] <= window:
            until = times[i] + timedelta(minutes=p["lock_minutes"])
            if now < until:
                return GuessingState("locked", _seconds(until - now), len(times), until)
            break
    recent = [t for t in times if now - t <= window]
    if len(recent) >= p["slow_after"]:
        wait = timedelta(seconds=p["delay_seconds"]) - (now - recent[-1])
        if wait > timedelta(0):
            return GuessingState("slow", _seconds(wait), len(recent))
    return GuessingState("ok", 0, len(recent))


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
