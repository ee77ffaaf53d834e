"""The writes of a scan on SQLite: the statements :mod:`~voucher.services.redemption.scan_write`
builds for SQLite (one writer at a time, no data-modifying CTEs), run in their fixed order
on the driver's cursor (:mod:`voucher.db.prepared`: compiled once per process, tuple
parameters, no result objects).

Rules kept: the voucher's conditional update comes first and nothing else is written when
it changed no row (the voucher was no longer scannable); the entry's and the redemption's
ids come back by ``RETURNING``; the balances, when the caller asks for them, come last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable

from voucher.db import prepared


def write(
    conn: Connection, steps: Sequence[Executable], params: dict[str, Any]
) -> tuple[int, int] | None:
    """(redemption id, entry id), or None when the voucher was no longer scannable."""
    take, entry, postings, scan, event, *rest = steps
    run = prepared.Steps(conn)  # one cursor; the scan's timestamps and JSON converted once
    try:
        if run.changed(take, params) != 1:
            return None
        params = dict(params, entry_id=int(run.scalar(entry, params)))
        run.changed(postings, params)
        params["redemption_id"] = int(run.scalar(scan, params))
        run.changed(event, params)
        for step in rest:
            run.changed(step, params)
    finally:
        run.close()
    return params["redemption_id"], params["entry_id"]
