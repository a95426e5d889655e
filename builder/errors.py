"""Located build errors. Every problem a user can fix is a `BuildError` carrying `path:line`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        out = self.path
        if self.line:
            out += f":{self.line}"
            if self.col:
                out += f":{self.col}"
        return out


@dataclass(frozen=True, order=True)
class BuildError:
    where: Location
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class BuildFailed(Exception):
    """Raised at the end of a stage with every error that stage found."""

    def __init__(self, errors: Iterable[BuildError]):
        self.errors = tuple(sorted(set(errors)))
        super().__init__("\n".join(str(e) for e in self.errors))


class VerifyFailed(BuildFailed):
    """`build --verify`: the build was published, but these outputs differ from a clean build."""


def error(path: str, line: int, message: str, col: int = 0) -> BuildError:
    return BuildError(Location(path, line, col), message)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
