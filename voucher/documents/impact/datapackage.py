"""A machine-readable codebook for every impact export: a Frictionless Data Package.

Rules kept:

- ``datapackage.json`` describes each CSV of the bundle as a tabular data resource: every
  column with its type (string, integer, number), its description, its unit, and, for a
  code column, its code list (``categories`` with the French label of each code, and a
  ``constraints.enum`` a validator enforces). Codes are the national mediators'
  vocabulary where one exists (see ``docs/impact.md``).
- The CSV dialect is stated (comma and decimal point for open data; semicolon, decimal
  comma and BOM for French Excel). A masked value is an empty cell (``missingValues``).
- The package states the statistical secrecy rule and carries the release number as its
  ``version``: an evaluator can tell two releases apart and knows what a blank means.
"""

from __future__ import annotations

import json
import re
from typing import Any

from voucher.documents.impact.model import Bundle, Column, Sheet
from voucher.domain import anonymity, vocab
from voucher.domain import impact as dom

TYPES = {"text": "string", "int": "integer", "float": "number"}
EXTRA = {
    "ensemble": "Ensemble (total)",
    "non_remis": "Carnet non remis (en stock)",
    "non_renseigne": "Non renseigné",
}
ZONES = {"rural": "Rural", "urbain": "Urbain", **EXTRA}
#: code lists of columns that are not a table's row key (research extracts, new tables)
GROUPED = {anonymity.GROUPED: "Regroupé (secret statistique)"}
COLUMN_CODES: dict[str, dict[str, str]] = {
    "type_zone": ZONES,
    "masque": {"oui": "Valeur masquée (secret statistique)"},
    "population": {**vocab.POPULATIONS, **EXTRA, **GROUPED},
    "tranche_age": {**vocab.AGE_BANDS, **EXTRA, **anonymity.BROAD_AGE_LABELS},
    "statut_social": {**vocab.STATUSES, **EXTRA, **GROUPED},
    "delai_depuis_remise": anonymity.DELAY_LABELS,
    "thematique": {**vocab.THEMES, **EXTRA},
    "autonomie": {**vocab.AUTONOMY, **EXTRA},
    "significatif": {"oui": "Oui", "non": "Non"},
    "analyse": {
        "by_sessions": "Autonomie en progrès, à séances égales",
        "by_sessions_and_public": "Autonomie en progrès, à séances, public et âge égaux",
        "completion_by_public": "Carnets terminés, à public et âge égaux",
        "follow_up_by_public": "« Oui, seule » après les séances, à séances, public et âge égaux",
        "before_after": "Avant/après avec le groupe de comparaison",
    },
    "methode": {
        "regression_logistique": "Régression logistique, effet marginal moyen",
        "difference_de_differences": "Différence de différences",
    },
}
#: units by the shape of a column's name, first match wins
UNITS: tuple[tuple[str, str], ...] = (
    (r"centimes", "centime d'euro"),
    (r"_jours$|^jours", "jour (calendrier de Paris)"),
    (r"^(taux|part)_|estimation|ecart|ic95", "part entre 0 et 1"),
    (r"_par_", "ratio"),
    (r"beneficiaires|personnes", "personne"),
    (r"carnets|effectif", "carnet"),
    (r"cheques", "chèque"),
    (r"lieux", "lieu"),
    (r"evaluables|progression", "carnet"),
)


def code_list(sheet: Sheet, column: Column) -> dict[str, str] | None:
    dimension = dom.DIMENSION_BY_TABLE.get(sheet.name)
    if dimension and column.code == dimension.key_column and dimension.vocabulary:
        return {**dimension.vocabulary, **EXTRA}
    return COLUMN_CODES.get(column.code)


def unit(column: Column) -> str | None:
    if column.kind == "text":
        return None
    for pattern, name in UNITS:
        if re.search(pattern, column.code):
            return name
    return None


def _field(sheet: Sheet, column: Column, french: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": column.code,
        "type": TYPES[column.kind],
        "description": column.description,
    }
    if (u := unit(column)) is not None:
        out["unit"] = u
    if column.kind == "float" and french:
        out["decimalChar"] = ","
    codes = code_list(sheet, column)
    if codes:
        out["categories"] = [{"value": k, "label": v} for k, v in codes.items()]
        out["constraints"] = {"enum": list(codes)}
    return out


def descriptor(bundle: Bundle, *, french: bool = False, release: str = "1") -> dict[str, Any]:
    """The ``datapackage.json`` of the CSV files of ``bundle`` (one per sheet)."""
    threshold = bundle.metadata.get("seuil_secret", "11")
    resources = []
    for sheet in bundle.sheets:
        resource: dict[str, Any] = {
            "name": sheet.name.replace("_", "-"),
            "title": sheet.title,
            "path": f"{sheet.name}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8-sig" if french else "utf-8",
            "dialect": {"delimiter": ";" if french else ",", "lineTerminator": "\r\n"},
            "schema": {
                "fields": [_field(sheet, c, french) for c in sheet.columns],
                "missingValues": [""],
            },
        }
        resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": re.sub(r"[^a-z0-9]+", "-", bundle.title.lower()).strip("-") or "export",
        "title": bundle.title,
        "version": str(release),
        "created": bundle.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": "\n\n".join([*bundle.about, bundle.note]),
        "licenses": [
            {
                "name": "etalab-2.0",
                "title": "Licence Ouverte 2.0",
                "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            }
        ],
        "secret_statistique": {
            "seuil_personnes": int(threshold),
            "regle": (
                f"Toute case décrivant de 1 à {int(threshold) - 1} personnes est masquée (vide), "
                "ainsi que les cases qui permettraient de la recalculer ; un zéro reste visible."
            ),
            "colonne_indicatrice": "masque",
        },
        "numero_publication": str(release),
        "resources": resources,
    }


def descriptor_bytes(bundle: Bundle, *, french: bool = False) -> bytes:
    release = bundle.metadata.get("numero_publication", "1")
    text = json.dumps(
        descriptor(bundle, french=french, release=release), ensure_ascii=False, indent=2
    )
    return text.encode("utf-8")
