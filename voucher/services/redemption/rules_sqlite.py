"""The scan rules' facts on SQLite, brought by the scan's locking facts query, as
:func:`voucher.services.redemption.rules.fold` brings them on PostgreSQL: one statement
fewer per scan, and no rows to build for them.

Rules kept:

* the same facts as the rules' own query (``rules._facts_statement``): the book's live
  scans, the beneficiary's live scans of the Paris day, the structure's daily counters of
  the folded trailing window; each is one correlated scalar subquery answering a JSON
  array (``json_group_array``) by the same index look-up, run in the same transaction
  (``BEGIN IMMEDIATE``: nothing else writes in between);
* read back with the C scanner of :mod:`json`, times and days converted as the
  statements' own are (:mod:`voucher.db.sqlite_values`); the rules get them from
  :func:`voucher.services.redemption.rules.remember_folded`, which falls back to their own
  query for a longer volume window, as on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Date, Table, bindparam, func, literal_column, select

from voucher.db.models import Book, Redemption, StructureDayVolume, Voucher
from voucher.db.sqlite_values import day, json_value, utc_time
from voucher.db.types import UTCDateTime
from voucher.services.redemption.scan_statements import LIVE

_R = cast(Table, Redemption.__table__).c
_V = cast(Table, Voucher.__table__).c
_B = cast(Table, Book.__table__).c
_VOLUME = cast(Table, StructureDayVolume.__table__).c
_IS_LIVE = _R.status.in_([literal_column(f"'{status}'") for status in LIVE])


def fold(stmt: Any) -> Any:
    """``stmt`` (the scan's locking facts query) with the rules' facts as three JSON
    columns; its parameters gain ``start``, ``end`` and ``since``
    (:func:`voucher.services.redemption.rules.folded_params`)."""
    book = func.json_group_array(func.json_array(_R.id, _R.scanned_at, _R.structure_id))
    person = select(func.json_group_array(_R.id)).where(
        _R.beneficiary_id == _B.beneficiary_id,
        _IS_LIVE,
        _R.scanned_at >= bindparam("start", type_=UTCDateTime()),
        _R.scanned_at < bindparam("end", type_=UTCDateTime()),
    )
    volume = select(func.json_group_array(func.json_array(_VOLUME.day, _VOLUME.scans))).where(
        _VOLUME.structure_id == bindparam("sid"),
        _VOLUME.day >= bindparam("since", type_=Date()),
        _VOLUME.day <= bindparam("today", type_=Date()),
    )
    return stmt.add_columns(
        select(book)
        .where(_R.book_id == _V.book_id, _IS_LIVE)
        .scalar_subquery()
        .label("rules_book"),
        person.scalar_subquery().label("rules_person"),
        volume.scalar_subquery().label("rules_volume"),
    )


def carries(row: Any) -> bool:
    """Does this facts row carry the rules' facts (:func:`fold`)?"""
    return hasattr(row, "rules_book")


def facts(
    row: Any, since: date
) -> tuple[list[tuple[int, datetime, int]], list[int], dict[date, int]]:
    """The book's live scans (id, time, structure id), the ids of the person's scans of
    the day (sorted), and the daily counts from ``since`` on, from a row of :func:`fold`."""
    book = [(i, utc_time(at), n) for i, at, n in json_value(row.rules_book)[0]]
    person = sorted(json_value(row.rules_person)[0])
    volumes = {}
    for text, n in json_value(row.rules_volume)[0]:
        if (when := day(text)) >= since:
            volumes[when] = n
    return book, person, volumes
