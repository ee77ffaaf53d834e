"""Fault drill: restart PostgreSQL under a running redemption load. Clients see clear
errors and retry with the same scan id; afterwards no redemption is lost or doubled and
the journal is balanced.

The restart lands inside the clients' transactions by construction, never after a sleep:
every client holds its first transaction open until the server has been restarted (a fast
machine would otherwise finish every scan before the restart, and a pooled connection found
dead at checkout is replaced without any client noticing). The first client holds its scan
written, before the commit; the others before writing (a written scan holds its balance
rows, which would stop the others reaching their hold)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests import factories as f
from tests.conftest import _pg_admin, _pg_url
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.migrate import upgrade
from voucher.db.models import Book, Redemption, Voucher
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.redemption import redeem

CLUSTER = sorted(Path("/etc/postgresql").glob("*"))
#: restarts the one PostgreSQL every other test uses: scripts/test runs it alone, after the rest
pytestmark = pytest.mark.serial


def _restart() -> None:
    version = CLUSTER[-1].name
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        timeout=120,
    )


@pytest.mark.skipif(
    not CLUSTER or shutil.which("pg_ctlcluster") is None,
    reason="needs the local PostgreSQL cluster (pg_ctlcluster)",
)
def test_postgresql_restart_under_load_loses_and_doubles_nothing():
    name = f"vt_drill_{uuid.uuid4().hex[:8]}"
    _pg_admin(f"CREATE DATABASE {name}")
    engine = make_engine(_pg_url(name))
    try:
        upgrade(engine)
        with unit_of_work(engine) as s:
            w = f.world(s, books=20)
            codes = list(
                s.scalars(select(Voucher.code).join(Book).where(Book.batch_id == w.batch.id))
            )
            structure_id = w.structure.id
        accepted: dict[str, int] = {}
        errors: list[str] = []
        lock = threading.Lock()
        clients = 4
        written = threading.Barrier(clients + 1)  # every client's first transaction, open
        restarted = threading.Event()

        def held(first: bool) -> None:
            if first and not restarted.is_set():
                written.wait(timeout=300)
                restarted.wait(timeout=300)

        def client(mine: list[str], who: int) -> None:
            for n, code in enumerate(mine):
                give_up = time.monotonic() + 180  # a loaded machine restarts it slowly
                while True:
                    if time.monotonic() > give_up:
                        with lock:
                            errors.append(f"gave up on {code}")
                        break
                    try:
                        with unit_of_work(engine) as s:
                            s.execute(text("SELECT 1"))  # the transaction is open
                            held(n == 0 and who != 0)  # the others: cut before writing
                            res = redeem.redeem(
                                s,
                                Actor(label=f"c{who}", user_id=who),
                                redeem.Scan(
                                    code=code,
                                    structure_id=structure_id,
                                    scan_id=f"scan-{code[-10:]}",
                                ),
                            )
                            held(n == 0 and who == 0)  # the first: written, not committed
                        with lock:  # a replay after a lost reply is the same, single redemption
                            accepted[code] = 1
                            if res.status != "accepted":
                                errors.append(f"status {res.status}")
                        break
                    except DBAPIError as exc:  # connection lost: a clear error, then retry
                        with lock:
                            errors.append(
                                type(exc.orig).__name__ if exc.orig else type(exc).__name__
                            )
                        time.sleep(0.25)
                    except DomainError as exc:
                        with lock:
                            errors.append(exc.code)
                        break

        threads = [
            threading.Thread(target=client, args=(codes[i::clients], i)) for i in range(clients)
        ]
        for t in threads:
            t.start()
        written.wait(timeout=300)  # four transactions open, the first with a scan written
        _restart()
        restarted.set()
        for t in threads:
            t.join(timeout=300)
        assert all(not t.is_alive() for t in threads)
        unexpected = [
            e for e in errors if e not in {"OperationalError", "AdminShutdown", "InterfaceError"}
        ]
        assert not unexpected, unexpected
        with unit_of_work(engine) as s:
            live = s.scalars(
                select(Redemption.voucher_id).where(Redemption.status == "accepted")
            ).all()
            assert len(live) == len(set(live)) == len(codes), "every voucher redeemed exactly once"
            assert s.scalar(select(func.count()).select_from(Redemption)) == len(codes)
            assert ledger_audit.verify(s).ok
        assert sum(accepted.values()) == len(codes)
        cut = [e for e in errors if e in {"OperationalError", "AdminShutdown", "InterfaceError"}]
        assert len(cut) >= clients, "each client's open transaction was cut by the restart"
    finally:
        engine.dispose()
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
