"""SQLite's dates, UTC times and JSON converted in one call each instead of SQLAlchemy's
chain of type wrappers (the same texts and values: ``tests/db/test_prepared.py`` checks
them against SQLAlchemy's), for :mod:`voucher.db.prepared`. The date and time conversions
keep their answers: a scan converts mostly what the scans before it converted.

Each conversion of a parameter is one object per SQLAlchemy conversion (``cache``), so it
can key the memo of converted values across statements.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from json import JSONDecoder, JSONEncoder
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from json.scanner import make_scanner
from typing import Any

Convert = Callable[[Any], Any]


#: how many answers each of SQLite's date and time conversions keeps (then it starts
#: again): a scan converts mostly what the scans before it converted (its day, the day's
#: bounds in UTC, the times of its book's earlier scans), and each conversion in C costs
#: about as much as running a small statement
KEPT = 1024


def _keep(seen: dict[Any, Any], key: Any, answer: Any) -> Any:
    if len(seen) >= KEPT:
        seen.clear()
    seen[key] = answer
    return answer


@cache  # one per SQLAlchemy conversion: a memo key across statements
def utc_text(slow: Convert) -> Convert:
    """:class:`UTCDateTime` bound on SQLite: naive UTC as SQLAlchemy's ``DATETIME`` writes
    it (``YYYY-MM-DD HH:MM:SS.ffffff``), in one call, the answers for times in UTC kept
    (:data:`KEPT`: equal UTC times are the same instant); other values (None, a naive
    time: refused) go through SQLAlchemy's own conversion."""
    seen: dict[datetime, str] = {}

    def convert(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:
            found = seen.get(value)
            if found is None:
                text = value.replace(tzinfo=None).isoformat(" ", "microseconds")
                found = _keep(seen, value, text)
            return found
        if type(value) is datetime and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return slow(value)

    return convert


@cache  # one per SQLAlchemy conversion: a memo key across statements
def date_text(slow: Convert) -> Convert:
    """``Date`` bound on SQLite (``YYYY-MM-DD``, as SQLAlchemy's ``DATE`` writes it), the
    answers kept (:data:`KEPT`)."""
    seen: dict[date, str] = {}

    def convert(value: Any) -> Any:
        if type(value) is date:
            found = seen.get(value)
            return _keep(seen, value, value.isoformat()) if found is None else found
        return slow(value)

    return convert


#: ``json.dumps`` with its defaults, built once (``json.dumps`` builds it per call); no
#: check for circular references (a document that holds itself fails by recursion)
_encode = c_make_encoder(
    None, JSONEncoder().default, encode_basestring_ascii, None, ": ", ", ", False, False, True
)
#: ``json.loads``'s scanner: one JSON value from the start of a text
_decode: Any = make_scanner(JSONDecoder())  # type: ignore[arg-type]  # typeshed: a "context"


@cache  # one per SQLAlchemy conversion: a memo key across statements
def json_text(slow: Convert) -> Convert:
    """JSON bound on SQLite (SQLAlchemy's with ``json.dumps``): an empty list (a scan's
    verdicts, mostly) is ``[]``, other lists and dicts are written by ``json.dumps``'s own
    encoder built once; anything else goes through SQLAlchemy's own conversion."""

    def convert(value: Any) -> Any:
        if type(value) is list:
            return "".join(_encode(value, 0)) if value else "[]"
        return "".join(_encode(value, 0)) if type(value) is dict else slow(value)

    return convert


def json_value(text: str) -> tuple[Any, int]:
    """The JSON value at the start of ``text`` and where it ends (``json.loads``'s C
    scanner; StopIteration when no value starts there)."""
    found: tuple[Any, int] = _decode(text, 0)
    return found


@cache  # one per SQLAlchemy conversion
def json_of(slow: Convert) -> Convert:
    """JSON read on SQLite (SQLAlchemy's with ``json.loads``): ``json.loads``'s scanner
    when the text is one JSON value and nothing else; otherwise ``json.loads`` itself
    (white space around it, or an error)."""

    def convert(value: Any) -> Any:
        if type(value) is str:
            try:
                found, end = json_value(value)
            except StopIteration:
                return slow(value)
            return found if end == len(value) else slow(value)
        return slow(value)

    return convert


_UTC_TIMES: dict[str, datetime] = {}


def utc_time(text: str) -> datetime:
    """SQLite's text of a UTC time (as SQLAlchemy's ``DATETIME`` writes it) as
    :class:`~voucher.db.types.UTCDateTime` reads it: ``fromisoformat``, made aware; the
    answers kept (:data:`KEPT`; a datetime is immutable)."""
    found = _UTC_TIMES.get(text)
    if found is None:
        found = _keep(_UTC_TIMES, text, datetime.fromisoformat(text).replace(tzinfo=UTC))
    return found


_DAYS: dict[str, date] = {}


def day(text: str) -> date:
    """SQLite's text of a date (``YYYY-MM-DD``) as SQLAlchemy's ``DATE`` reads it
    (``fromisoformat``); the answers kept (:data:`KEPT`)."""
    found = _DAYS.get(text)
    return _keep(_DAYS, text, date.fromisoformat(text)) if found is None else found


@cache  # one per SQLAlchemy conversion
def utc_time_of(slow: Convert) -> Convert:
    """:class:`UTCDateTime` read on SQLite: :func:`utc_time`; anything else as SQLAlchemy
    reads it."""

    def convert(value: Any) -> Any:
        return utc_time(value) if type(value) is str else slow(value)

    return convert


@cache  # one per SQLAlchemy conversion: a memo key across statements
def date_of(slow: Convert) -> Convert:
    """``Date`` read on SQLite: SQLAlchemy's own conversion, the answers kept
    (:data:`KEPT`; a date is immutable)."""
    seen: dict[str, date] = {}

    def convert(value: Any) -> Any:
        if type(value) is str:
            found = seen.get(value)
            return _keep(seen, value, slow(value)) if found is None else found
        return slow(value)

    return convert
