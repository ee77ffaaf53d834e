"""The funder's logo on paper: checked when uploaded, drawn in CMYK on the cover.

Rules kept: only a real PNG (signature, decoded whole by Pillow, at most :data:`MAX_BYTES`,
:data:`MIN_PX` to :data:`MAX_PX` pixels a side, one frame) is accepted; anything else is
refused with a French sentence (``logo_invalid``; an SVG: ``logo_svg``). Drawn, it is
flattened on white and converted to CMYK, since the carnet's PDF holds CMYK only.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image

from voucher.domain.errors import DomainError

MAX_BYTES = 1_000_000
MIN_PX, MAX_PX = 100, 4_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_png(data: bytes) -> tuple[int, int]:
    """``(width, height)`` of a PNG fit to print, or the refusal that says why not."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        raise DomainError("logo_svg")
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
