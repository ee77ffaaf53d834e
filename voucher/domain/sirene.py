"""Reading the SIRENE establishments stock file (INSEE's ``StockEtablissement``, CSV,
comma-separated, UTF-8) into the legal identity a place starts from.

Rules kept: the official column names are read (``siret``, ``numeroVoieEtablissement``,
``indiceRepetitionEtablissement``, ``typeVoieEtablissement``, ``libelleVoieEtablissement``,
``codePostalEtablissement``, ``libelleCommuneEtablissement``, ``codeCommuneEtablissement``,
``etatAdministratifEtablissement``, and for the name ``denominationUniteLegale`` when the
extract carries it, else ``denominationUsuelleEtablissement``, else
``enseigne1Etablissement``); other columns are ignored; a line whose SIRET fails its
check digit is skipped and counted; the file is read line by line (the national file has
tens of millions of lines).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from voucher.domain import identity
from voucher.domain.errors import DomainError, register

REQUIRED = (
    "siret",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "codeCommuneEtablissement",
    "etatAdministratifEtablissement",
)
NAME_COLUMNS = (
    "denominationUniteLegale",
    "denominationUsuelleEtablissement",
    "enseigne1Etablissement",
)
#: INSEE street type codes -> the word written on letters
STREET_TYPES = {
    "ALL": "allée",
    "AV": "avenue",
    "BD": "boulevard",
    "CHE": "chemin",
    "CRS": "cours",
    "IMP": "impasse",
    "PL": "place",
    "QUA": "quartier",
    "QU": "quai",
    "RTE": "route",
    "RUE": "rue",
    "SQ": "square",
    "VOIE": "voie",
}
REPETITION = {"B": "bis", "T": "ter", "Q": "quater"}

register(
    "sirene_columns",
    "Ce fichier n'est pas un extrait SIRENE des établissements : colonnes siret, "
    "codePostalEtablissement, libelleCommuneEtablissement, codeCommuneEtablissement et "
    "etatAdministratifEtablissement attendues.",
)


@dataclass(frozen=True)
class Establishment:
    siret: str
    legal_name: str
    street_number: str | None
    street: str | None
    postcode: str | None
    town: str | None
    commune_insee: str | None
    active: bool


@dataclass
class Skipped:
    count: int = 0


def _street(row: dict[str, str]) -> str | None:
    kind = (row.get("typeVoieEtablissement") or "").strip().upper()
    label = (row.get("libelleVoieEtablissement") or "").strip()
    if not label:
        return None
    word = STREET_TYPES.get(kind, kind.lower())
    return f"{word} {label}".strip() if word else label


def _number(row: dict[str, str]) -> str | None:
    number = (row.get("numeroVoieEtablissement") or "").strip()
    rep = REPETITION.get((row.get("indiceRepetitionEtablissement") or "").strip().upper(), "")
    return f"{number} {rep}".strip() or None


def read(lines: Iterable[str], skipped: Skipped | None = None) -> Iterator[Establishment]:
    reader = csv.DictReader(iter(lines))
    if not reader.fieldnames or not set(REQUIRED) <= set(reader.fieldnames):
        raise DomainError("sirene_columns")
    for row in reader:
        try:
            siret = identity.siret(row.get("siret") or "")
        except DomainError:
            if skipped is not None:
                skipped.count += 1
            continue
        name = next((row[c].strip() for c in NAME_COLUMNS if (row.get(c) or "").strip()), "")
        commune = (row.get("codeCommuneEtablissement") or "").strip() or None
        yield Establishment(
            siret=siret,
            legal_name=name[:200] or siret,
            street_number=_number(row),
            street=_street(row),
            postcode=(row.get("codePostalEtablissement") or "").strip() or None,
            town=(row.get("libelleCommuneEtablissement") or "").strip().title() or None,
            commune_insee=commune,
            active=(row.get("etatAdministratifEtablissement") or "").strip() == "A",
        )
