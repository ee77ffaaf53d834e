"""The communes of INSEE's Code officiel géographique (COG), shipped with the package
(``voucher/domain/data/communes.tsv.gz``, rebuilt by ``scripts/build_communes.py``).

Rules kept:

- A commune code is accepted only when the COG lists it (a current commune, or a municipal
  arrondissement of Paris, Lyon or Marseille, which counts as its commune). A well-formed
  code that the COG does not know, typically a postcode typed where the INSEE code belongs,
  is refused (``unknown_commune``), with the communes that postcode serves when it is one.
- Search by name or postcode ignores case, accents, hyphens and apostrophes, and ranks
  exact names first, then names starting with the text, then names containing it.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from voucher.domain.errors import DomainError, register
from voucher.domain.identity import insee_commune

register(
    "unknown_commune",
    "Ce code ne correspond à aucune commune du Code officiel géographique de l'INSEE "
    "(un code postal n'est pas un code commune) : cherchez la commune par son nom ou "
    "son code postal.",
)

POSTCODE_RE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    departement: str
    postcodes: tuple[str, ...]
    parent: str | None = None  # the commune of a municipal arrondissement

    @property
    def label(self) -> str:
        return f"{self.name} ({self.departement}) — {self.code}"


@dataclass(frozen=True)
class _Table:
    year: int
    by_code: dict[str, Commune]
    by_postcode: dict[str, tuple[Commune, ...]]
    keys: tuple[tuple[str, Commune], ...]  # (folded name, commune), in code order


def fold(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces, single spaces."""
    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    plain = re.sub(r"[-'’`_.,/]", " ", plain)
    plain = re.sub(r"\bst\b", "saint", plain)
    plain = re.sub(r"\bste\b", "sainte", plain)
    return " ".join(plain.split())


@cache
def _table() -> _Table:
    raw = resources.files("voucher.domain").joinpath("data/communes.tsv.gz").read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    year = int(re.search(r"COG (\d{4})", lines[0]).group(1))  # type: ignore[union-attr]
    by_code: dict[str, Commune] = {}
    by_postcode: dict[str, list[Commune]] = {}
    for line in lines[1:]:
        code, name, dept, postcodes, parent = line.split("\t")
        commune = Commune(code, name, dept, tuple(postcodes.split()), parent or None)
        by_code[code] = commune
        for pc in commune.postcodes:
            by_postcode.setdefault(pc, []).append(commune)
    return _Table(
        year,
        by_code,
        {pc: tuple(cs) for pc, cs in by_postcode.items()},
        tuple((fold(c.name), c) for c in by_code.values()),
    )


def cog_year() -> int:
    return _table().year


def get(code: str | None) -> Commune | None:
    """The commune with this INSEE code, or None."""
    return _table().by_code.get((code or "").strip().upper())


def for_postcode(postcode: str) -> tuple[Commune, ...]:
    return _table().by_postcode.get((postcode or "").strip(), ())


def check(code: str) -> str:
    """The commune code to store (arrondissements become their commune); refuses codes the
    COG does not list, naming the communes of a postcode typed by mistake."""
    clean = (code or "").strip().upper()
    if get(clean) is None:
        insee_commune(clean)  # malformed codes keep their own refusal
        served = for_postcode(clean)
        if served:
            names = ", ".join(f"{c.name} ({c.code})" for c in served[:5])
            raise DomainError(
                "unknown_commune",
                f"{clean} est un code postal, pas un code commune INSEE : choisissez la "
                f"commune dans la liste (par exemple {names}).",
                value=clean,
            )
        raise DomainError("unknown_commune", value=clean)
    return insee_commune(clean)


def search(text: str, limit: int = 20) -> list[Commune]:
    """Communes matching a name (any case or accent) or a postcode / INSEE code."""
    query = (text or "").strip()
    if not query:
        return []
    if POSTCODE_RE.match(query) or re.match(r"^2[ABab]\d{3}$", query):
        found = list(for_postcode(query))
        exact = get(query)
        if exact and exact not in found:
            found.insert(0, exact)
        return found[:limit]
    wanted = fold(query)
    if len(wanted) < 2:
        return []
    ranked: list[tuple[int, int, Commune]] = []
    for i, (key, commune) in enumerate(_table().keys):
        if key == wanted:
            ranked.append((0, i, commune))
        elif key.startswith(wanted):
            ranked.append((1, i, commune))
        elif wanted in key:
            ranked.append((2, i, commune))
    ranked.sort(key=lambda t: (t[0], len(t[2].name), t[1]))
    return [c for _, _, c in ranked[:limit]]
