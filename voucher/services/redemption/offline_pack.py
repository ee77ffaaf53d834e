"""Building a place's offline pack (:mod:`voucher.domain.offline_pack`): the usable codes
of the programmes it accepts today, as hashed entries, whole or as a refresh since a time.

A refresh lists the entries of codes that changed since then: ``added`` (usable now:
a batch activated, a scan cancelled) and ``removed`` (no longer usable: redeemed, held,
cancelled, expired, or a lost book). ``as_of`` is the time to refresh from next (two
minutes before the pack, so a change committed late is sent again rather than missed).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import Voucher
from voucher.domain import offline_pack as rules
from voucher.domain.calendar import paris_date
from voucher.domain.states import VoucherState
from voucher.services.access import devices

USABLE = (VoucherState.ACTIVE.value, VoucherState.DISTRIBUTED.value)
OVERLAP = timedelta(minutes=2)


@dataclass(frozen=True)
class Pack:
    programme_ids: list[int]
    added: bytes
    removed: bytes
    as_of: datetime
    full: bool


def salt(instance_key: bytes) -> bytes:
    return hmac.new(instance_key, b"offline-pack", hashlib.sha256).digest()[:16]


def build(
    session: Session, structure_id: int, now: datetime, pack_salt: bytes, since: datetime | None
) -> Pack:
    programmes = [p.id for p in devices.accepted_programmes(session, structure_id, paris_date(now))]
    added: list[bytes] = []
    removed: list[bytes] = []
    if programmes:
        q = select(Voucher.code, Voucher.state).where(Voucher.programme_id.in_(programmes))
        if since is None:
            q = q.where(Voucher.state.in_(USABLE))
        else:
            q = q.where(Voucher.updated_at >= since)
        for code, state in session.execute(q.execution_options(yield_per=10_000)):
            (added if state in USABLE else removed).append(rules.entry(pack_salt, code))
    return Pack(
        programmes, rules.pack(added), rules.pack(removed), now - OVERLAP, full=since is None
    )
