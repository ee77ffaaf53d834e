"""INSEE's density grids read in each shape INSEE publishes (small files made for the
tests in the official column layouts: 3 levels as CSV, the 4-level grid of 2021 and the
2025 file holding both the 3- and 7-level grids as XLSX with title lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voucher.domain import density
from voucher.domain.errors import DomainError

FILES = Path(__file__).parent / "files"


def _read(name: str, **kw) -> density.Grid:
    return density.read_grid((FILES / name).read_bytes(), name, **kw)


def test_the_three_level_grid_calls_rural_its_level_three():
    grid = _read("grille_densite_3_niveaux_2025.csv")
    assert (grid.levels, grid.year) == (3, 2025)
    assert {c: k.kind for c, k in grid.classes.items()} == {
        "86194": "urban",
        "86062": "urban",
        "86001": "rural",
        "2A004": "urban",
    }


def test_the_four_level_grid_calls_rural_peu_dense_and_tres_peu_dense():
    grid = _read("grille_densite_4_niveaux_2021.xlsx")
    assert (grid.levels, grid.year) == (4, 2021)
    assert grid.of("86165") == density.DensityClass(3, 4, 2021)
    assert [grid.of(c).kind for c in ("86194", "86062", "86165", "01001")] == [
        "urban",
        "urban",
        "rural",
        "rural",
    ]  # 01001 came as 1001 (Excel dropped the zero)


def test_the_seven_level_grid_calls_rural_its_levels_five_to_seven():
    grid = _read("grille_densite_7_niveaux_2025.xlsx")
    assert (grid.levels, grid.year) == (7, 2025)
    kinds = {c.level: c.kind for c in grid.classes.values()}
    assert kinds == {
        1: "urban",
        2: "urban",
        3: "urban",
        4: "urban",
        5: "rural",
        6: "rural",
        7: "rural",
    }
    assert grid.of("86165").three_levels == 2  # petites villes: intermediate density


def test_the_same_file_read_as_its_three_level_grid_agrees_on_rural_and_urban():
    seven = _read("grille_densite_7_niveaux_2025.xlsx")
    three = _read("grille_densite_7_niveaux_2025.xlsx", levels=3)
    assert three.levels == 3
    assert {c: k.three_levels for c, k in three.classes.items()} == {
        c: k.three_levels for c, k in seven.classes.items()
    }


def test_a_grid_without_a_year_or_with_unknown_levels_is_refused_not_guessed():
    body = b"CODGEO;DENS\n86194;1\n86001;3\n"
    with pytest.raises(DomainError) as exc:
        density.read_grid(body, "grille.csv")
    assert exc.value.code == "density_grid_unreadable"
    grid = density.read_grid(body, "grille.csv", levels=3, year=2024)
    assert grid.of("86001") == density.DensityClass(3, 3, 2024)
    with pytest.raises(DomainError):
        density.read_grid(b"CODGEO;DENS\n86194;9\n", "grille.csv", levels=3, year=2024)
    with pytest.raises(DomainError):
        density.read_grid(b"nom;valeur\nx;1\n", "grille_2025.csv")
