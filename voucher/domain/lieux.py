"""Reading the national open-data file of *lieux de médiation numérique* (schema
``LaMednum/standard-mediation-num`` v1.x, CSV or JSON) into rows we can create
organisations from.

Rules kept:

* the file is read whole and checked whole: one bad line and nothing is imported; the
  French message names the first bad lines and what is wrong with each;
* UTF-8 only (with or without BOM); CSV separated by ``,`` (open data) or ``;`` (French
  Excel); JSON as a list of objects or an object holding one such list under ``data``,
  ``lieux`` or ``items``;
* required fields: ``id``, ``nom``, ``adresse``, ``code_postal``, ``commune``, ``pivot``,
  ``code_insee`` (we need the commune code for pilot zones);
* ``pivot`` is a SIRET (checked with python-stdnum) or an RNA number; a place without a
  SIRET cannot be reimbursed by bank transfer, so it is skipped and reported, not refused;
* multi-valued fields (``services``) are ``|``-separated, as the schema says;
* ``latitude`` and ``longitude`` (WGS 84, optional) are kept for the distances of the
  letter given with a carnet; both or neither, in range (:mod:`voucher.domain.geo`);
* the same SIRET twice in one file: the later line is skipped and reported.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from voucher.domain import geo, identity
from voucher.domain.errors import DomainError, register

MAX_ROWS = 20_000
MAX_ERRORS_SHOWN = 5
REQUIRED = ("id", "nom", "adresse", "code_postal", "commune", "pivot", "code_insee")
RNA_RE = re.compile(r"^W\d{9}$")
NUMBER_RE = re.compile(r"^\s*(\d+\s*(?:bis|ter|quater|[a-d])?)\b[\s,]*(.+)$", re.IGNORECASE)
POSTCODE_RE = re.compile(r"^\d{5}$")

register(
    "import_unreadable",
    "Fichier illisible : ce n'est ni un CSV ni un JSON du standard des lieux de médiation numérique.",
)
register(
    "import_encoding",
    "Le fichier n'est pas encodé en UTF-8 : enregistrez-le en UTF-8 (CSV UTF-8) puis réessayez.",
)
register("import_empty", "Le fichier ne contient aucun lieu.")
register("import_too_large", f"Le fichier contient trop de lieux (au plus {MAX_ROWS} par import).")
register(
    "import_missing_columns",
    "Colonnes obligatoires absentes du fichier : id, nom, adresse, code_postal, commune, pivot, code_insee.",
)
register("import_invalid", "Le fichier contient des lignes invalides : rien n'a été importé.")


@dataclass(frozen=True)
class Lieu:
    line: int
    external_id: str
    name: str
    siret: str
    street_number: str
    street: str
    postcode: str
    town: str
    commune_insee: str
    services: str
    #: WGS 84 (the standard's ``latitude`` and ``longitude``, optional)
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class ParsedFile:
    lieux: list[Lieu] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (line, name, reason)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("import_encoding") from None


def _json_records(text: str) -> list[Any]:
    try:
        doc = json.loads(text)
    except ValueError:
        raise DomainError("import_unreadable") from None
    if isinstance(doc, dict):
        doc = next(
            (doc[k] for k in ("data", "lieux", "items") if isinstance(doc.get(k), list)), None
        )
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise DomainError("import_unreadable")
    return doc


def _csv_records(text: str) -> list[dict[str, Any]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        if not reader.fieldnames or len(reader.fieldnames) < 2:
            raise DomainError("import_unreadable")
        return [dict(r) for r in reader]
    except csv.Error:
        raise DomainError("import_unreadable") from None


def records(data: bytes, filename: str = "") -> tuple[list[dict[str, Any]], bool]:
    """The file's records as dicts, and whether it was JSON."""
    text = _decode(data)
    if not text.strip():
        raise DomainError("import_empty")
    looks_json = filename.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{")
    rows = _json_records(text) if looks_json else _csv_records(text)
    if not rows:
        raise DomainError("import_empty")
    if len(rows) > MAX_ROWS:
        raise DomainError("import_too_large")
    present = {str(k).strip() for k in rows[0]}
    if not set(REQUIRED) <= present:
        raise DomainError("import_missing_columns", missing=sorted(set(REQUIRED) - present))
    return rows, looks_json


def _text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value).strip()


def split_address(adresse: str) -> tuple[str, str]:
    """``"12 bis rue de la Gare"`` -> ``("12 bis", "rue de la Gare")``."""
    found = NUMBER_RE.match(adresse)
    if found:
        return found.group(1).strip(), found.group(2).strip()
    return "", adresse.strip()


def _lieu(line: int, row: dict[str, Any]) -> Lieu | str:
    """A valid place, or the reason (in French) this line is wrong."""
    missing = [k for k in REQUIRED if not _text(row, k)]
    if missing:
        return "champ vide : " + ", ".join(missing)
    pivot = re.sub(r"\s", "", _text(row, "pivot"))
    try:
        siret = identity.siret(pivot) if pivot.isdigit() and set(pivot) != {"0"} else ""
    except DomainError:
        return f"SIRET invalide ({pivot})"
    if not siret and not RNA_RE.match(pivot.upper()) and set(pivot) != {"0"}:
        return f"pivot ni SIRET ni RNA ({pivot})"
    postcode = _text(row, "code_postal")
    if not POSTCODE_RE.match(postcode):
        return f"code postal invalide ({postcode})"
    try:
        insee = identity.insee_commune(_text(row, "code_insee"))
    except DomainError:
        return f"code INSEE invalide ({_text(row, 'code_insee')})"
    try:
        located = geo.position(row.get("latitude"), row.get("longitude"))
    except DomainError:
        return f"latitude/longitude invalides ({_text(row, 'latitude')}, {_text(row, 'longitude')})"
    number, street = split_address(_text(row, "adresse"))
    return Lieu(
        line=line,
        external_id=_text(row, "id")[:100],
        name=_text(row, "nom")[:200],
        siret=siret,
        street_number=number[:20],
        street=street[:200],
        postcode=postcode,
        town=_text(row, "commune")[:100],
        commune_insee=insee,
        services=_text(row, "services")[:1000],
        latitude=located[0] if located else None,
        longitude=located[1] if located else None,
    )


def parse(data: bytes, filename: str = "") -> ParsedFile:
    """Check the whole file; raise ``import_invalid`` naming the first bad lines."""
    out, errors, seen = ParsedFile(), [], set()
    rows, is_json = records(data, filename)
    where = "entrée" if is_json else "ligne"
    for index, row in enumerate(rows):
        line = index + 1 if is_json else index + 2  # a CSV's first line is its header
        found = _lieu(line, {str(k).strip(): v for k, v in row.items() if k is not None})
        if isinstance(found, str):
            errors.append(f"{where} {line} : {found}")
        elif not found.siret:
            out.skipped.append(
                (line, found.name, "sans SIRET : ne peut pas être remboursé par virement")
            )
        elif found.siret in seen:
            out.skipped.append((line, found.name, "SIRET en double dans le fichier"))
        else:
            seen.add(found.siret)
            out.lieux.append(found)
    if errors:
        shown = " ; ".join(errors[:MAX_ERRORS_SHOWN])
        more = (
            f" (et {len(errors) - MAX_ERRORS_SHOWN} autres)"
            if len(errors) > MAX_ERRORS_SHOWN
            else ""
        )
        raise DomainError(
            "import_invalid",
            f"Le fichier contient des lignes invalides, rien n'a été importé : {shown}{more}.",
            lines=len(errors),
        )
    return out
