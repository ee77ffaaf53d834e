"""The funder's logo on paper: checked when uploaded, drawn in CMYK on the cover.

Rules kept: a real PNG (signature, decoded whole by Pillow, at most :data:`MAX_BYTES`,
:data:`MIN_PX` to :data:`MAX_PX` pixels a side, one frame) or an SVG that passes
:mod:`voucher.documents.svg_logo` is accepted, told apart by their content (never by the
file's name); anything else is refused with a French sentence (``logo_invalid``; an SVG
that is unsafe or unreadable: ``logo_svg``). Drawn, a PNG is flattened on white and
converted to CMYK, an SVG drawn as vectors with its colours in CMYK, since the carnet's
PDF holds CMYK only.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image

from voucher.documents.svg_logo import check_svg, is_svg
from voucher.domain.errors import DomainError

MAX_BYTES = 1_000_000
MIN_PX, MAX_PX = 100, 4_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_logo(data: bytes) -> tuple[str, float, float]:
    """``(kind, width, height)`` of a logo fit to print (``"png"`` in pixels, ``"svg"`` in
    points), or the refusal that says why not."""
    if is_svg(data):
        return ("svg", *check_svg(data))
    return ("png", *check_png(data))


def logo_kind(data: bytes) -> str:
    """``"png"`` or ``"svg"``, of a logo already checked."""
    return "png" if data.startswith(PNG_SIGNATURE) else "svg"


def check_png(data: bytes) -> tuple[int, int]:
    """``(width, height)`` of a PNG fit to print, or the refusal that says why not."""
    if len(data) > MAX_BYTES or not data.startswith(PNG_SIGNATURE):
        raise DomainError("logo_invalid")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                (width, height), frames = image.size, getattr(image, "n_frames", 1)
                if image.format != "PNG" or frames != 1:
                    raise DomainError("logo_invalid")
                if not (MIN_PX <= width <= MAX_PX and MIN_PX <= height <= MAX_PX):
                    raise DomainError("logo_invalid")  # checked before any pixel is decoded
                image.load()  # decodes every byte: a truncated file fails here
    except DomainError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise DomainError("logo_invalid") from exc
    return width, height


def cmyk_image(data: bytes) -> Image.Image:
    """The logo flattened on white and converted to CMYK, ready to draw."""
    with Image.open(io.BytesIO(data)) as image:
        rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat.convert("CMYK")
