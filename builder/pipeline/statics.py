"""The site's `static/` folder, published at the site root as in Hugo (`CNAME`, `favicon.ico`,
`robots.txt`, `_headers`, `.well-known/…`). It is written after every generated file, so that a
static file claiming a generated file's path (or a theme asset's, under `tongwen/`) is an error that
names both, never a silent replacement either way."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from ..errors import BuildError, BuildFailed, error
from ..model import Output

THEME_STATIC = Path(__file__).parent.parent / "theme" / "static"
THEME_ASSETS = "tongwen/"  # where the theme's own files are published (render/other_pages.py)
# what editors and systems leave in folders, never meant for publishing
JUNK = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".gitkeep", ".gitignore"})


class Writer(Protocol):
    written: set[str]

    def write(self, output: Output) -> None: ...


def site_static(site_dir: Path) -> list[tuple[str, Path]]:
    """(output path, source file) of every file under `site_dir/static/`, in name order."""
    base = site_dir / "static"
    if not base.is_dir():
        return []
    out = []
    for p in sorted(base.rglob("*")):
        rel = p.relative_to(base)
        if p.is_file() and p.name not in JUNK and ".git" not in rel.parts[:-1] \
                and not p.name.endswith(("~", ".swp")):
            out.append((rel.as_posix(), p))
    return out


def publish_static(writer: Writer, site_dir: Path) -> int:
    """Write the site's static files at the root; BuildFailed naming both files on any collision
    with what the build generated (a same path, or a file where the build has a folder)."""
    files = site_static(site_dir)
    if not files:
        return 0
    taken = set(writer.written) | set(getattr(writer, "kept", ()))
    folders = {p.rsplit("/", 1)[0] for p in taken if "/" in p}
    folders |= {f.rsplit("/", i)[0] for f in list(folders) for i in range(1, f.count("/") + 1)}
    errors = [_collision(rel, taken) for rel, _p in files
              if rel in taken or rel in folders or any(a in taken for a in _ancestors(rel))]
    if errors:
        raise BuildFailed(errors)
    for rel, p in files:
        writer.write(Output(rel, p.read_bytes()))
    return len(files)


def _ancestors(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _collision(rel: str, taken: set[str]) -> BuildError:
    asset = rel[len(THEME_ASSETS):] if rel.startswith(THEME_ASSETS) else ""
    if asset and (THEME_STATIC / asset).is_file():
        other = f"the theme's builder/theme/static/{asset}, published at {rel}"
    elif rel in taken:
        other = f"the generated {rel}"
    else:
        clash = next((a for a in _ancestors(rel) if a in taken), None)
        other = f"the generated file {clash}" if clash else f"the generated folder {rel}/"
    return error(f"static/{rel}", 0, f"collides with {other}; rename or move static/{rel}")
