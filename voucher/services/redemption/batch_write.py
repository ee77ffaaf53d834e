"""The statements of an offline batch on PostgreSQL, each for many scans at once
(:mod:`voucher.services.redemption.offline_sets` decides what they carry).

Rules kept:

* :func:`claim_all` / :func:`find_all`: the batch's scan ids, claimed in one statement
  (``INSERT ... ON CONFLICT DO NOTHING``, in key order so that two batches sending the
  same keys queue in the same order), then the stored answers of the keys already taken
  read in one; a key taken by a concurrent request that is not answered yet goes the
  per-scan way (its stored answer, or busy);
* :func:`facts_all`: the single scan's locking facts query
  (:func:`voucher.services.redemption.scan_facts.locking`, with the rules' facts when the
  screening reads them), rendered once and run for every scan of the batch: its
  parameters come from an ``unnest`` of one array per parameter, the voucher rows are
  locked in code order (one lock order for every batch), and each row also draws
  the ids its redemption and journal entry would take (``nextval``), so an answer, the
  rules' facts of the next scans and the stored body are known before anything is written;
  its "scan id already answered here" look-up is made once for the batch, by the same
  condition, and joined to each scan by its scan id;
* :func:`write_all`: every write of the decided scans in one statement, row for row what
  :mod:`~voucher.services.redemption.scan_write` writes for one scan without its
  balances (the voucher's conditional update first, every other write depending on it),
  and the idempotency records completed with their answers; the values they all share
  (the actor, the place, an acceptance's kind and states) are sent once; the balances
  move once at the end of the batch: in the batch's last write, last in it (each
  account's sum into this backend's part, in account-code order), when no entry of the
  batch was left to :func:`voucher.services.finance.journal.deferred_balances`, which
  moves them otherwise;
* :func:`forget`: claimed keys left without an answer (throttled, busy) are deleted, as a
  rolled-back claim would be: such a scan may be sent again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import Connection

from voucher.db import dialect
from voucher.db.models.ledger import ADD_TO_PART, THIS_PART
from voucher.db.types import stored_utc
from voucher.domain.states import SCANNABLE
from voucher.services.redemption import rules, scan_facts
from voucher.services.redemption.scan_write import (
    DOCUMENTS,
    ENTRY,
    EVENT,
    REDEMPTION,
    TIMES,
    pg_type,
)

_SCANNABLE = ", ".join(f"'{s}'" for s in sorted(SCANNABLE))


_FIND = (
    "SELECT key, id, fingerprint, status, body FROM api_idempotency "
    "WHERE organisation_id = %(org)s AND scope = %(scope)s AND key = ANY(%(keys)s)"
)
_CLAIM = (
    "INSERT INTO api_idempotency (organisation_id, api_key_id, scope, key, fingerprint, "
    "status, body, created_at, completed_at) "
    "SELECT %(org)s, CAST(%(api_key_id)s AS BIGINT), %(scope)s, k.key, k.fp, NULL, NULL, "
    "%(now)s, NULL FROM unnest(CAST(%(keys)b AS VARCHAR[]), CAST(%(fps)b AS VARCHAR[])) "
    "AS k(key, fp) ORDER BY k.key "
    "ON CONFLICT (organisation_id, scope, key) DO NOTHING RETURNING key, id"
)
_FORGET = "DELETE FROM api_idempotency WHERE id = ANY(%(ids)s) RETURNING id"


def find_all(conn: Connection, org: int, scope: str, keys: Sequence[str]) -> dict[str, Any]:
    """The stored records of these keys, by key (rows: id, fingerprint, status, body)."""
    rows = dialect.run(conn, _FIND, {"org": org, "scope": scope, "keys": list(keys)})
    return {row.key: row for row in rows}


def claim_all(
    conn: Connection,
    org: int,
    api_key_id: int | None,
    scope: str,
    claims: dict[str, str],
    now: datetime,
) -> dict[str, int]:
    """Claim ``claims`` (key -> fingerprint); the record id of each key claimed here."""
    keys = sorted(claims)
    params = {
        "org": org,
        "api_key_id": api_key_id,
        "scope": scope,
        "keys": keys,
        "fps": [claims[k] for k in keys],
        "now": stored_utc(now),
    }
    return {row.key: int(row.id) for row in dialect.run(conn, _CLAIM, params)}


def forget(conn: Connection, record_ids: Sequence[int]) -> None:
    if record_ids:
        dialect.run(conn, _FORGET, {"ids": list(record_ids)})


# --- the facts of every scan ------------------------------------------------------------

#: the single scan's parameters, as columns of the batch's ``unnest``
_PARAMS = {
    "code": "VARCHAR",
    "today": "DATE",
    "scan_id": "VARCHAR",
    "start": "TIMESTAMP",
    "end": "TIMESTAMP",
    "since": "DATE",
}
_FACTS: dict[bool, str] = {}


#: the single scan's "this scan id already answered here" look-up, one per scan
_PRIOR = re.compile(
    r"\(SELECT redemption\.id\s+FROM redemption\s+WHERE redemption\.structure_id = "
    r"%\(sid\)s::BIGINT AND redemption\.scan_id = %\(scan_id\)s::VARCHAR\) AS prior_scan"
)
#: the same look-up for the whole batch, read once (its own plan: the place's unique
#: scan-id index, or one pass over the place's redemptions when the planner believes the
#: place has few), joined to each scan by its scan id
_PRIOR_ALL = (
    "WITH prior AS MATERIALIZED (SELECT redemption.scan_id, redemption.id FROM redemption "
    "WHERE redemption.structure_id = %(sid)s::BIGINT "
    "AND redemption.scan_id = ANY(CAST(%(p_scan_id)b AS VARCHAR[]))) "
)


def _facts_sql(conn: Connection, folded: bool) -> str:
    """The single scan's rendered facts query, its per-scan parameters read from ``p``;
    each voucher is found by its code's index and locked in a ``LATERAL`` look-up, one
    row of ``p`` after the other (a plan that cannot turn into a scan of ``voucher``).
    The scan-id look-up is made once for the batch (:data:`_PRIOR_ALL`): per scan, a
    planner that took the place's time index for it (statistics that do not know the
    place yet) read every redemption of the place for every scan."""
    if folded not in _FACTS:
        one = scan_facts.rendered(conn, folded)
        one, found = _PRIOR.subn("prior.id AS prior_scan", one)
        if found != 1:
            raise RuntimeError("the scan-id look-up of the facts query has changed")
        at = one.rindex("FROM voucher ")  # the outer FROM: the voucher, its book, programme
        head, tail = one[:at].rstrip(), one[at + len("FROM voucher ") :]
        body = tail.rsplit(" FOR UPDATE", 1)[0].rsplit("WHERE voucher.code = ", 1)[0]
        names = list(_PARAMS) if folded else ["code", "today", "scan_id"]
        for name in names:
            body = body.replace(f"%({name})s", f"p.p_{name}")
            head = head.replace(f"%({name})s", f"p.p_{name}")
        arrays = ", ".join(f"CAST(%(p_{n})b AS {_PARAMS[n]}[])" for n in names)
        columns = ", ".join(f"p_{n}" for n in names)
        _FACTS[folded] = (
            f"{_PRIOR_ALL}{head}, p.p_ord AS ord, "
            "nextval(pg_get_serial_sequence('redemption', 'id')) AS new_redemption_id, "
            "nextval(pg_get_serial_sequence('journal_entry', 'id')) AS new_entry_id "
            f"FROM unnest({arrays}, CAST(%(p_ord)b AS INTEGER[])) AS p({columns}, p_ord) "
            "JOIN LATERAL (SELECT * FROM voucher WHERE voucher.code = p.p_code FOR UPDATE) "
            f"AS voucher ON true {body} LEFT JOIN prior ON prior.scan_id = p.p_scan_id"
        )
    return _FACTS[folded]


def facts_all(
    conn: Connection, sid: int, scans: Sequence[dict[str, Any]], folded: bool
) -> dict[int, Any]:
    """The facts row of each scan that names a voucher, by the scan's position in
    ``scans`` (each: code, today, scan_id, and at: the scan's time); the vouchers are
    locked in code order, one order for every batch."""
    order = sorted(range(len(scans)), key=lambda i: scans[i]["code"])
    scans = [scans[i] for i in order]
    params: dict[str, Any] = {"sid": sid, "p_ord": order}
    for name in ("code", "today", "scan_id"):
        params[f"p_{name}"] = [s[name] for s in scans]
    if folded:
        bounds = [rules.folded_params(s["at"]) for s in scans]
        params["p_start"] = [stored_utc(b["start"]) for b in bounds]
        params["p_end"] = [stored_utc(b["end"]) for b in bounds]
        params["p_since"] = [b["since"] for b in bounds]
    rows = dialect.run(conn, _facts_sql(conn, folded), params)
    return {int(row.ord): row for row in rows}


# --- the writes -------------------------------------------------------------------------

#: one array per column of the batch's writes, typed as the single scan's write types them
#: (:func:`~voucher.services.redemption.scan_write.pg_type`), the stored answer's own two
_ANSWER_TYPES = {"answer_status": "INTEGER", "answer_body": "TEXT"}
#: the write parameters every decided scan of a batch shares (plain acceptances, one actor,
#: one place): sent once each, not as arrays of equal values (:func:`write_all` checks)
_SHARED = (
    *("kind", "posting_count", "status", "new_state", "verdicts", "action", "sid"),
    *("user_id", "api_key_id", "device", "actor_label", "ip"),
)
_COLUMNS = {
    name: _ANSWER_TYPES.get(name) or pg_type(name)
    for name in dict.fromkeys(
        (
            *("rid", "eid", "vid", "new_state"),
            *ENTRY,
            *("a1", "m1", "a2", "m2"),
            *REDEMPTION,
            *EVENT,
            *("day", "record_id", *_ANSWER_TYPES),
        )
    )
    if name not in _SHARED
}


def _shared(sql: str) -> str:
    """``sql`` with each shared column ``s.name`` read from its one parameter."""
    for name in _SHARED:
        sql = re.sub(rf"(?<![\w.])s\.{name}\b", f"CAST(%({name})s AS {pg_type(name)})", sql)
    return sql


def _write_sql(count_day: bool, balances: bool) -> str:
    arrays = ", ".join(f"CAST(%({n})b AS {t}[])" for n, t in _COLUMNS.items())
    parts = [
        f"s AS (SELECT * FROM unnest({arrays}) AS s({', '.join(_COLUMNS)}))",
        "taken AS (UPDATE voucher SET state = s.new_state, updated_at = s.now FROM s "
        f"WHERE voucher.id = s.vid AND voucher.state IN ({_SCANNABLE}) RETURNING voucher.id)",
        "entry AS (INSERT INTO journal_entry (id, ref, kind, at, posting_count, hash, "
        "actor_user_id) SELECT s.eid, s.ref, s.kind, s.now, s.posting_count, s.hash, "
        "s.user_id FROM s JOIN taken ON taken.id = s.vid ORDER BY s.eid RETURNING id)",
        "lines AS (INSERT INTO posting (entry_id, account_id, amount) "
        "SELECT s.eid, l.account_id, l.amount FROM s JOIN taken ON taken.id = s.vid, "
        "LATERAL (VALUES (s.a1, s.m1), (s.a2, s.m2)) AS l(account_id, amount) "
        "ORDER BY s.eid RETURNING account_id, amount)",
        "scan AS (INSERT INTO redemption (id, voucher_id, structure_id, programme_id, book_id, "
        "beneficiary_id, prescriber_id, user_id, api_key_id, scan_id, device, status, "
        "face_value_cents, scanned_at, recorded_at, theme, autonomy, prior_state, verdicts, "
        "entry_id) SELECT s.rid, s.vid, s.sid, s.programme_id, s.book_id, s.beneficiary_id, "
        "s.prescriber_id, s.user_id, s.api_key_id, s.scan_id, s.device, s.status, "
        "s.face_value_cents, s.scanned_at, s.now, s.theme, s.autonomy, s.prior_state, "
        "s.verdicts, entry.id FROM s JOIN entry ON entry.id = s.eid ORDER BY s.rid "
        "RETURNING id)",
        "event AS (INSERT INTO audit_event (at, action, actor_user_id, actor_api_key_id, "
        "actor_label, organisation_id, ip, details, outcome, object_type, object_id) "
        "SELECT s.now, s.action, s.user_id, s.api_key_id, s.actor_label, s.sid, s.ip, "
        "s.details, 'ok', 'redemption', scan.id FROM s JOIN scan ON scan.id = s.rid "
        "ORDER BY s.rid RETURNING id)",
        "answered AS (UPDATE api_idempotency SET status = s.answer_status, "
        "body = s.answer_body, completed_at = s.now FROM s JOIN scan ON scan.id = s.rid "
        "WHERE api_idempotency.id = s.record_id RETURNING api_idempotency.id)",
    ]
    counts = [
        "(SELECT count(*) FROM taken) AS taken",
        "(SELECT count(*) FROM lines) AS postings",
        "(SELECT count(*) FROM event) AS events",
        "(SELECT count(*) FROM answered) AS answered",
    ]
    if count_day:
        parts.append(
            "day AS (INSERT INTO structure_day_volume (structure_id, day, scans) "
            "SELECT s.sid, s.day, count(*) FROM s JOIN taken ON taken.id = s.vid "
            "GROUP BY s.sid, s.day ORDER BY s.sid, s.day "
            "ON CONFLICT (structure_id, day) DO UPDATE "
            "SET scans = structure_day_volume.scans + EXCLUDED.scans RETURNING scans)"
        )
        counts.append("(SELECT count(*) FROM day) AS days")
    if balances:
        # last (the count read last in the answer, the sort needing every posting first):
        # the postings' sum per account into this backend's part, in account-code order,
        # as the batch's deferred balances move them
        parts.append(
            "moved AS (INSERT INTO account_part (account_id, part, balance) "
            f"SELECT account.id, {THIS_PART}, CAST(d.delta AS BIGINT) FROM (SELECT account_id, "
            "sum(amount) AS delta FROM lines GROUP BY account_id) AS d "
            "JOIN account ON account.id = d.account_id WHERE d.delta <> 0 "
            f"ORDER BY account.code {ADD_TO_PART} RETURNING account_id)"
        )
        counts.append("(SELECT count(*) FROM moved) AS moved")
    return _shared("WITH " + ",\n".join(parts) + "\nSELECT " + ", ".join(counts))


_WRITES: dict[tuple[bool, bool], str] = {}


def write_all(
    conn: Connection, scans: Sequence[dict[str, Any]], *, count_day: bool, balances: bool = False
) -> None:
    """Write every decided scan (each: :func:`voucher.services.redemption.redeem` 's
    write parameters plus rid, eid, record_id, answer_status, answer_body, all with the
    same :data:`_SHARED` values, else ValueError); raises RuntimeError when a voucher was
    no longer scannable (the caller's savepoint then undoes them all). ``balances``: the
    statement also moves their balances (the batch's last write, when no entry of the
    batch was left for :func:`voucher.services.finance.journal.deferred_balances`): the
    same part rows, in the same order, without three more statements."""
    key = (count_day, balances)
    if key not in _WRITES:
        _WRITES[key] = _write_sql(count_day, balances)
    params: dict[str, Any] = {}
    first = scans[0]
    for name in _SHARED:
        value = first[name]
        if any(s[name] != value for s in scans):
            raise ValueError(f"the scans of one write differ in {name}")
        params[name] = _value(name, value)
    for name in _COLUMNS:
        params[name] = _column(name, [s[name] for s in scans])
    row = dialect.run(conn, _WRITES[key], params)[0]
    n = len(scans)
    if (row.taken, row.postings, row.events, row.answered) != (n, 2 * n, n, n):
        raise RuntimeError("an offline batch's scans were not all written")
    if balances and row.moved != _moving(scans):
        raise RuntimeError("an offline batch's balances did not all move")


def _moving(scans: Sequence[dict[str, Any]]) -> int:
    """How many accounts the scans' postings move (a non-zero sum)."""
    sums: dict[int, int] = {}
    for s in scans:
        for account, amount in ((s["a1"], s["m1"]), (s["a2"], s["m2"])):
            sums[account] = sums.get(account, 0) + amount
    return sum(1 for total in sums.values() if total)


_STATES = ("new_state", "prior_state", "status")


def _column(name: str, values: list[Any]) -> list[Any]:
    """A column's write parameters as the driver sends them, its kind looked up once per
    column (not once per scan and column)."""
    if name in TIMES:
        return [stored_utc(v) for v in values]
    if name in DOCUMENTS:
        return [Json(v) for v in values]
    if name in _STATES:
        return [v if v is None else str(getattr(v, "value", v)) for v in values]
    return values


def _value(name: str, value: Any) -> Any:
    """A write parameter as the driver sends it."""
    return _column(name, [value])[0]
