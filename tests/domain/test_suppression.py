"""Small-cell suppression: primary, secondary (no total pins a masked cell down, checked
by independent linear algebra), linked tables, and a threshold that only goes up."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voucher.domain.errors import DomainError
from voucher.domain.suppression import (
    TOTAL,
    Grid,
    checked_threshold,
    exposed_cells,
    note,
    suppress,
    suppress_linked,
)


def table(inner: dict[tuple[str, str], int]) -> Grid:
    rows = tuple(sorted({r for r, _ in inner}))
    cols = tuple(sorted({c for _, c in inner}))
    values = dict(inner)
    for r in rows:
        values[(r, TOTAL)] = sum(inner.get((r, c), 0) for c in cols)
    for c in cols:
        values[(TOTAL, c)] = sum(inner.get((r, c), 0) for r in rows)
    values[(TOTAL, TOTAL)] = sum(inner.values())
    return Grid(rows, cols, values)


def _rank(rows: list[list[Fraction]]) -> int:
    m = [list(r) for r in rows]
    rank, col, width = 0, 0, len(m[0]) if m else 0
    while rank < len(m) and col < width:
        pivot = next((i for i in range(rank, len(m)) if m[i][col] != 0), None)
        if pivot is None:
            col += 1
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][col] != 0:
                factor = m[i][col] / m[rank][col]
                m[i] = [a - factor * b for a, b in zip(m[i], m[rank], strict=True)]
        rank, col = rank + 1, col + 1
    return rank


def determined_cells(grid: Grid, masked: frozenset) -> set:
    """Independent check: a masked cell is determined by the published margins when its
    unit vector lies in the row space of the margin equations restricted to masked cells."""
    unknown = sorted(masked)
    index = {k: i for i, k in enumerate(unknown)}
    equations = []
    for r in (*grid.rows, TOTAL):  # row r: sum of its cells = its total
        eq = [Fraction(0)] * len(unknown)
        for c in grid.cols:
            if (r, c) in index:
                eq[index[(r, c)]] += 1
        if (r, TOTAL) in index:
            eq[index[(r, TOTAL)]] -= 1
        equations.append(eq)
    for c in (*grid.cols, TOTAL):
        eq = [Fraction(0)] * len(unknown)
        for r in grid.rows:
            if (r, c) in index:
                eq[index[(r, c)]] += 1
        if (TOTAL, c) in index:
            eq[index[(TOTAL, c)]] -= 1
        equations.append(eq)
    base = _rank(equations)
    found = set()
    for k in unknown:
        unit = [Fraction(0)] * len(unknown)
        unit[index[k]] = Fraction(1)
        if _rank([*equations, unit]) == base:
            found.add(k)
    return found


def test_a_small_cell_is_masked_with_a_rectangle_of_complements():
    g = table(
        {
            ("a", "rural"): 5,
            ("a", "urbain"): 40,
            ("b", "rural"): 30,
            ("b", "urbain"): 25,
            ("c", "rural"): 20,
            ("c", "urbain"): 50,
        }
    )
    s = suppress(g)
    assert s.primary == {("a", "rural")}
    assert s.secondary == {("a", "urbain"), ("b", "rural"), ("b", "urbain")}
    assert determined_cells(g, s.masked) == set()


def test_without_secondary_suppression_the_totals_would_reveal_the_cell():
    g = table({("a", "rural"): 5, ("a", "urbain"): 40, ("b", "rural"): 30, ("b", "urbain"): 25})
    assert determined_cells(g, frozenset({("a", "rural")})) == {("a", "rural")}
    assert exposed_cells({("a", "rural")}) == [("a", "rural")]


def test_zero_cells_stay_visible_and_a_complement_can_be_small_too():
    g = Grid(
        ("a",),
        ("rural",),
        {("a", "rural"): 0, ("a", TOTAL): 0, (TOTAL, "rural"): 0, (TOTAL, TOTAL): 0},
    )
    assert suppress(g).masked == frozenset()
    started = Grid(
        ("a", "b"),
        ("rural",),
        {
            ("a", "rural"): 30,
            ("b", "rural"): 40,
            ("a", TOTAL): 30,
            ("b", TOTAL): 40,
            (TOTAL, "rural"): 70,
            (TOTAL, TOTAL): 70,
        },
        complements={("a", "rural"): 4},
    )  # 4 people did not start: would be revealed
    assert ("a", "rural") in suppress(started).primary


def test_threshold_is_eleven_by_default_and_cannot_be_lowered():
    assert checked_threshold(None) == 11 and checked_threshold(15) == 15
    for low in (10, 5, 0, -3):
        with pytest.raises(DomainError) as exc:
            checked_threshold(low)
        assert exc.value.code == "threshold_too_low"
    g = table({("a", "x"): 12, ("b", "x"): 14})
    assert suppress(g, 15).primary == {("a", "x"), ("b", "x"), ("a", TOTAL), ("b", TOTAL)}


def test_linked_tables_mask_their_shared_total_row_alike():
    ages = table({("jeunes", "rural"): 30, ("seniors", "rural"): 5, ("jeunes", "urbain"): 50})
    status = table({("emploi", "rural"): 20, ("retraite", "rural"): 15, ("emploi", "urbain"): 50})
    done = suppress_linked({"ages": ages, "status": status})
    shared = {k for k in done["ages"].masked if k[0] == TOTAL}
    assert shared == {k for k in done["status"].masked if k[0] == TOTAL}
    for name, g in (("ages", ages), ("status", status)):
        assert determined_cells(g, done[name].masked) == set()


def test_the_note_says_what_was_masked_and_why():
    text = note(11, 3, 2)
    assert "de 1 à 10 personnes" in text and "3 cases" in text and "2 autres" in text
    assert "secret secondaire" in text
    assert "Aucune case" in note(11, 0, 0)


cells = st.integers(0, 40)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.data(), st.sampled_from([11, 15]))
def test_no_total_lets_anyone_recover_a_masked_cell(n_rows, n_cols, data, threshold):
    inner = {(f"r{i}", f"c{j}"): data.draw(cells) for i in range(n_rows) for j in range(n_cols)}
    g = table(inner)
    s = suppress(g, threshold)
    for key in g.cells():  # nothing small stays visible
        assert key in s.masked or not 0 < g.value(key) < threshold
    assert all(g.value(k) > 0 for k in s.masked)  # a zero is public knowledge, never a "mask"
    assert determined_cells(g, s.masked) == set()
