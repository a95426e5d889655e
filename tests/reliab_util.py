"""Helpers shared by the reliability/security tests: build a tiny site inline and run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from builder.cli import main

REPO = Path(__file__).resolve().parent.parent
SITE_YAML = "title: T\nbase_url: https://example.org/\n"
LOCATED = r"^[^\s:][^:\n]*:\d+(:\d+)?: \S"  # path:line[:col]: message


def article(title: str = "A", body: str = "正文。", **fm: str) -> str:
    lines = ["---", f"title: {title}", "date: 2025-02-11"]
    lines += [f"{k}: {v}" for k, v in fm.items()]
    return "\n".join(lines) + "\n---\n" + body + "\n"


def make_site(root: Path, files: dict[str, str | bytes], site_yaml: str = SITE_YAML) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(site_yaml, encoding="utf-8")
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data, encoding="utf-8")
    return root


def cli(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def build(capsys, site: Path, out: Path, *extra: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    return cli(capsys, "build", str(site), "--out", str(out), "-q", *extra)


def run_subprocess(*argv: str, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "builder", *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=cwd)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class LiveScriptFinder(HTMLParser):
    """Collects anything in an HTML page that would run script: inline <script> (other than JSON-LD),
    on* attributes, javascript:/vbscript:/non-image data: URLs in href/src/action/etc."""

    URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "content"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and not a.get("src") and a.get("type") != "application/ld+json":
            self.problems.append(f"inline script {attrs}")
        if tag in ("iframe", "object", "embed", "base", "form") and tag != "form":
            self.problems.append(f"<{tag}>")
        for k, v in attrs:
            if k.startswith("on"):
                self.problems.append(f"<{tag} {k}=…>")
            if v is None or k not in self.URL_ATTRS:
                continue
            if tag == "meta" and k == "content" and a.get("http-equiv", "").lower() != "refresh" \
                    and a.get("property") not in ("og:image", "og:url"):
                continue
            val = "".join(ch for ch in v if ch > " " and ch not in "\x7f").lower()
            if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
                val = val.split("url=", 1)[-1]
            if val.startswith(("javascript:", "vbscript:")) or (
                    val.startswith("data:") and not (tag == "img" and val.startswith("data:image/"))):
                self.problems.append(f"<{tag} {k}={v!r}>")


def live_scripts(html: str) -> list[str]:
    f = LiveScriptFinder()
    f.feed(html)
    f.close()
    return f.problems


def all_live_scripts(out: Path) -> list[str]:
    problems = []
    for p in sorted(out.rglob("*.html")):
        for prob in live_scripts(p.read_text(encoding="utf-8")):
            problems.append(f"{p.relative_to(out)}: {prob}")
    return problems


def descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid` (children, theirs…), each with its start time from
    /proc/<pid>/stat, so that a pid the kernel reuses later is not taken for the same process."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        stat = _stat(int(entry)) if entry.isdigit() else None
        if stat is not None:
            parents.setdefault(int(stat[1]), []).append(int(entry))
    found: dict[int, str] = {}
    todo = list(parents.get(pid, []))
    while todo:
        p = todo.pop()
        stat = _stat(p)
        if stat is not None and stat[0] != "Z":
            found[p] = stat[19]
            todo.extend(parents.get(p, []))
    return found


def still_running(procs: dict[int, str]) -> list[int]:
    """The processes of `procs` (from `descendants`) that run yet: neither gone nor zombies."""
    alive = []
    for p, start in procs.items():
        stat = _stat(p)
        if stat is not None and stat[0] != "Z" and stat[19] == start:
            alive.append(p)
    return alive


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat from the state on (the command's name may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()
