"""The careless data file against the letter's distances: a centres file with a latitude
of 123, words for numbers, a postcode for a commune code and a code the COG does not list;
a places file with a latitude but no longitude. Bad rows are skipped and counted, a bad
place refuses the whole file, and nothing unproven is ever shown as a distance."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from voucher.db.models import CommuneCentre
from voucher.domain import geo, lieux
from voucher.domain.errors import DomainError
from voucher.services.organisations import commune_centres

CENTRES = (
    "codgeo;latitude;longitude\n"
    "86066;46,8178;0,5461\n"  # French decimal commas: read
    "86194;123;0.34\n"  # no such latitude
    "86041;quarante-six;0.36\n"
    "86000;46.58;0.34\n"  # a postcode, not a commune code (not in the COG)
    "99999;46.5;0.3\n"  # not in the COG
    ";46.5;0.3\n"
)
PLACE = (
    "id,nom,adresse,code_postal,commune,pivot,code_insee,latitude,longitude\n"
    "1,EPN,1 rue A,86100,Châtellerault,73282932000074,86066,46.81,\n"
)


def test_bad_centres_are_skipped_and_never_stored(session):
    rows, skipped = geo.read_centres(CENTRES.encode())
    assert skipped == [3, 4, 7]
    done = commune_centres.load(session, f.ACTOR, rows, "communes.csv")
    assert (done.stored, done.outside_cog) == (1, 2)
    stored = session.execute(select(CommuneCentre.code, CommuneCentre.latitude)).all()
    assert stored == [("86066", 46.8178)]
    with pytest.raises(DomainError) as refused:
        geo.read_centres(b"code;x;y\n86066;1;2\n")
    assert refused.value.code == "centres_unreadable"


def test_a_place_with_half_a_position_refuses_the_file():
    with pytest.raises(DomainError) as refused:
        lieux.parse(PLACE.encode(), "lieux.csv")
    assert refused.value.code == "import_invalid"
    assert "ligne 2 : latitude/longitude invalides" in refused.value.message
    fixed = lieux.parse(PLACE.replace("46.81,", "46.81,0.54").encode(), "lieux.csv")
    assert (fixed.lieux[0].latitude, fixed.lieux[0].longitude) == (46.81, 0.54)
