"""Positions and distances for the letter given with a carnet: how far each accepting place
is from the centre of the person's commune.

Rules kept:

* a position is WGS 84 latitude and longitude in degrees, France's territories included
  (latitude -90..90, longitude -180..180); anything else, or a value that is not a number,
  is refused with a stable code, never guessed;
* the distance is the great-circle distance ("à vol d'oiseau", haversine, Earth radius
  6,371 km), never a travel distance: the letter says so;
* it is shown in kilometres, one decimal below 10 km and whole kilometres above, with a
  French decimal comma ("0,8 km", "12 km").
"""

from __future__ import annotations

import math

from voucher.domain.errors import DomainError, register

EARTH_KM = 6371.0

register(
    "invalid_position",
    "Position invalide : la latitude va de -90 à 90 et la longitude de -180 à 180 "
    "(degrés décimaux, par exemple 46.58 et 0.34).",
)


def number(raw: object) -> float | None:
    """A coordinate as written in a file (``"46,58"`` or ``46.58``); None when empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(str(raw).strip().replace(",", "."))
    except ValueError:
        raise DomainError("invalid_position") from None
    if not math.isfinite(value):
        raise DomainError("invalid_position")
    return value


def position(latitude: object, longitude: object) -> tuple[float, float] | None:
    """Both coordinates or neither; checked ranges."""
    lat, lon = number(latitude), number(longitude)
    if lat is None and lon is None:
        return None
    if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise DomainError("invalid_position")
    return lat, lon


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two WGS 84 positions, in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def km_fr(km: float) -> str:
    """``0.84`` -> ``"0,8 km"``; ``12.4`` -> ``"12 km"``."""
    if km < 10:
        return f"{km:.1f}".replace(".", ",") + " km"
    return f"{round(km)} km"


register(
    "centres_unreadable",
    "Fichier des centres de communes illisible : il faut un CSV UTF-8 avec une colonne de "
    "code commune (code_insee) et les colonnes latitude et longitude.",
)
CODE_COLUMNS = ("code_insee", "code_commune_insee", "codgeo", "code")
LATITUDE_COLUMNS = ("latitude_centre", "latitude", "lat")
LONGITUDE_COLUMNS = ("longitude_centre", "longitude", "lon", "lng")


def _column(names: list[str], wanted: tuple[str, ...]) -> str | None:
    lower = {n.strip().lower(): n for n in names}
    return next((lower[w] for w in wanted if w in lower), None)


def read_centres(data: bytes) -> tuple[list[tuple[str, float, float]], list[int]]:
    """Commune centres from a CSV (``,`` or ``;``; e.g. the national *communes de France*
    file, whose ``latitude_centre``/``longitude_centre`` it prefers): the rows read, and
    the line numbers skipped (no code, or no valid position)."""
    import csv
    import io
    import re

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("centres_unreadable") from None
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if ";" in first else ",")
    names = list(reader.fieldnames or [])
    code_col = _column(names, CODE_COLUMNS)
    lat_col, lon_col = _column(names, LATITUDE_COLUMNS), _column(names, LONGITUDE_COLUMNS)
    if not (code_col and lat_col and lon_col):
        raise DomainError("centres_unreadable")
    rows, skipped = [], []
    try:
        for line, row in enumerate(reader, start=2):
            code = (row.get(code_col) or "").strip().upper()
            try:
                found = position(row.get(lat_col), row.get(lon_col))
            except DomainError:
                found = None
            if not re.fullmatch(r"\d[\dAB]\d{3}", code) or found is None:
                skipped.append(line)
                continue
            rows.append((code, found[0], found[1]))
    except csv.Error:
        raise DomainError("centres_unreadable") from None
    return rows, skipped
