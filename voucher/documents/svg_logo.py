"""A funder's logo sent as SVG: checked as hostile input, then drawn as vectors in CMYK.

Rules kept:

* the file is parsed by ``defusedxml`` (no DTD, no entity, no external entity: no
  "billion laughs", no file read through XXE), at most :data:`MAX_BYTES`, at most
  :data:`MAX_ELEMENTS` elements and :data:`MAX_DEPTH` levels (no drawing that takes
  minutes), its root an ``<svg>`` element with a positive size or view box;
* nothing in it may run or fetch: no ``<script>``, ``<foreignObject>``, ``<image>``,
  animation or ``<a>``; no ``on…`` event attribute; no reference but to the file itself
  (``href="#id"``, ``url(#id)``); no CSS ``@import``;
* no ``<text>``: a print file embeds every font, and a logo's text must be converted to
  paths (every drawing program does it);
* anything else is refused with ``logo_svg`` and a sentence saying what to send instead;
* drawn with svglib (vectors, so it stays sharp at any size), every colour converted to
  CMYK, since the carnet's PDF holds CMYK only.
"""

from __future__ import annotations

import io
import re
import tempfile
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Group
from reportlab.lib.colors import CMYKColor, Color
from reportlab.pdfgen.canvas import Canvas

from voucher.domain.errors import DomainError

SVG_NS = "{http://www.w3.org/2000/svg}"
MAX_BYTES = 1_000_000
MAX_ELEMENTS = 5_000
MAX_DEPTH = 40
FORBIDDEN = {
    "script",
    "foreignObject",
    "image",
    "feImage",
    "a",
    "animate",
    "animateMotion",
    "animateTransform",
    "animateColor",
    "set",
    "iframe",
    "embed",
    "object",
    "audio",
    "video",
    "text",
    "tspan",
    "textPath",
    "font",
    "font-face",
}
_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.I)


def is_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head


def check_svg(data: bytes) -> tuple[float, float]:
    """``(width, height)`` in points of an SVG logo fit to print, or ``logo_svg``."""
    if len(data) > MAX_BYTES:
        raise DomainError("logo_svg")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, SyntaxError, ValueError) as exc:
        raise DomainError("logo_svg") from exc
    if root.tag != f"{SVG_NS}svg":
        raise DomainError("logo_svg")
    _walk(root, 0, [0])
    drawing = cmyk_drawing(data)
    try:  # drawn once as the carnet will draw it: CMYK only, or refused now, not at print
        renderPDF.draw(drawing, Canvas(io.BytesIO(), enforceColorSpace="cmyk"), 0, 0)
    except Exception as exc:  # any failure to draw it is a refusal of the file
        raise DomainError("logo_svg") from exc
    return float(drawing.width), float(drawing.height)


def _walk(element: Any, depth: int, count: list[int]) -> None:
    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_ELEMENTS:
        raise DomainError("logo_svg")
    tag = element.tag.split("}")[-1] if isinstance(element.tag, str) else ""
    if not isinstance(element.tag, str) or tag in FORBIDDEN:
        raise DomainError("logo_svg")
    for name, value in element.attrib.items():
        local = name.split("}")[-1].lower()
        if local.startswith("on") or (local == "href" and not value.strip().startswith("#")):
            raise DomainError("logo_svg")
        _check_css(value)
    if tag == "style":
        _check_css(element.text or "")
    for child in element:
        _walk(child, depth + 1, count)


def _check_css(text: str) -> None:
    if "@import" in text.lower() or any(not u.startswith("#") for u in _URL.findall(text)):
        raise DomainError("logo_svg")


def _render(data: bytes) -> Drawing:
    from svglib.svglib import svg2rlg

    with tempfile.TemporaryDirectory() as nowhere:  # no external file may be read
        try:
            drawing = svg2rlg(io.BytesIO(data), external_reference_root=nowhere)
        except Exception as exc:  # svglib raises many kinds on odd input: all a refusal
            raise DomainError("logo_svg") from exc
    if drawing is None or not (0 < drawing.width < 1e5 and 0 < drawing.height < 1e5):
        raise DomainError("logo_svg")
    return drawing


def cmyk_drawing(data: bytes) -> Drawing:
    """The logo as a reportlab drawing with every colour in CMYK, ready to draw."""
    drawing = _render(data)
    _to_cmyk(drawing)
    return drawing


def _to_cmyk(node: Any) -> None:
    for attr in ("fillColor", "strokeColor"):
        colour = getattr(node, attr, None)
        if isinstance(colour, Color) and not isinstance(colour, CMYKColor):
            c, m, y, k = _cmyk(colour.red, colour.green, colour.blue)
            setattr(node, attr, CMYKColor(c, m, y, k, alpha=colour.alpha))
    if isinstance(node, Group):
        for child in node.contents:
            _to_cmyk(child)


def _cmyk(r: float, g: float, b: float) -> tuple[float, float, float, float]:
    """Plain RGB to CMYK (black generated from grey): a near black stays pure K."""
    k = 1 - max(r, g, b)
    if k >= 1:
        return 0.0, 0.0, 0.0, 1.0
    return tuple(round((1 - x - k) / (1 - k), 4) for x in (r, g, b)) + (round(k, 4),)  # type: ignore[return-value]
