"""The sizes the theme displays an image at, in pixels of the file (twice the CSS size where the
theme shows it small, for high-density screens)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    width: int
    height: int  # 0: the height follows the image's aspect ratio (`width` is then a maximum)
    webp: bool = True  # og:image stays in the original format: not every link preview reads WebP
    display: tuple[int, int] = (0, 0)  # CSS px the theme shows it at, when fixed (an image not resized gets it)

    @property
    def crop(self) -> bool:
        return self.height > 0


CARD = Size("card", 400, 240, display=(200, 120))  # list cards show 200×120 CSS px (style.css .card-thumb)
WIDE = Size("wide", 1600, 0)  # the article lead and body images: the content column is ≤ 820 CSS px
OG = Size("og", 1200, 630, webp=False)  # og:image / twitter:image
SIZES = (CARD, WIDE, OG)
BY_NAME = {s.name: s for s in SIZES}
THUMBNAIL_SIZES = (CARD, WIDE, OG)
BODY_SIZES = (WIDE,)
