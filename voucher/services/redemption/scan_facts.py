"""The first statement of a scan: its facts, with the voucher row locked.

Rules kept:

* the query is :data:`~voucher.services.redemption.scan_statements.SCAN_ROW_TO_WRITE`
  locking the voucher row as the dialect locks rows (:func:`voucher.db.dialect.for_update`:
  ``FOR UPDATE OF voucher`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises
  writers), built once per dialect;
* PostgreSQL, when the screening runs rules that read the scan history
  (:data:`voucher.services.redemption.rules.READS_FACTS`): the rules' facts are columns of
  the same query (:func:`voucher.services.redemption.rules.fold`), kept for the rules by
  :func:`~voucher.services.redemption.rules.remember_folded`: a scan is two statements.
  They are read in the locking statement's snapshot, as a separate query run just after
  it would read them; only a scan that waited for its voucher's row lock behind a
  concurrent scan of the same voucher that then rolled back reads them as of before the
  wait (scans of other vouchers were never serialised with it: the rules already race
  with those, as they did); SQLite: the same facts as JSON arrays
  (:func:`voucher.services.redemption.rules_sqlite.fold`), in the same ``BEGIN
  IMMEDIATE`` transaction;
* PostgreSQL: rendered once, run by :func:`voucher.db.dialect.run` (a server-side prepared
  statement, named-tuple rows); SQLite: :func:`voucher.db.prepared.first` (compiled once,
  on the driver's cursor).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from voucher.db import dialect, prepared
from voucher.services.redemption import rules, rules_sqlite
from voucher.services.redemption import scan_statements as sql

#: the locking facts query per dialect (built on first use: a statement built per scan
#: would cost more than its round trip)
_LOCKING: dict[str, Any] = {}
#: PostgreSQL's rendered SQL, without and with the rules' facts
_RENDERED: dict[bool, str] = {}
_BOUNDS = ("start", "end")
#: SQLite's locking facts query with the rules' facts (built on first use)
_FOLDED: dict[str, Any] = {}


def locking(conn: Connection) -> Any:
    name = dialect.name_of(conn)
    if name not in _LOCKING:
        _LOCKING[name] = dialect.for_update(sql.SCAN_ROW_TO_WRITE, conn, of=sql.VOUCHERS)
    return _LOCKING[name]


def rendered(conn: Connection, folded: bool) -> str:
    if folded not in _RENDERED:
        stmt = locking(conn)
        _RENDERED[folded] = dialect.render(rules.fold(stmt) if folded else stmt, conn)
    return _RENDERED[folded]


def read(session: Session, params: dict[str, Any], at: datetime, with_rules: bool) -> Any:
    """The facts row of the scan (None: unknown code); ``params``: code, sid, today,
    scan_id. ``with_rules``: the row also carries the rules' facts (the caller hands them
    to :func:`rules.remember_folded`)."""
    conn = session.connection()
    if not dialect.is_postgres(conn):
        if not with_rules:
            return prepared.first(conn, locking(conn), params)
        if "sqlite" not in _FOLDED:
            _FOLDED["sqlite"] = rules_sqlite.fold(locking(conn))
        return prepared.first(conn, _FOLDED["sqlite"], {**params, **rules.folded_params(at)})
    if with_rules:
        params = dialect.driver_params({**params, **rules.folded_params(at)}, _BOUNDS)
    rows = dialect.run(conn, rendered(conn, with_rules), params)
    return rows[0] if rows else None


def carries_rules(row: Any) -> bool:
    """Did :func:`read` bring the rules' facts with this row?"""
    return hasattr(row, "rules_book_ids") or rules_sqlite.carries(row)
