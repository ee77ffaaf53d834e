"""Stata ``.dta`` and SPSS ``.sav`` copies of an impact bundle, with their labels (pyreadstat).

Rules kept:

- One file per sheet. Every variable carries its description as variable label (Stata
  cuts labels at 80 characters: the full text is in ``datapackage.json``).
- A code column (national vocabulary, zone kind, masked flag) becomes an integer 1, 2, …
  whose **value labels are the codes themselves** (``decode`` in Stata, ``as_factor`` in R
  or pandas give back the code to merge on); the French wording of each code is in the
  Data Package. The numbering follows the code list, so it is the same in every release.
- A masked figure is a system missing value, never a zero.
- Stata names are at most 32 characters: a longer name is shortened (``premiere`` →
  ``1re``, then cut), and the original name leads the variable label.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from voucher.documents.impact.datapackage import code_list
from voucher.documents.impact.model import Bundle, Column, Sheet

STATA_NAME = 32
STATA_LABEL = 80


def stata_name(code: str) -> str:
    if len(code) <= STATA_NAME:
        return code
    return code.replace("premiere", "1re").replace("_centimes", "_cts")[:STATA_NAME]


def _codes(sheet: Sheet, column: Column, values: Sequence[Any]) -> list[str]:
    known = list(code_list(sheet, column) or {})
    return known + sorted({str(v) for v in values if v not in (None, "") and v not in known})


def frame(sheet: Sheet, rows: Sequence[Sequence[Any]], *, stata: bool) -> tuple[Any, dict, dict]:
    """(DataFrame, variable labels, value labels) for one sheet."""
    import pandas as pd

    data: dict[str, Any] = {}
    labels: dict[str, str] = {}
    values: dict[str, dict[float, str]] = {}
    for i, col in enumerate(sheet.columns):
        cells = [r[i] for r in rows]
        name = stata_name(col.code) if stata else col.code
        label = col.description if name == col.code else f"{col.code} : {col.description}"
        labels[name] = (
            label[: STATA_LABEL - 1] + "…" if stata and len(label) > STATA_LABEL else label
        )
        coded = code_list(sheet, col) is not None
        if col.kind == "text" and coded:
            codes = _codes(sheet, col, cells)
            number = {c: float(n) for n, c in enumerate(codes, 1)}
            data[name] = [
                number.get(str(v), math.nan) if v not in (None, "") else math.nan for v in cells
            ]
            values[name] = {n: c for c, n in number.items()}
        elif col.kind == "text":
            data[name] = ["" if v is None else str(v) for v in cells]
        else:
            data[name] = [math.nan if v is None else float(v) for v in cells]
    if stata and len(set(data)) != len(sheet.columns):
        raise ValueError(f"two columns of {sheet.name} share a Stata name")
    return pd.DataFrame(data), labels, values


def _write(kind: str, df: Any, labels: dict, values: dict, title: str) -> bytes:
    import pyreadstat

    handle, path = tempfile.mkstemp(suffix=f".{kind}")
    os.close(handle)
    try:
        if kind == "dta":
            pyreadstat.write_dta(
                df,
                path,
                file_label=title[:STATA_LABEL],
                column_labels=labels,
                variable_value_labels=values,
                version=15,
            )
        else:
            pyreadstat.write_sav(
                df,
                path,
                file_label=title[:64],
                column_labels=labels,
                variable_value_labels=values,
            )
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)


def files(bundle: Bundle, rows: Mapping[str, Sequence[Sequence[Any]]]) -> dict[str, bytes]:
    """``{"stata/<sheet>.dta": …, "spss/<sheet>.sav": …}`` for every sheet."""
    out: dict[str, bytes] = {}
    for sheet in bundle.sheets:
        for kind, folder in (("dta", "stata"), ("sav", "spss")):
            df, labels, values = frame(sheet, rows[sheet.name], stata=kind == "dta")
            out[f"{folder}/{sheet.name}.{kind}"] = _write(kind, df, labels, values, sheet.title)
    return out
