"""A voucher's Code 128 as a PNG, the photo a desk's camera or phone would take, drawn
from the project's own encoding (``voucher.documents.barcodes``): python-barcode's image
writer drops a leading "99" (about one code in a hundred), so a test drawing random codes
with it fails now and then for a reason that is not ours."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from voucher.documents.barcodes import QUIET_MODULES, code128_modules


def code128_png(code: str, *, module_px: int = 3, height_px: int = 120) -> bytes:
    modules = "0" * QUIET_MODULES + code128_modules(code) + "0" * QUIET_MODULES
    image = Image.new("L", (len(modules) * module_px, height_px + 20), 255)
    draw = ImageDraw.Draw(image)
    for i, bit in enumerate(modules):
        if bit == "1":
            x = i * module_px
            draw.rectangle([x, 10, x + module_px - 1, 10 + height_px], fill=0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
