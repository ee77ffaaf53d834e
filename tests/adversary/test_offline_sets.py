"""An offline batch set-based (PostgreSQL: :mod:`voucher.services.redemption.offline_sets`)
answers and writes exactly what the per-scan way does, scan for scan, on the same world.

The batch mixes what a desk back online sends: a resend of a scan stored by an earlier
batch, plain acceptances, a third voucher of one book the same day (held by the book and
beneficiary rules, judged with this batch's own earlier scans), a voucher redeemed before,
a voucher a concurrent single scan takes while the batch waits for its lock, one voucher
twice under two scan ids, one scan id twice (same content: replayed; other content:
refused), an unknown code, a mistyped code and an impossible scan time. Each way runs on a
database of its own built the same way; the answers, the rows written and the balances
must be the same, and the ledger audit clean. On SQLite both ways are the per-scan way
(the batch is set-based on PostgreSQL only): the test still holds.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from stdnum import damm

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import (
    Account,
    AuditEvent,
    Book,
    Hold,
    IdempotencyRecord,
    JournalEntry,
    Posting,
    Redemption,
    RefusedScan,
    StructureDayVolume,
    Voucher,
)
from voucher.domain.calendar import utcnow
from voucher.domain.idempotency import fingerprint
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.issuance import handout
from voucher.services.redemption import batch_write, offline, offline_sets, redeem
from voucher.web.api import scan_views


def _world(engine: Any) -> tuple[int, dict[tuple[str, int], str]]:
    """A place and six handed-out books A..F (the rules at their defaults): codes by
    (book letter, position)."""
    with unit_of_work(engine) as s:
        w = f.world(s, books=6, fraud_thresholds={})
        serials = list(
            s.scalars(select(Book.serial).where(Book.batch_id == w.batch.id).order_by(Book.serial))
        )
        codes: dict[tuple[str, int], str] = {}
        for letter, serial in zip("ABCDEF", serials, strict=True):
            handout.hand_out(
                s,
                f.ACTOR,
                serial=serial,
                prescriber_id=w.prescriber.id,
                profile=f.profile(f"lot-{letter}"),
                key=f.KEY,
            )
            found = s.execute(
                select(Voucher.position, Voucher.code).join(Book).where(Book.serial == serial)
            )
            codes.update({(letter, int(p)): str(c) for p, c in found})
        return w.structure.id, codes


def _sent(scan_id: str, code: str, sid: int, at: Any) -> offline.Sent:
    scan = redeem.Scan(code=code, structure_id=sid, scan_id=scan_id, scanned_at=at)
    return offline.Sent(scan, fingerprint({"code": code, "scanned_at": at.isoformat()}))


def _scenario(engine: Any) -> dict[str, Any]:
    sid, codes = _world(engine)
    desk = Actor(label="poste hors ligne", organisation_id=sid)
    at = utcnow() - timedelta(hours=1)
    with unit_of_work(engine) as s:  # before: a single scan, and a batch already stored
        redeem.redeem(s, Actor(label="accueil", user_id=None), redeem.Scan(codes["A", 1], sid))
        offline.process(s, desk, [_sent("old", codes["B", 1], sid, at)], scan_views.stored)
    length = len(codes["A", 1])
    digits = "9" * (length - 1)
    unknown = digits + damm.calc_check_digit(digits)
    mistyped = codes["F", 9][:-1] + str((int(codes["F", 9][-1]) + 1) % 10)
    batch = [
        _sent("old", codes["B", 1], sid, at),  # stored by the earlier batch: replayed
        _sent("n1", codes["D", 1], sid, at),
        _sent("n2", codes["D", 2], sid, at),
        _sent("n3", codes["D", 3], sid, at),  # third of its book today: held
        _sent("n4", codes["A", 1], sid, at),  # redeemed before
        _sent("n5", codes["C", 1], sid, at),  # taken by a concurrent single scan
        _sent("n6", codes["E", 1], sid, at),
        _sent("n7", codes["E", 1], sid, at),  # the same voucher again
        _sent("n1", codes["D", 1], sid, at),  # the same scan id, same content
        _sent("n1", codes["E", 2], sid, at),  # the same scan id, other content
        _sent("n10", unknown, sid, at),
        _sent("n11", mistyped, sid, at),
        _sent("n12", codes["E", 3], sid, utcnow() + timedelta(days=1)),
        _sent("n13", codes["F", 1], sid, at),
        _sent("n14", codes["F", 2], sid, at),
    ]
    answers: list[offline.Answer] = []
    with unit_of_work(engine) as single:  # the concurrent single scan holds C1's lock
        redeem.redeem(
            single, Actor(label="accueil 2"), redeem.Scan(codes["C", 1], sid, scan_id="c")
        )

        def send() -> None:
            with unit_of_work(engine) as s:
                answers.extend(offline.process(s, desk, batch, scan_views.stored))

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.3)  # whether the batch is waiting yet or not, it must wait for this commit
    sender.join(timeout=120)
    return {"answers": [_answer(a) for a in answers], **_ledger(engine, codes)}


def _answer(a: offline.Answer) -> tuple[Any, ...]:
    body = json.loads(a.body) if a.body else {}
    what = body.get("status") if a.status < 400 else body.get("code")
    return (a.scan_id, a.status, what, a.replayed, a.unstored, a.dispute_id is not None)


def _ledger(engine: Any, codes: dict[tuple[str, int], str]) -> dict[str, Any]:
    where = {c: k for k, c in codes.items()}
    with unit_of_work(engine) as s:
        assert ledger_audit.verify(s).ok

        def count(model: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

        return {
            "balances": dict(s.execute(select(Account.code, Account.balance)).all()),
            "counts": [count(m) for m in (JournalEntry, Posting, AuditEvent, Hold, RefusedScan)],
            "scans": sorted(
                (where[c], st, sc)
                for c, st, sc in s.execute(
                    select(Voucher.code, Redemption.status, Redemption.scan_id).join(
                        Voucher, Voucher.id == Redemption.voucher_id
                    )
                )
            ),
            "events": Counter(s.scalars(select(AuditEvent.action))),
            "refusals": Counter(s.scalars(select(RefusedScan.reason))),
            "days": sorted(s.execute(select(StructureDayVolume.day, StructureDayVolume.scans))),
            "keys": sorted(
                s.execute(select(IdempotencyRecord.key, IdempotencyRecord.status)).all()
            ),
            "states": sorted(
                (where[c], st) for c, st in s.execute(select(Voucher.code, Voucher.state))
            ),
        }


def test_a_mixed_batch_answers_and_writes_as_the_per_scan_way(
    databases: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []
    write_all = batch_write.write_all

    def counted(conn: Any, scans: Any, **kw: Any) -> None:
        written.append(len(scans))
        write_all(conn, scans, **kw)

    monkeypatch.setattr(batch_write, "write_all", counted)
    set_based = _scenario(databases.engine())
    # PostgreSQL: the plain acceptances were written set-based (n1 n2, then n6, then n13 n14)
    assert written == ([2, 1, 2] if databases.backend == "postgresql" else [])
    monkeypatch.setattr(offline_sets, "process", lambda batch, sent: None)
    per_scan = _scenario(databases.engine())
    assert set_based == per_scan
    answers = {a[0]: a for a in set_based["answers"] if a[0] not in ("n1",)}
    assert answers["old"][3] is True  # replayed
    assert answers["n3"][2] == "held"
    assert answers["n4"][2] == answers["n5"][2] == answers["n7"][2] == "already_redeemed"
    assert [a[2] for a in set_based["answers"] if a[0] == "n1"] == ["accepted", "accepted", None]
    assert [a[4] for a in set_based["answers"] if a[0] == "n1"][2] == "idempotency_key_reused"
    assert answers["n13"][2] == answers["n14"][2] == "accepted"
