"""The directory in the national *lieux de médiation numérique* format (CSV, UTF-8,
comma-separated, multi-valued fields joined by ``|``), for the national cartography.
Its TableSchema ships in ``schemas/lieux-de-mediation-numerique.schema.json``."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from voucher.db.queries.directory import Place
from voucher.domain import places

COLUMNS = (
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "telephone",
    "courriels",
    "horaires",
    "presentation_resume",
    "source",
    "structure_parente",
    "date_maj",
    "services",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "modalites_acces",
    "autres_formations_labels",
)
SOURCE = "Registre ouvert des pass numériques"


def _degrees(value: float | None) -> str:
    """WGS 84 degrees to 6 decimals (about 10 cm), empty when the position is not known."""
    return "" if value is None else f"{value:.6f}"


def row(p: Place) -> dict[str, str]:
    support = [places.NATIONAL_SUPPORT[a] for a in p.accessibility if a in places.NATIONAL_SUPPORT]
    access = ["Se présenter"] + (["Téléphoner"] if p.phone else [])
    return {
        "id": p.id,
        "pivot": p.siret or "",
        "nom": p.name,
        "commune": p.town or "",
        "code_postal": p.postcode or "",
        "code_insee": p.commune_insee or "",
        "adresse": p.address,
        "complement_adresse": "",
        "latitude": _degrees(p.latitude),
        "longitude": _degrees(p.longitude),
        "telephone": p.phone or "",
        "courriels": "",  # the account's address is a person's, not published
        "horaires": p.hours or "",
        "presentation_resume": (p.summary or "")[:280],
        "source": SOURCE,
        "structure_parente": p.organisation if p.organisation != p.name else "",
        "date_maj": p.updated.isoformat(),
        "services": "|".join(p.services),
        "prise_en_charge_specifique": "|".join(support),
        "frais_a_charge": "Gratuit sous condition",
        "modalites_acces": "|".join(access),
        "autres_formations_labels": "|".join(
            f"Pass numérique : {name}" for _, name in p.programmes
        ),
    }


def exportable(p: Place) -> bool:
    """The standard requires a SIRET (or RNA), an address and at least one service."""
    return bool(p.siret and p.street and p.postcode and p.town and p.services)


def csv_bytes(found: Sequence[Place]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for p in found:
        if exportable(p):
            writer.writerow(row(p))
    return out.getvalue().encode("utf-8")
