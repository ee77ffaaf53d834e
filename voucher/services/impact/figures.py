"""The impact figures of :mod:`.aggregates` fetched in one statement, built once per
scope and reused.

Rules kept: the per-book facts, the (book, place) pairs and the scans are each
materialised once for all the tables (not once per table or per query); the figures are
those of the separate ``GROUP BY`` of :mod:`.aggregates`, row for row.

On PostgreSQL the groupings are grouping sets (:func:`.branches.grouping_sets`: eleven
branches instead of fifty), and the statement is rendered once per scope with its values
written in (codes, programme ids, the period's end: no parameter) and run as a
server-side prepared statement: it is planned once per connection, not at every export,
and the driver has no SQL to scan for placeholders each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import union_all
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.dialect import ParisTime
from voucher.services.impact.aggregates import (
    BOOKS,
    DELAYS,
    PLACES,
    SESSIONS,
    USAGE,
    book_facts,
    book_measures,
    book_sources,
    delay_branches,
    groupings,
    place_branches,
    session_branches,
    usage_select,
)


def _statements(
    t: ParisTime, programmes: Sequence[int] | None, until: datetime | None
) -> tuple[Any, Any]:
    """The statement of :func:`figures` and, with ``until``, the usage one."""
    bf = book_facts(t, programmes, until)
    sets = t.postgres  # grouping sets: one pass per FROM clause, not one per grouping
    branches = [
        *groupings(BOOKS, book_sources(bf), bf.c.zone, book_measures(bf), bf, sets=sets),
        *place_branches(bf, programmes, until, sets),
        *delay_branches(bf, sets),
        *session_branches(t, programmes, until, sets),
    ]
    if until is None:
        return union_all(*branches, usage_select(bf)), None
    return union_all(*branches), usage_select(book_facts(t, programmes))


#: PostgreSQL's SQL written for the driver without parameters: values in line, and ``%``
#: not doubled (a query without parameters is sent as it is)
_INLINE = PGDialect_psycopg(paramstyle="named")


def _inline(statement: Any) -> str | None:
    if statement is None:
        return None
    return str(statement.compile(dialect=_INLINE, compile_kwargs={"literal_binds": True}))


#: built statements by (dialect, summer periods, programmes, until): building the fifty
#: branches costs more client time than running the cached compiled form (immutable
#: Core statements, safe to share between sessions and threads); on PostgreSQL, their SQL
_BUILT: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def _built(
    t: ParisTime, programmes: Sequence[int] | None, until: datetime | None
) -> tuple[Any, Any]:
    scope = None if programmes is None else tuple(sorted(programmes))
    key = (t.postgres, tuple(t.periods), scope, until)
    if key not in _BUILT:
        if len(_BUILT) >= 64:
            _BUILT.clear()
        main, usage = _statements(t, programmes, until)
        _BUILT[key] = (_inline(main), _inline(usage)) if t.postgres else (main, usage)
    return _BUILT[key]


def _rows(session: Session, statement: Any) -> Any:
    """The rows of a built statement: on PostgreSQL its SQL run by :func:`dialect.run`
    (prepared on the server, planned once per connection; no parameter, so one generic
    plan; rows as named tuples)."""
    if not isinstance(statement, str):
        return session.execute(statement)
    return dialect.run(session.connection(), statement, None)


def figures(
    session: Session, t: ParisTime, programmes: Sequence[int] | None, until: datetime | None = None
) -> dict[str, list[Any]]:
    """Every grouped row of the book and session tables, by part (:data:`BOOKS` ...), in
    one statement: the per-book facts, the (book, place) pairs and the scans are each
    materialised once for all the tables instead of once per query. The usage clusters
    are always counted as of now (the redemption-rate interval), so with ``until`` they
    need facts of their own and come from a second statement."""
    main, usage = _built(t, programmes, until)
    out: dict[str, list[Any]] = {p: [] for p in (BOOKS, PLACES, DELAYS, USAGE, SESSIONS)}
    for row in _rows(session, main):
        out[row.part].append(row)
    if usage is not None:
        out[USAGE] = list(_rows(session, usage))
    return out
