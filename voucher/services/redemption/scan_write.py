"""The writes of a scan that passed every check, in as few statements as the database allows.

What is written is what the journal, the audit and the rules write elsewhere, row for row:
the voucher's new state (a conditional ``UPDATE ... WHERE state IN (scannable)``), the
journal entry (:func:`voucher.services.finance.journal.entry_fields`: its reference and
hash computed in Python, nothing read back) and its two postings, the redemption row, the
audit event ``redemption.accepted`` / ``redemption.held``, the structure's day counter
(when the screening keeps it), and the two account balances (in parts on PostgreSQL).

Rules kept:

* **PostgreSQL: one statement** (data-modifying CTEs). Every write depends on the voucher's
  conditional update, so a voucher that was not scannable writes nothing and the statement
  answers no row. The balances come last *inside* the statement, in **this backend's part**
  of each account (``account_part``, ``pg_backend_pid() % BALANCE_PARTS``, upserted), not
  the account rows: eight desks on one programme no longer queue on its ``outstanding``
  row, only two scans whose backends share a part do. The upsert's ``SELECT ... ORDER BY
  code`` needs every other write done first (its sort), so part rows are locked in
  account-code order (no deadlock between scans) and only for the end of the transaction.
  An account's balance is its row plus its parts (:func:`journal.balance`, the audit);
* **SQLite**: the same writes in a tight sequence of fixed statements (one writer at a
  time, so no lock order to keep), both balances in one ``UPDATE``;
* the voucher row is already locked by the facts query (the first statement of a scan);
* a held scan, a scan with verdicts to record, or one inside an offline batch
  (:func:`journal.deferred_balances`) is written without its balances
  (``balances=False``): the caller writes the rest, then moves the balances last itself;
* statements are built once per shape and dialect; PostgreSQL's is sent by the driver as
  a server-side prepared statement from its first execution on a connection
  (:func:`voucher.db.dialect.run`: planned once, no SQLAlchemy result built);
* the statement checks that both balances moved and fails otherwise (its transaction
  aborts), so the check holds even when the write carries its transaction's ``COMMIT``
  (``commit``: a single scan whose caller ends its unit of work with it,
  :func:`voucher.db.dialect.commits_with_write`); then a voucher no longer scannable fails
  the statement too, and nothing of the transaction is committed;
* the account rows themselves are not locked by a scan (the postings' foreign keys take
  ``KEY SHARE``, which only a deletion, a key change or ``FOR UPDATE`` waits for): writers
  of the main part (:func:`journal.move_balances`) and the scans no longer wait for each
  other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Connection, Date, bindparam, text
from sqlalchemy.sql.elements import TextClause

from voucher.db import dialect
from voucher.db.models.ledger import ADD_TO_PART, THIS_PART
from voucher.db.types import UTCDateTime
from voucher.domain.states import SCANNABLE
from voucher.services.redemption import scan_sqlite

_SCANNABLE = ", ".join(f"'{s}'" for s in sorted(SCANNABLE))
#: PostgreSQL types of the parameters (INSERT ... SELECT infers nothing from the target)
_PG_TYPES = {
    "now": "TIMESTAMP",
    "scanned_at": "TIMESTAMP",
    "day": "DATE",
    "verdicts": "JSON",
    "details": "JSON",
    "posting_count": "INTEGER",
}
#: parameters that are times (UTC, naive for the driver) and JSON documents
TIMES = ("now", "scanned_at")
DOCUMENTS = ("verdicts", "details")
_STRINGS = {
    "new_state",
    "ref",
    "kind",
    "hash",
    "scan_id",
    "device",
    "status",
    "theme",
    "autonomy",
    "prior_state",
    "action",
    "actor_label",
    "ip",
}
ENTRY = ("ref", "kind", "now", "posting_count", "hash", "user_id")
_ENTRY_COLUMNS = "ref, kind, at, posting_count, hash, actor_user_id"
REDEMPTION = (
    "vid",
    "sid",
    "programme_id",
    "book_id",
    "beneficiary_id",
    "prescriber_id",
    "user_id",
    "api_key_id",
    "scan_id",
    "device",
    "status",
    "face_value_cents",
    "scanned_at",
    "now",
    "theme",
    "autonomy",
    "prior_state",
    "verdicts",
)
_REDEMPTION_COLUMNS = (
    "voucher_id, structure_id, programme_id, book_id, beneficiary_id, prescriber_id, "
    "user_id, api_key_id, scan_id, device, status, face_value_cents, scanned_at, "
    "recorded_at, theme, autonomy, prior_state, verdicts, entry_id"
)
EVENT = ("now", "action", "user_id", "api_key_id", "actor_label", "sid", "ip", "details")
_EVENT_COLUMNS = (
    "at, action, actor_user_id, actor_api_key_id, actor_label, organisation_id, ip, details, "
    "outcome, object_type, object_id"
)
_TAKE = f"UPDATE voucher SET state = {{0}}, updated_at = {{1}} WHERE id = {{2}} AND state IN ({_SCANNABLE})"
_BUMP = (
    "INSERT INTO structure_day_volume (structure_id, day, scans) {0} "
    "ON CONFLICT (structure_id, day) DO UPDATE SET scans = structure_day_volume.scans + 1"
)


def pg_type(name: str) -> str:
    """The PostgreSQL type of a scan's write parameter (the statement infers none)."""
    return _PG_TYPES.get(name) or ("VARCHAR" if name in _STRINGS else "BIGINT")


def _pg(name: str) -> str:
    """A parameter in the driver's placeholder style (:func:`voucher.db.dialect.run`)."""
    return f"CAST(%({name})s AS {pg_type(name)})"


def _pgs(names: tuple[str, ...]) -> str:
    return ", ".join(_pg(n) for n in names)


_TYPES: dict[str, Any] = {
    "now": UTCDateTime(),
    "scanned_at": UTCDateTime(),
    "day": Date(),
    "verdicts": JSON(),
    "details": JSON(),
}


def _typed(sql: str) -> TextClause:
    return text(sql).bindparams(
        *(bindparam(n, type_=t) for n, t in _TYPES.items() if f":{n}" in sql)
    )


def _postgresql(count_day: bool, balances: bool, commit: bool) -> str:
    parts = [
        "taken AS (" + _TAKE.format(_pg("new_state"), _pg("now"), _pg("vid")) + " RETURNING id)",
        f"entry AS (INSERT INTO journal_entry ({_ENTRY_COLUMNS}) SELECT {_pgs(ENTRY)} "
        "FROM taken RETURNING id)",
        "lines AS (INSERT INTO posting (entry_id, account_id, amount) "
        "SELECT entry.id, l.account_id, l.amount FROM entry, (VALUES "
        f"({_pg('a1')}, {_pg('m1')}), ({_pg('a2')}, {_pg('m2')})) AS l(account_id, amount) "
        "RETURNING id)",
        f"scan AS (INSERT INTO redemption ({_REDEMPTION_COLUMNS}) SELECT {_pgs(REDEMPTION)}, "
        "entry.id FROM entry RETURNING id)",
        f"event AS (INSERT INTO audit_event ({_EVENT_COLUMNS}) SELECT {_pgs(EVENT)}, 'ok', "
        "'redemption', scan.id FROM scan RETURNING id)",
    ]
    if count_day:
        parts.append(
            "day AS ("
            + _BUMP.format(f"SELECT {_pg('sid')}, {_pg('day')}, 1 FROM taken")
            + " RETURNING scans)"
        )
    parts.append(
        "written AS (SELECT scan.id AS redemption_id, entry.id AS entry_id, "
        "(SELECT count(*) FROM lines) AS postings, (SELECT count(*) FROM event) AS events"
        + (", (SELECT count(*) FROM day) AS days" if count_day else "")
        + " FROM scan, entry)"
    )
    answer = "SELECT written.redemption_id, written.entry_id FROM written"
    if balances:
        # the sort needs every row of `written` (so every write above) before the first lock;
        # the two balances move in this backend's part of each account, in account-code order
        parts.append(
            "moved AS (INSERT INTO account_part (account_id, part, balance) "
            f"SELECT account.id, {THIS_PART}, CASE account.id "
            f"WHEN {_pg('a1')} THEN {_pg('m1')} ELSE {_pg('m2')} END "
            f"FROM account, written WHERE account.id IN ({_pg('a1')}, {_pg('a2')}) "
            f"ORDER BY account.code {ADD_TO_PART} RETURNING account_id)"
        )
        # both balances moved, or the statement fails (and its transaction with it)
        answer = f"SELECT written.redemption_id, written.entry_id, {_BOTH_MOVED} FROM written"
        if commit:  # one row even when nothing was written: its check fails the statement
            answer = (
                "SELECT (SELECT redemption_id FROM written) AS redemption_id, "
                f"(SELECT entry_id FROM written) AS entry_id, {_BOTH_MOVED}"
            )
    return "WITH " + ",\n".join(parts) + "\n" + answer


#: 2, or an error raised inside the statement (a cast of a text that is no number; built
#: from the count, so never folded into a constant by the planner)
_BOTH_MOVED = (
    "CASE WHEN (SELECT count(*) FROM moved) = 2 THEN 2 ELSE CAST("
    "'balances of a redemption not both moved: ' || (SELECT count(*) FROM moved) "
    "AS INTEGER) END AS balances"
)


def _sqlite(count_day: bool, balances: bool) -> list[TextClause]:
    def values(names: tuple[str, ...]) -> str:
        return ", ".join(f":{n}" for n in names)

    steps = [
        _TAKE.format(":new_state", ":now", ":vid"),
        f"INSERT INTO journal_entry ({_ENTRY_COLUMNS}) VALUES ({values(ENTRY)}) RETURNING id",
        "INSERT INTO posting (entry_id, account_id, amount) "
        "VALUES (:entry_id, :a1, :m1), (:entry_id, :a2, :m2)",
        f"INSERT INTO redemption ({_REDEMPTION_COLUMNS}) "
        f"VALUES ({values(REDEMPTION)}, :entry_id) RETURNING id",
        f"INSERT INTO audit_event ({_EVENT_COLUMNS}) "
        f"VALUES ({values(EVENT)}, 'ok', 'redemption', :redemption_id)",
    ]
    if count_day:
        steps.append(_BUMP.format("VALUES (:sid, :day, 1)"))
    if balances:
        steps.append(
            "UPDATE account SET balance = balance + CASE id WHEN :a1 THEN :m1 ELSE :m2 END "
            "WHERE id IN (:a1, :a2)"
        )
    return [_typed(s) for s in steps]


_BUILT: dict[tuple[str, bool, bool, bool], Any] = {}


def _statement(name: str, count_day: bool, balances: bool, commit: bool) -> Any:
    key = (name, count_day, balances, commit)
    if key not in _BUILT:
        if name == "postgresql":
            _BUILT[key] = _postgresql(count_day, balances, commit)
        else:
            _BUILT[key] = _sqlite(count_day, balances)
    return _BUILT[key]


def write(
    conn: Connection,
    params: dict[str, Any],
    *,
    count_day: bool,
    balances: bool,
    commit: bool = False,
) -> tuple[int, int] | None:
    """Write the scan; (redemption id, entry id), or None when the voucher was no longer
    scannable (then nothing was written). ``params``: see :func:`params`.

    ``commit`` (PostgreSQL, with ``balances``): the write is the transaction's last
    statement and the transaction is committed with it, in the same round trip
    (:func:`voucher.db.dialect.run`); a voucher no longer scannable then fails the
    statement, so nothing of the transaction is committed."""
    name = dialect.name_of(conn)
    commit = commit and balances and name == "postgresql"
    stmt = _statement(name, count_day, balances, commit)
    if name == "postgresql":
        values = dialect.driver_params(params, TIMES, DOCUMENTS)
        rows = dialect.run(conn, stmt, values, commit=commit)
        if not rows:
            return None
        row = rows[0]
        return int(row.redemption_id), int(row.entry_id)
    return scan_sqlite.write(conn, stmt, params)
