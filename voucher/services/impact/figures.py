"""The impact figures of :mod:`.aggregates` fetched in one statement, built once per
scope and reused.

Rules kept: the per-book facts, the (book, place) pairs and the scans are each
materialised once for all the tables (not once per table or per query); the figures are
those of the separate ``GROUP BY`` of :mod:`.aggregates`, row for row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import union_all
from sqlalchemy.orm import Session

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
    branches = [
        *groupings(BOOKS, book_sources(bf), bf.c.zone, book_measures(bf), bf),
        *place_branches(bf, programmes, until),
        *delay_branches(bf),
        *session_branches(t, programmes, until),
    ]
    if until is None:
        return union_all(*branches, usage_select(bf)), None
    return union_all(*branches), usage_select(book_facts(t, programmes))


#: built statements by (dialect, summer periods, programmes, until): building the fifty
#: branches costs more client time than running the cached compiled form (immutable
#: Core statements, safe to share between sessions and threads)
_BUILT: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def figures(
    session: Session, t: ParisTime, programmes: Sequence[int] | None, until: datetime | None = None
) -> dict[str, list[Any]]:
    """Every grouped row of the book and session tables, by part (:data:`BOOKS` ...), in
    one statement: the per-book facts, the (book, place) pairs and the scans are each
    materialised once for all the tables instead of once per query. The usage clusters
    are always counted as of now (the redemption-rate interval), so with ``until`` they
    need facts of their own and come from a second statement."""
    scope = None if programmes is None else tuple(sorted(programmes))
    key = (t.postgres, tuple(t.periods), scope, until)
    if key not in _BUILT:
        if len(_BUILT) >= 64:
            _BUILT.clear()
        _BUILT[key] = _statements(t, programmes, until)
    main, usage = _BUILT[key]
    out: dict[str, list[Any]] = {p: [] for p in (BOOKS, PLACES, DELAYS, USAGE, SESSIONS)}
    for row in session.execute(main):
        out[row.part].append(row)
    if usage is not None:
        out[USAGE] = list(session.execute(usage))
    return out
