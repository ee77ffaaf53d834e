"""The impact figures come from one statement whose parts are the separate ``GROUP BY``
of :mod:`voucher.services.impact.aggregates`, row for row (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, union_all

from tests.impact_world import crowd, small_world
from voucher.db import dialect
from voucher.services.impact import aggregates as ag
from voucher.services.impact import counts, figures


def _apart(session, t, until):
    """Each part run as its own statement, with its own book facts."""
    bf = ag.book_facts(t, None, until)
    parts = {
        ag.BOOKS: ag.groupings(ag.BOOKS, ag.book_sources(bf), bf.c.zone, ag.book_measures(bf), bf),
        ag.PLACES: ag.place_branches(bf, None, until),
        ag.DELAYS: ag.delay_branches(bf),
        ag.SESSIONS: ag.session_branches(t, None, until),
        ag.USAGE: [ag.usage_select(ag.book_facts(t, None))],
    }
    return {
        part: session.execute(union_all(*branches) if len(branches) > 1 else branches[0]).all()
        for part, branches in parts.items()
    }


def _sorted(rows):
    return sorted((tuple(r) for r in rows), key=repr)


def test_the_one_statement_gives_the_rows_of_the_separate_ones(session):
    small_world(session)
    crowd(session)
    t = dialect.paris_time(session, lambda: counts.years_for(session, None))
    for until in (None, datetime(2026, 4, 1, tzinfo=UTC)):
        together = figures.figures(session, t, None, until)
        apart = _apart(session, t, until)
        assert set(together) == set(apart)
        for part, rows in apart.items():
            assert rows, part  # every part has rows in this world: the check can fail
            assert _sorted(together[part]) == _sorted(rows), (part, until)


def test_the_tables_cost_one_statement_and_a_period_one_more(session):
    small_world(session)
    seen: list[str] = []

    def grouped(_conn, _cursor, statement, *_args) -> None:
        if "GROUP BY" in statement:
            seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", grouped)
    try:
        counts.compute(session, counts.EVERYTHING)
        now = len(seen)
        counts.compute(session, counts.EVERYTHING, datetime(2026, 4, 1, tzinfo=UTC))
        closed = len(seen) - now
    finally:
        event.remove(engine, "before_cursor_execute", grouped)
    assert now == 1  # every table, the places, the delays and the usage clusters
    assert closed == 2  # the usage clusters are counted as of now, apart
