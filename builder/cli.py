"""`tongwen build | serve | new | check`. Errors print as `path:line: message`; exit 1; no traceback
unless --debug. The global flags (`--debug`, `-q`, `-v`, `--site`) are accepted before or after the
command. Exit codes (README.md, "Exit codes"): 0 done; 1 content errors (nothing published), problems
found by `check`, or a build differing from a clean one (`--verify`); 2 a usage error or an internal
error; 130 interrupted."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from .errors import BuildFailed, VerifyFailed


def _globals(after_command: bool) -> argparse.ArgumentParser:
    """The flags every command takes, before or after its name. After it their default is "not
    given", so that `tongwen -q build` keeps the -q given before."""
    p = argparse.ArgumentParser(add_help=False)
    d = {"default": argparse.SUPPRESS} if after_command else {}
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug timings", **d)  # type: ignore[arg-type]
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors", **d)  # type: ignore[arg-type]
    p.add_argument("-v", "--verbose", action="store_true", help="print more: time per stage", **d)  # type: ignore[arg-type]
    p.add_argument("-s", "--site", metavar="DIR", help="the site folder, holding site.yaml (default: .)",
                   **({"default": argparse.SUPPRESS} if after_command else {"default": None}))  # type: ignore[arg-type]
    return p


def _add_build_args(p: argparse.ArgumentParser) -> None:
    # (the folder as a bare argument, as before --site: kept working, no longer shown)
    p.add_argument("site_arg", nargs="?", default=None, help=argparse.SUPPRESS)
    p.add_argument("--drafts", action="store_true", help="include pages marked draft: true")
    p.add_argument("--base-url", help="override base_url from site.yaml")


def parser() -> argparse.ArgumentParser:
    from . import __version__
    ap = argparse.ArgumentParser(prog="tongwen", description="Tongwen (同文): one Markdown source, a static "
                                 "site in 简体 and 繁體.", parents=[_globals(False)],
                                 epilog="Exit codes: 0 done; 1 content errors or problems found (nothing "
                                 "published); 2 usage or internal error; 130 interrupted.")
    ap.add_argument("--version", action="version", version=f"tongwen {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    common = [_globals(True)]
    b = sub.add_parser("build", parents=common, help="build the site into the output folder",
                       description="Build the site: load → derive → render → write. The previous output stays "
                       "intact unless the whole build succeeds.")
    _add_build_args(b)
    b.add_argument("--out", help="output folder (default: output_dir from site.yaml, usually public/)")
    b.add_argument("--future", action="store_true",
                   help="include pages whose publishDate (else date) is after the build's clock "
                        "(Hugo's --buildFuture)")
    b.add_argument("--stats", help="write stage timings and counts as JSON to this file")
    b.add_argument("--verify", action="store_true",
                   help="then build again from scratch, without the cache, and fail on any page that differs "
                        "(also TONGWEN_VERIFY=1)")
    s = sub.add_parser("serve", parents=common, help="preview with live reload",
                       description="Build into a temporary folder, serve it on 127.0.0.1 and reload the browser "
                       "after every change.")
    _add_build_args(s)
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=1313, help="port (default: 1313)")
    s.add_argument("--open", action="store_true", help="open the site in a browser")
    n = sub.add_parser("new", parents=common, help="create an article or topic",
                       description="Create a Markdown file with front matter in the seed's shape.")
    n.add_argument("title", help="the title, e.g. \"新的文章\"")
    n.add_argument("--kind", choices=("article", "topic"), default="article")
    n.add_argument("--section", default="", help="folder under content/ (default: posts, or topics/<collection>)")
    c = sub.add_parser("check", parents=common, help="validate without writing",
                       description="Load, derive and render everything without writing; report every problem.")
    _add_build_args(c)
    c.add_argument("--conversions", action="store_true", help="list ambiguous 简→繁 conversions per page")
    c.add_argument("--all", action="store_true", dest="every",
                   help="with --conversions: every place, one line each, identities included")
    c.add_argument("--script", action="store_true", help="count, per edition, the characters outside its script")
    c.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: one JSON object on stdout: {ok, problems: [{path, line, column, message}], …}")
    return ap


def run() -> None:
    """The console entry point. A build leaves a large heap (the site, the incremental state) that
    the interpreter would free object by object at exit, a tenth of a second or more on a big site:
    output is flushed, then the process ends at once (a build ends it while its result, which
    holds that heap, is still alive: `_build`)."""
    _end(main(end=_end))


def _end(code: int) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


def main(argv: list[str] | None = None, end: Callable[[int], NoReturn] | None = None) -> int:
    """`end(code)`: end the process once a command is done (the console entry point's; in-process
    callers such as the tests leave it None and get the code back)."""
    ap = parser()
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("tongwen").setLevel(logging.DEBUG if args.debug else logging.ERROR if args.quiet
                                          else logging.WARNING)
    if args.command is None:
        ap.print_help()
        return 2
    positional = getattr(args, "site_arg", None)
    if positional is not None and args.site is not None and Path(positional) != Path(args.site):
        ap.error(f"two site folders: {positional} and --site {args.site}")
    args.site = args.site or positional or "."
    try:
        if args.command == "build":
            return _build(args, end)
        if args.command == "serve":
            from .serve import serve
            return serve(Path(args.site), host=args.host, port=args.port, drafts=args.drafts,
                         base_url=args.base_url, open_browser=args.open)
        if args.command == "new":
            from .new import new
            return new(Path(args.site), args.title, kind=args.kind, section=args.section)
        if args.command == "check":
            from .check import check
            if args.format == "json" and (args.conversions or args.script):
                ap.error("--format json reports problems only: not with --conversions or --script")
            return check(Path(args.site), drafts=args.drafts, conversions=args.conversions, script=args.script,
                         every=args.every, as_json=args.format == "json", quiet=args.quiet)
    except BuildFailed as exc:
        for e in exc.errors:
            print(str(e), file=sys.stderr)
        n = len(exc.errors)
        if isinstance(exc, VerifyFailed):
            print(f"tongwen: verify failed: {n} file{'s' if n != 1 else ''} differ from a clean build", file=sys.stderr)
        else:
            print(f"tongwen: {n} error{'s' if n != 1 else ''}; nothing was published", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tongwen: interrupted; the previous output is untouched", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not a content problem: say so plainly
        if args.debug:
            raise
        print(f"tongwen: internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)",
              file=sys.stderr)
        return 2
    return 0


class _Count(logging.Handler):
    """Counts warnings logged during a build, for the summary."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.n = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.n += 1


def _paint(text: str, code: str) -> str:
    """ANSI colour only on a terminal (and never when NO_COLOR is set)."""
    import os
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return f"\x1b[{code}m{text}\x1b[0m"
    return text


def summary(result: object, total: float, warnings: int, verbose: bool = False) -> str:
    """The one-screen report after a build: pages per edition and kind, warnings, time per stage."""
    r = result
    kinds = getattr(r, "kinds", {}) or {}
    lines = [_paint("tongwen: built", "1;32") + f" {r.pages} pages ({r.outputs} files) → {r.out} "  # type: ignore[attr-defined]
             f"in {total:.2f}s"]
    shown = [(k, n) for k, n in kinds.items() if n]
    for ed in r.editions:  # type: ignore[attr-defined]
        parts = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in shown)
        lines.append(f"  {ed:<7} {parts}" if parts else f"  {ed}")
    w = _paint(f"{warnings} warning{'s' if warnings != 1 else ''}", "33") if warnings else "no warnings"
    lines.append(f"  {w}")
    stages = r.stages  # type: ignore[attr-defined]
    if stages:
        lines.append("  time    " + "  ".join(f"{k} {v:.2f}s" for k, v in stages.items()))
    if verbose:
        for k, v in stages.items():
            lines.append(f"  {k:<8} {v:7.3f}s")
    return "\n".join(lines)


class _Progress:
    """A one-line progress display on a terminal (stderr), at most five updates a second."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def __call__(self, stage: str, files: int) -> None:
        now = time.perf_counter()
        if now - self.last < 0.2 or now - self.t0 < 1.0:  # short builds show nothing
            return
        self.last = now
        self.shown = True
        sys.stderr.write(f"\r\x1b[Ktongwen: {stage}: {files} files written ({now - self.t0:.0f}s)")
        sys.stderr.flush()

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _tune_gc() -> None:
    """The one place the garbage collector is tuned, for the build command's own process (never
    for the preview server, whose builds run in a thread of a long-lived process). A build holds a
    large, long-lived heap and makes few reference cycles worth collecting mid-build: no collection
    while the site loads, then `_freeze_model`, then young collections spaced out (the default 700
    would rescan the heap's growth again and again)."""
    gc.disable()
    gc.set_threshold(200_000, 100, 1000)


def _freeze_model() -> None:
    """Called by the build once its site model is loaded (`build(on_loaded=…)`): the model lives
    until the build ends, so the collector never scans it again, nor touches it in the forked
    workers (copy-on-write). Measured on the 10,000-article corpus, cold: 93 s wall / 166 s CPU
    without, 78 s / 139 s with."""
    gc.freeze()
    gc.enable()


def _build(args: argparse.Namespace, end: Callable[[int], NoReturn] | None = None) -> int:
    from .pipeline.build import build
    counter = _Count()
    logging.getLogger("tongwen").addHandler(counter)
    t0 = time.perf_counter()
    bar = _Progress() if sys.stderr.isatty() and not args.quiet else None
    try:
        _tune_gc()
        result = build(Path(args.site), Path(args.out).expanduser() if args.out else None, drafts=args.drafts,
                       base_url=args.base_url, progress=bar, verify=args.verify or None, on_loaded=_freeze_model,
                       future=args.future)
    finally:
        logging.getLogger("tongwen").removeHandler(counter)
        if bar is not None:
            bar.done()
    total = time.perf_counter() - t0
    if args.stats:
        Path(args.stats).write_text(json.dumps({"stages": result.stages, "pages": result.pages,
                                                "outputs": result.outputs, "kinds": result.kinds,
                                                "total": total, "skipped": result.skipped}, indent=1))
    if not args.quiet:
        if result.skipped:
            print(f"tongwen: {result.out} is up to date ({result.pages} pages; no input changed) in {total:.2f}s")
        else:
            print(summary(result, total, counter.n, args.verbose))
    if end is not None:
        end(0)  # (with `result` still referenced: its working set is never freed)
    return 0
