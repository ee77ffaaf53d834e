"""The cover's "Où aller ?": the nearest places accepting the programme, with their
address and opening hours, for the prescriber the books go to; as many as fit at 14
points, each wrapped inside the cover's text box, never cut."""

from __future__ import annotations

from datetime import UTC, datetime

import pypdfium2 as pdfium

from tests import factories as f
from tests.documents import print_world as pw
from voucher.db.models import PlaceSite
from voucher.documents.carnet_cover import LEFT, MIN_BODY
from voucher.documents.carnet_layout import SLUG, TRIM_W
from voucher.services.printing import production


def _site(session, org, name, *, commune, postcode, town, hours=None, hours_text=None):
    session.add(
        PlaceSite(
            organisation_id=org.id,
            name=name,
            street_number="3",
            street="place du Marché",
            postcode=postcode,
            town=town,
            commune_insee=commune,
            hours=hours,
            hours_text=hours_text,
            accessibility=[],
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    session.flush()


def _cover_back(session, p) -> tuple[str, bytes]:
    pw.approve(session, p)
    data = b"".join(production.production(session, p.funder, p.batch_id).chunks())
    return pw.page_texts(data)[1], data


def chars_outside(data: bytes, page: int, left: float, right: float) -> list[str]:
    """The characters of a page whose box leaves [left, right] (trim coordinates, pt)."""
    text = pdfium.PdfDocument(data)[page].get_textpage()
    out = []
    for i in range(text.count_chars()):
        x0, _, x1, _ = text.get_charbox(i)
        ch = text.get_text_range(i, 1)
        if ch.strip() and (x0 - SLUG < left - 0.5 or x1 - SLUG > right + 0.5):
            out.append(ch)
    return out


def test_the_cover_lists_the_nearest_places_with_address_and_hours(session):
    p = pw.world(session, books=1)  # prescriber and "EPN Test" in Poitiers (86194)
    far = f.structure(session, "Espace numérique de Paris", commune="75056")
    dept = f.structure(session, "Café numérique de Lussac", commune="86140")
    _site(
        session,
        dept,
        "Café numérique de Lussac",
        commune="86140",
        postcode="86320",
        town="Lussac-les-Châteaux",
        hours="Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00",
        hours_text="Sur rendez-vous le mercredi",
    )
    f.structure(session, "Médiathèque sans label", label=None)
    cover, _ = _cover_back(session, p)
    assert "Où aller ?" in cover and "sans label" not in cover
    poitiers = cover.index("EPN Test")
    lussac = cover.index("Café numérique de Lussac")
    paris = cover.index(far.name)
    assert poitiers < lussac < paris  # the prescriber's commune, its department, the rest
    assert "12 rue de la République, 86000 Poitiers" in cover
    assert "3 place du Marché, 86320 Lussac-les-Châteaux" in cover
    assert (
        "Horaires : lundi au vendredi : 9 h 00 – 12 h 00, 14 h 00 – 17 h 30 ; "
        "samedi : 9 h 00 – 12 h 00 ; Sur rendez-vous le mercredi." in cover
    )
    assert "D'autres lieux existent" in cover


def test_a_book_for_another_prescriber_lists_the_places_near_it(session):
    p = pw.world(session, books=1)
    f.structure(session, "Espace numérique de Paris", commune="75056")
    paris_desk = f.prescriber(session, "Mission locale de Paris")
    paris_desk.commune_insee = "75056"
    session.flush()
    info = production.carnet_info(
        session, p.world.batch, p.world.programme, holder_id=paris_desk.id
    )
    assert [pl.name for pl in info.places][:1] == ["Espace numérique de Paris"]


def test_many_long_places_wrap_inside_the_box_and_only_whole_places_are_shown(session):
    p = pw.world(session, books=1)
    long_name = (
        "Association intercommunale pour l'inclusion numérique et l'accompagnement aux "
        "démarches administratives en ligne des habitants du Haut-Poitou"
    )
    for k in range(8):
        org = f.structure(session, f"{long_name} n° {k}")
        _site(
            session,
            org,
            f"{long_name} n° {k}",
            commune="86194",
            postcode="86000",
            town="Poitiers",
            hours="Mo 09:00-12:00; Tu 14:00-18:00; We 09:00-12:00,14:00-18:00; Th-Fr 09:00-12:00",
        )
    cover, data = _cover_back(session, p)
    shown = [k for k in range(8) if f"{long_name} n° {k}" in cover]
    assert 1 <= len(shown) <= 6 and shown == list(range(len(shown)))  # whole, in order
    assert "Un problème ?" in cover and "prévenez vite" in cover  # nothing pushed off
    assert chars_outside(data, 1, LEFT, TRIM_W - LEFT) == []
    assert min(pw.font_sizes(data, 1)) >= MIN_BODY == 14.0
