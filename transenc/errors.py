"""Errors that the CLI turns into one-line messages and exit status 2 (no traceback)."""

from __future__ import annotations

from pathlib import Path


class TransencError(Exception):
    """A problem with the user's input that they can fix; printed as one line by the CLI."""


class DataError(TransencError):
    """A malformed data file: names the file, the line (1-based, if known) and the problem."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")
