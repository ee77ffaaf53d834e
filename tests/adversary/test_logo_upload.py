"""The logo form, as an attacker and a careless funder would use it: hostile SVGs
(scripts, event handlers, external files, XXE, entity bombs, CSS imports, animation,
oversized drawings) and disguised files (an SVG or an HTML page named .png, a JPEG named
.png, a PNG named .svg) are refused with a French message on the form, in the GOV.UK error
pattern, and nothing is stored; a clean SVG and a PNG are stored, audited and printed."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.web import workspace_world
from tests.web.workspace_world import login, token
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent, ProgrammeCover, ProgrammeLogo

CLEAN_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80" viewBox="0 0 200 80">'
    b'<style>.b{fill:#1e3a8a}</style><rect class="b" width="200" height="80"/>'
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
    b'<circle cx="40" cy="40" r="30" fill="#e30613" stroke="black"/>'
    b'<use href="#x"/><path id="x" d="M100 10 L190 70" stroke="url(#g)"/></svg>'
)
_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80">%s</svg>'
HOSTILE = {
    "script": _SVG % b"<script>alert(document.cookie)</script>",
    "event handler": b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9" '
    b'onload="alert(1)"/>',
    "external image": _SVG % b'<image href="https://evil.example/x.png" width="9" height="9"/>',
    "local file image": _SVG % b'<image href="file:///etc/passwd" width="9" height="9"/>',
    "external use": _SVG % b'<use href="https://evil.example/sprite.svg#a"/>',
    "xlink use": b'<svg xmlns="http://www.w3.org/2000/svg" '
    b'xmlns:xlink="http://www.w3.org/1999/xlink" width="9" height="9">'
    b'<use xlink:href="/etc/passwd#a"/></svg>',
    "foreign object": _SVG % b"<foreignObject><p>hi</p></foreignObject>",
    "css import": _SVG % b'<style>@import url("https://evil.example/a.css");</style>',
    "css url": _SVG % b'<rect width="9" height="9" style="fill:url(https://evil.example/p)"/>',
    "animation": _SVG % b'<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a>',
    "xxe": b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><desc>&x;</desc></svg>',
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><desc>&c;</desc></svg>',
    "text not converted": _SVG % b'<text x="1" y="9">Fondation</text>',
    "too many elements": _SVG % (b'<rect width="1" height="1"/>' * 6000),
    "too deep": _SVG % (b"<g>" * 60 + b"</g>" * 60),
    "not svg root": b'<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>',
    "malformed": b'<svg xmlns="http://www.w3.org/2000/svg" width="9"><rect></svg>',
}


#: over 1 MB: checked at the service (the test client would spool such a body to a file
#: it never closes, which the test run reports as a leak)
HEAVY = _SVG % (b"<!--" + b"x" * 1_100_000 + b"-->")


def _png(width: int = 400, height: int = 160) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 90, 110)).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 160), (10, 90, 110)).save(buffer, format="JPEG")
    return buffer.getvalue()


DISGUISED = {
    "svg named .png": (CLEAN_SVG, "logo.png"),
    "hostile svg named .png": (HOSTILE["script"], "logo.png"),
    "html page named .svg": (b"<!doctype html><html><script>alert(1)</script></html>", "l.svg"),
    "jpeg named .png": (_jpeg(), "logo.png"),
    "png named .svg": (_png(), "logo.svg"),
    "executable named .png": (b"MZ\x90\x00" + b"\0" * 500, "logo.png"),
}


@pytest.fixture
def desk(app, monkeypatch) -> workspace_world.World:
    """The workspaces' world (people sign in through the real form, cheap argon2)."""
    workspace_world.cheap_argon2.__wrapped__(monkeypatch)
    return workspace_world.build_world(app.extensions["voucher.engine"])


def _send(client, desk, data: bytes, name: str):
    path = f"/financeur/dispositifs/{desk.programme_a}/couverture"
    return client.post(
        f"{path}/logo",
        data={"csrf_token": token(client.get(path)), "logo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _stored(app) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return s.scalar(select(func.count()).select_from(ProgrammeLogo)) or 0


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_svg_is_refused_on_the_form_and_nothing_is_stored(app, client, desk, name):
    login(client, desk.emails["funder_a"])
    page = _send(client, desk, HOSTILE[name], "logo.svg")
    body = page.get_data(as_text=True)
    assert page.status_code == 422, body[:300]
    assert 'id="error-summary"' in body and 'href="#logo"' in body
    assert "Ce logo SVG est refusé" in body and 'aria-invalid="true"' in body
    assert "Traceback" not in body and "lxml" not in body
    assert _stored(app) == 0


@pytest.mark.parametrize("name", sorted(DISGUISED))
def test_a_disguised_file_is_refused_and_nothing_is_stored(app, client, desk, name):
    login(client, desk.emails["funder_a"])
    data, filename = DISGUISED[name]
    page = _send(client, desk, data, filename)
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and 'href="#logo"' in body, body[:300]
    assert _stored(app) == 0


def test_a_clean_svg_is_stored_audited_and_printed_as_cmyk_vectors(app, client, desk):
    from voucher.db.models import Programme
    from voucher.documents.carnet_cover import front
    from voucher.domain.printing import CarnetInfo

    login(client, desk.emails["funder_a"])
    done = _send(client, desk, CLEAN_SVG, "logo.svg")
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Logo enregistré" in page and "Logo actuel : SVG" in page
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        row = s.get(ProgrammeLogo, desk.programme_a)
        assert row is not None and bytes(row.png) == CLEAN_SVG
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "print.logo")).one()
        assert event.details["kind"] == "svg"
        programme = s.get(Programme, desk.programme_a)
        assert programme is not None
        info = CarnetInfo(
            programme=programme.name,
            funders=(),
            face_value_cents=1000,
            vouchers_per_book=10,
            valid_until=programme.valid_until,
            accepted_until=programme.valid_until,
            logo=bytes(row.png),
        )
    data = _draw(front, info)
    pdf = pikepdf.open(io.BytesIO(data))
    ops = [
        str(op)
        for _, op in pikepdf.parse_content_stream(pdf.pages[0])
        if str(op) in {"rg", "RG", "k", "K", "re", "c", "l"}
    ]
    assert "rg" not in ops and "RG" not in ops and "k" in ops  # CMYK only, drawn as vectors
    assert not [
        o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
    ]


def test_an_svg_over_1_mb_is_refused_before_it_is_parsed():
    from voucher.documents.logo import check_logo
    from voucher.domain.errors import DomainError

    with pytest.raises(DomainError) as refused:
        check_logo(HEAVY)
    assert refused.value.code == "logo_svg"


def _draw(draw, info) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    from voucher.documents.fonts import ensure_fonts

    ensure_fonts()
    out = io.BytesIO()
    c = Canvas(out, enforceColorSpace="cmyk")
    draw(c, info)
    c.showPage()
    c.save()
    return out.getvalue()


def test_the_cover_text_form_shows_the_default_and_refuses_too_long_a_text(app, client, desk):
    login(client, desk.emails["funder_a"])
    path = f"/financeur/dispositifs/{desk.programme_a}/couverture"
    page = client.get(path).get_data(as_text=True)
    assert "Chaque chèque paie une séance pour apprendre le numérique." in page  # the default
    refused = client.post(
        f"{path}/texte",
        data={"csrf_token": token(client.get(path)), "purpose": "\n".join(["Une phrase."] * 7)},
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'href="#purpose"' in body and "6 lignes au plus" in body
    long_lines = "\n".join(
        ["Une phrase de cent cinquante caractères " * 4][0][:158] for _ in range(6)
    )
    too_long = client.post(
        f"{path}/texte", data={"csrf_token": token(client.get(path)), "purpose": long_lines}
    )
    assert too_long.status_code == 422 and "ne tient pas sur la page" in too_long.get_data(
        as_text=True
    )
    done = client.post(
        f"{path}/texte",
        data={
            "csrf_token": token(client.get(path)),
            "purpose": "Chaque chèque paie un atelier de trois heures.\nC'est gratuit pour vous.",
        },
    )
    assert done.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert (
        "Chaque chèque paie un atelier de trois heures." in page and "Le texte par défaut" in page
    )
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.get(ProgrammeCover, desk.programme_a) is not None
    emptied = client.post(
        f"{path}/texte", data={"csrf_token": token(client.get(path)), "purpose": ""}
    )
    assert emptied.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.get(ProgrammeCover, desk.programme_a) is None  # back to the default


@pytest.mark.parametrize(
    "svg",
    [
        _SVG % b'<rect width="9" height="9" fill="currentColor" opacity="0.5"/>',
        _SVG % b'<rect width="9" height="9" fill="rgba(10,20,30,0.4)" stroke="hsl(120,50%,50%)"/>',
        _SVG % b'<g fill="#abc" transform="rotate(30)"><polygon points="0,0 9,0 4,9"/></g>',
    ],
)
def test_an_accepted_svg_always_draws_in_cmyk(svg):
    from voucher.documents.logo import check_logo
    from voucher.domain.errors import DomainError

    try:
        kind, *_ = check_logo(svg)
    except DomainError as refused:  # refused at upload is fine; failing at print is not
        assert refused.code == "logo_svg"
        return
    assert kind == "svg"
    from voucher.documents.carnet_cover import _logo

    _draw(lambda c, _info: _logo(c, svg), None)
