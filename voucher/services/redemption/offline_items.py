"""What an offline batch takes and answers, scan by scan (see
:mod:`voucher.services.redemption.offline`): shared by its per-scan and set-based ways."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voucher.services import idempotency as store
from voucher.services.redemption.redeem import Result, Scan
from voucher.services.redemption.scan import Outcome

SCOPE = "scan"
#: one scan's stored answer, from its outcome: (HTTP status, body)
Render = Callable[[Scan, Outcome[Result]], tuple[int, str]]


@dataclass(frozen=True)
class Sent:
    """One scan of a batch, named by its ``scan_id``; ``fingerprint``: of its content
    without the ``scan_id`` (:func:`voucher.domain.idempotency.fingerprint`)."""

    scan: Scan
    fingerprint: str

    @property
    def scan_id(self) -> str:
        return self.scan.scan_id or ""


@dataclass(frozen=True)
class Answer:
    """One scan's answer: its stored answer (``status``, ``body``), new or ``replayed``; or a
    refusal answered now and not stored (``unstored``, its code): the scan may be resent."""

    scan_id: str
    status: int = 0
    body: str = ""
    replayed: bool = False
    unstored: str | None = None
    #: the offline dispute a stored refusal opened (see :mod:`.disputes`)
    dispute_id: int | None = None


def replayed(scan_id: str, stored: store.Stored, fingerprint: str) -> Answer:
    if stored.fingerprint != fingerprint or stored.status is None or stored.body is None:
        return Answer(scan_id, unstored="idempotency_key_reused")
    return Answer(scan_id, stored.status, stored.body, replayed=True)
