"""One image resized to one size, deterministically: the same bytes in give the same bytes out
(no metadata is copied, the encoders' options are fixed, and Pillow's encoders are deterministic)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps

from .sizes import Size

RASTER = (".jpg", ".jpeg", ".png", ".gif", ".webp")
# Pillow decodes at most this many pixels (its own bomb check warns at 89 M); larger is an error
MAX_PIXELS = 64_000_000


@dataclass(frozen=True)
class Resized:
    fallback: bytes  # the original format (JPEG stays JPEG, everything else becomes PNG)
    fallback_ext: str  # "jpg" or "png"
    webp: bytes  # b"" when the size asks for none
    width: int
    height: int


class NotAnImage(ValueError):
    """Pillow cannot read the file (or it is too large, or animated: kept verbatim)."""


def open_image(data: bytes) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(data))
        if img.width * img.height > MAX_PIXELS:
            raise NotAnImage(f"{img.width}×{img.height} pixels is more than {MAX_PIXELS}")
        if getattr(img, "n_frames", 1) > 1:
            raise NotAnImage("animated")
        img.load()
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAnImage(str(exc)) from None
    return img


def resize(data: bytes, size: Size) -> Resized:
    """`data` scaled to `size`: cropped to fill it (centred) when it has a height, else scaled
    down to its width (never up: a small image keeps its pixels)."""
    img = open_image(data)
    jpeg = img.format == "JPEG"
    img = ImageOps.exif_transpose(img)  # a phone photo's orientation is in its EXIF, dropped below
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    img = img.convert("RGBA" if has_alpha and not jpeg else "RGB")
    if size.crop:
        img = ImageOps.fit(img, (size.width, size.height), Image.Resampling.LANCZOS)
    elif img.width > size.width:
        img = img.resize((size.width, max(1, round(img.height * size.width / img.width))),
                         Image.Resampling.LANCZOS)
    fallback = io.BytesIO()
    if jpeg:
        img.save(fallback, "JPEG", quality=82, optimize=True)
    else:
        img.save(fallback, "PNG", optimize=True)
    webp = io.BytesIO()
    if size.webp:
        img.save(webp, "WEBP", quality=80, method=4)
    return Resized(fallback.getvalue(), "jpg" if jpeg else "png", webp.getvalue(), img.width, img.height)
