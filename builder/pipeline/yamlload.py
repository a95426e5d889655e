"""Safe, bounded YAML loading that remembers the line of every top-level key."""

from __future__ import annotations

from typing import Any

import yaml

from ..errors import BuildError, error

try:  # libyaml is ~10x faster; fall back to the pure-Python loader
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """Safe loader that leaves dates as text: `frontmatter.parse_date` reads them with the site's
    timezone and reports impossible dates (2025-02-30) at the key's line."""


_Loader.yaml_implicit_resolvers = {  # type: ignore[attr-defined]
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in _Base.yaml_implicit_resolvers.items()  # type: ignore[attr-defined]
}

MAX_NODES = 100_000  # an alias bomb expands far past this; real front matter stays far below


def _count(node: yaml.Node, budget: list[int]) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise ValueError("document is too large or nests aliases too deeply")
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append(k)
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            # aliases share node objects: count every visit, which is what expansion costs
            stack.extend(n.value)


_OPENERS = {"flow sequence": "the '['", "flow mapping": "the '{'", "quoted scalar": "the quote"}


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, path: str, first_line: int) -> BuildError:
    """Where the parser gave up; for a bracket or quote never closed, located where it opens (the
    author's mistake), with where the parser gave up in the message."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    opened = exc.context_mark
    what = next((w for k, w in _OPENERS.items() if k in (exc.context or "")), None)
    if what is not None and opened is not None and mark is not None and \
            (opened.line, opened.column) != (mark.line, mark.column):
        gave_up = first_line + mark.line
        if mark.line >= text.count("\n") and "end of stream" in problem:
            where = "the end of the front matter"
        else:
            where = f"line {gave_up}"
        return error(path, first_line + opened.line,
                     f"YAML syntax error: {what} opened here is never closed (the parser gave up at {where}: "
                     f"{problem})", opened.column + 1)
    line = first_line + (mark.line if mark else 0)
    return error(path, line, f"YAML syntax error: {problem}", (mark.column + 1) if mark else 0)


def load_yaml(text: str, path: str, first_line: int = 1) -> tuple[Any, dict[str, int], list[BuildError]]:
    """Parse `text` (which starts at `first_line` of `path`).

    Returns (data, {top-level key: line}, errors). Errors are located in the file.
    """
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}, []
            _count(node, [MAX_NODES])
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        return None, {}, [_syntax_error(exc, text, path, first_line)]
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (control characters, say)
        line = first_line + text[: exc.position].count("\n")
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        return None, {}, [error(path, line, f"YAML cannot contain the character U+{exc.character:04X} "
                                f"({exc.reason}); remove it or write it as an escape in a quoted string", col)]
    except yaml.YAMLError as exc:
        return None, {}, [error(path, first_line, "YAML error: " + " ".join(str(exc).split()))]
    except (ValueError, RecursionError) as exc:
        return None, {}, [error(path, first_line, f"YAML rejected: {exc}")]
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, _v in node.value:
            if isinstance(k, yaml.ScalarNode):
                lines.setdefault(str(k.value), first_line + k.start_mark.line)
    return data, lines, []
