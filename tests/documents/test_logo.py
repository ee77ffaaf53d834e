"""The funder's logo: a checked PNG (or SVG: tests/adversary/test_logo_upload.py) per
programme, drawn in CMYK on the cover; anything else (an unsafe SVG, a JPEG, a truncated or
tiny or huge image, a stranger) is refused and changes nothing."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import select

from tests import factories as f
from tests.documents import print_world as pw
from voucher.db.models import AuditEvent, ProgrammeLogo
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.printing import logo, production


def _png(width: int = 400, height: int = 160, mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (width, height), (10, 90, 110, 255) if mode == "RGBA" else 0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 160), (10, 90, 110)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_the_logo_is_printed_on_the_cover_in_cmyk(session):
    p = pw.world(session, books=1)
    logo.set_logo(session, p.funder, p.world.programme.id, _png())
    pw.approve(session, p)
    data = b"".join(production.production(session, p.funder, p.batch_id).chunks())
    pdf = pikepdf.open(io.BytesIO(data))
    images = [
        obj
        for obj in pdf.objects
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
    ]
    assert images and all(img.ColorSpace == "/DeviceCMYK" for img in images)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "print.logo")).one()
    assert event.details["width"] == 400


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
            "logo_svg",
        ),
        (b"<svg><image href='file:///etc/passwd'/></svg>", "logo_svg"),
        (_jpeg(), "logo_invalid"),
        (_png()[:200], "logo_invalid"),  # truncated
        (_png(20, 20), "logo_invalid"),  # too small to print sharp
        (_png(5000, 120, mode="L"), "logo_invalid"),  # too large a side
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 2_000_000, "logo_invalid"),  # over 1 MB
        (b"", "logo_invalid"),
    ],
    ids=["svg", "svg-external", "jpeg", "truncated", "tiny", "huge", "heavy", "empty"],
)
def test_what_is_not_a_printable_png_is_refused_and_nothing_is_stored(session, data, code):
    p = pw.world(session, books=1)
    with pytest.raises(DomainError) as exc:
        logo.set_logo(session, p.funder, p.world.programme.id, data)
    assert exc.value.code == code
    assert session.get(ProgrammeLogo, p.world.programme.id) is None


def test_only_the_programmes_funder_staff_set_its_logo(session):
    p = pw.world(session, books=1)
    other = f.funder(session, "Fondation C")
    stranger = Actor(label="autre financeur", organisation_id=other.id, role="funder")
    with pytest.raises(DomainError) as exc:
        logo.set_logo(session, stranger, p.world.programme.id, _png())
    assert exc.value.code == "forbidden"
    assert session.get(ProgrammeLogo, p.world.programme.id) is None


def test_a_programme_writes_its_own_cover_text_and_can_go_back_to_the_default(session):
    p = pw.world(session, books=1)
    pw.approve(session, p)
    own = "Chaque chèque paie un atelier de 3 heures.\nVenez avec votre téléphone.\n"
    assert logo.set_cover_text(session, p.funder, p.world.programme.id, own) == (
        "Chaque chèque paie un atelier de 3 heures.",
        "Venez avec votre téléphone.",
    )
    front = pw.page_texts(b"".join(production.production(session, p.funder, p.batch_id).chunks()))
    assert "un atelier de 3 heures. Venez avec votre téléphone." in front[0]
    assert "environ 2 heures" not in front[0]
    for bad in ("x" * 161, "\n".join(["Une ligne."] * 7), "texte\x07caché"):
        with pytest.raises(DomainError) as exc:
            logo.set_cover_text(session, p.funder, p.world.programme.id, bad)
        assert exc.value.code == "cover_text_invalid"
    logo.set_cover_text(session, p.funder, p.world.programme.id, "  \n")
    front = pw.page_texts(b"".join(production.production(session, p.funder, p.batch_id).chunks()))
    assert "Une séance dure environ 2 heures." in front[0]
