"""Reading a voucher's code from a phone photo (the fallback when the camera cannot be
used live): zxing-cpp over the decoded image. Returns the texts found, best first;
an unreadable or non-image upload gives an empty list (the caller says so in French).
Images are shrunk to at most 2,000 pixels on their long side before decoding (phone
photos are large; barcodes stay readable), and Pillow's decompression-bomb guard stays on.
"""

from __future__ import annotations

import io

MAX_SIDE = 2000


def read_codes(data: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as raw:
            image = ImageOps.exif_transpose(raw).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return []
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    found = zxingcpp.read_barcodes(
        image,
        formats=zxingcpp.BarcodeFormats(
            [zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode]
        ),
    )
    return [r.text for r in found if r.valid and r.text]
