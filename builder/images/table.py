"""The build's table of resized images: which files exist in which sizes, where they are published,
and one signature of it all for the incremental keys.

Every raster file under `content/` and `static/` is made in the body size (`sizes.WIDE`); a file a
front matter names as its thumbnail also in the card and og:image sizes. Resized files are published
once, at `resized/<digest>-<size>-<w>x<h>.<ext>` under the site root, and cached by content in
`.tongwen-cache/images/` (see `incremental/__init__.py`), so an unchanged image is never resized again.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import PIL
from PIL import Image

from ..model import Output, Site
from .locate import candidates, is_remote
from .resize import RASTER, NotAnImage, Resized, resize
from .sizes import BODY_SIZES, THUMBNAIL_SIZES, Size

log = logging.getLogger("tongwen")

FORMAT = 1  # bump when `resize` makes different bytes from the same input
OUT_DIR = "resized"


@dataclass(frozen=True)
class Picture:
    """One image in one size: its published files (site-relative) and its pixel size."""

    webp: str  # "" when the size has no WebP
    fallback: str
    width: int
    height: int


@dataclass(frozen=True)
class ImageTable:
    pictures: Mapping[tuple[str, str], Picture] = field(default_factory=dict)  # (site path, size) → Picture
    files: frozenset[str] = frozenset()  # every raster file under content/ and static/ (site paths)
    blobs: Mapping[str, Path | bytes] = field(default_factory=dict)  # published path → cached file or bytes
    sig: bytes = b""  # everything pages read of the table

    def cached(self) -> set[str]:
        """The names of the cache files this build's pictures came from (the rest may be pruned)."""
        return {b.name for b in self.blobs.values() if isinstance(b, Path)}

    def find(self, source: str, src: str, size: str) -> Picture | None:
        """The picture of the local image `src`, as written in `source`, in `size` (None: remote,
        missing, not an image Pillow reads, or not made in that size)."""
        if is_remote(src):
            return None
        for rel in candidates(source, src):
            if rel in self.files:
                return self.pictures.get((rel, size))
        return None

    def outputs(self) -> Iterator[Output]:
        for path in sorted(self.blobs):
            blob = self.blobs[path]
            yield Output(path, blob if isinstance(blob, bytes) else blob.read_bytes())


EMPTY = ImageTable()


def raster_files(root: Path, site: Site) -> list[str]:
    """Every image file under content/ (the site's resources) and static/, as site paths."""
    out = set()
    for _dest, src in site.resources:
        p = Path(src)
        if p.suffix.lower() in RASTER:
            try:
                out.add(p.resolve().relative_to(root.resolve()).as_posix())
            except ValueError:
                continue
    static = root / "static"
    if static.is_dir():
        for p in static.rglob("*"):
            if p.suffix.lower() in RASTER and p.is_file() and not p.name.startswith("."):
                out.add(p.relative_to(root).as_posix())
    return sorted(out)


def _thumbnails(site: Site, files: set[str]) -> set[str]:
    found = set()
    for entry in site.all_entries():
        for _key, doc in entry.docs:
            thumb = doc.meta.thumbnail
            if thumb is not None and not is_remote(thumb.src):
                rel = next((r for r in candidates(doc.source, thumb.src) if r in files), None)
                if rel is not None:
                    found.add(rel)
    return found


def prepare(root: Path, site: Site, cache: Path | None) -> ImageTable:
    """Resize what is not in `cache` (None: nothing is read from or written to a cache; the resized
    bytes are kept in memory for this build)."""
    files = raster_files(root, site)
    # (reading every document's front matter undoes the reused snapshot's laziness: skeleton.py;
    # a site without local images does not pay for it)
    thumbs = _thumbnails(site, set(files)) if files else set()
    pictures: dict[tuple[str, str], Picture] = {}
    blobs: dict[str, Path | bytes] = {}
    h = hashlib.blake2b(digest_size=16)
    h.update(f"images {FORMAT} {PIL.__version__}".encode())
    for rel in files:
        data = (root / rel).read_bytes()
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        for size in THUMBNAIL_SIZES if rel in thumbs else BODY_SIZES:
            try:
                pic, made = _one(data, digest, size, cache)
            except NotAnImage as exc:
                log.warning("%s: not resized (%s); published as it is", rel, exc)
                break
            pictures[(rel, size.name)] = pic
            blobs.update(made)
            h.update(f"{rel}\0{size.name}\0{pic}\n".encode())
    return ImageTable(pictures, frozenset(files), blobs, h.digest())


def _one(data: bytes, digest: str, size: Size, cache: Path | None) -> tuple[Picture, dict[str, Path | bytes]]:
    key = hashlib.blake2b(f"{FORMAT} {PIL.__version__} {size} {digest}".encode(), digest_size=16).hexdigest()
    found = _cached(cache, key, size) if cache is not None else None
    if found is None:
        done = resize(data, size)
        found = _store(cache, key, done) if cache is not None else _in_memory(done)
    fallback, webp, ext, w, h = found
    stem = f"{OUT_DIR}/{digest[:16]}-{size.name}-{w}x{h}"
    made: dict[str, Path | bytes] = {f"{stem}.{ext}": fallback}
    if size.webp:
        made[f"{stem}.webp"] = webp
    return Picture(f"{stem}.webp" if size.webp else "", f"{stem}.{ext}", w, h), made


_Found = tuple[Path | bytes, Path | bytes, str, int, int]


def _in_memory(done: Resized) -> _Found:
    return done.fallback, done.webp, done.fallback_ext, done.width, done.height


def _cached(cache: Path, key: str, size: Size) -> _Found | None:
    for ext in ("jpg", "png"):
        fallback = cache / f"{key}.{ext}"
        webp = cache / f"{key}.webp"
        if fallback.is_file() and (webp.is_file() or not size.webp):
            try:
                with Image.open(fallback) as img:  # reads the header only
                    w, h = img.size
            except OSError:
                return None
            return fallback, webp, ext, w, h
    return None


def _store(cache: Path, key: str, done: Resized) -> _Found:
    """Written to a temporary name and renamed: a build killed meanwhile leaves no half file."""
    cache.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, blob in ((done.fallback_ext, done.fallback), ("webp", done.webp)):
        path = cache / f"{key}.{ext}"
        if blob:
            tmp = path.with_suffix(f".{ext}.{os.getpid()}.tmp")  # (a preview and a build may run at once)
            tmp.write_bytes(blob)
            tmp.replace(path)
        paths.append(path)
    return paths[0], paths[1], done.fallback_ext, done.width, done.height
