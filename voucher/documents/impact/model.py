"""The shape every impact export shares: a bundle of sheets with documented columns."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: column kinds: text, int (counts, cents), float (shares, ratios, days)
KINDS = ("text", "int", "float")


@dataclass(frozen=True)
class Column:
    code: str
    description: str
    kind: str = "int"


@dataclass
class Sheet:
    name: str
    title: str
    columns: list[Column]
    #: may be a generator: each writer reads it once, row by row
    rows: Iterable[Sequence[Any]]


@dataclass
class Bundle:
    title: str
    generated_at: datetime
    note: str
    #: paragraphs of the README (scope, method, rule), in French
    about: list[str]
    sheets: list[Sheet]
    metadata: dict[str, str] = field(default_factory=dict)

    def readme_text(self) -> str:
        lines = [
            self.title,
            "=" * len(self.title),
            "",
            f"Produit le {self.generated_at:%d/%m/%Y à %H:%M} (UTC).",
            "",
            *self.about,
            "",
            self.note,
            "",
            "Colonnes",
            "--------",
        ]
        seen: set[tuple[str, str]] = set()
        for sheet in self.sheets:
            lines += ["", f"{sheet.name} : {sheet.title}"]
            for col in sheet.columns:
                if (sheet.name, col.code) not in seen:
                    lines.append(f"  - {col.code} : {col.description}")
                    seen.add((sheet.name, col.code))
        return "\n".join(lines) + "\n"
