"""What a template or the Markdown renderer needs to show an image from one page: URLs relative to
the page (`root`: the page's way back to the site root), so they resolve on list pages, under a
sub-path `base_url` and from `file://`; og:image URLs absolute."""

from __future__ import annotations

from typing import Any

from .locate import is_remote
from .sizes import BY_NAME
from .table import ImageTable, Picture


def picture_vars(pic: Picture, root: str) -> dict[str, Any]:
    return {"webp": root + pic.webp if pic.webp else "", "src": root + pic.fallback,
            "width": pic.width, "height": pic.height}


def image_vars(table: ImageTable, source: str, src: str, size: str, root: str) -> dict[str, Any]:
    """The resized image when there is one, else the image as written (a remote or `data:` URL),
    a site path made relative to the page; then the width and height are the size's box as the theme
    shows it when the size crops to one (a list card), else 0 (unknown)."""
    pic = table.find(source, src, size)
    if pic is not None:
        return picture_vars(pic, root)
    if src.startswith("/") and not src.startswith("//"):
        src = root + src.lstrip("/")
    box = BY_NAME[size].display
    return {"webp": "", "src": src, "width": box[0], "height": box[1]}


def absolute_image(table: ImageTable, base_url: str, source: str, src: str) -> str:
    """og:image, twitter:image and JSON-LD's image: absolute, in the og:image size when local
    ("" for a `data:` URL or a relative path not found, which no link preview can fetch)."""
    pic = table.find(source, src, "og")
    if pic is not None:
        return base_url + pic.fallback
    if is_remote(src):
        return src if src.startswith(("http://", "https://")) else ""
    if src.startswith("/"):
        return base_url + src.lstrip("/")
    return ""
