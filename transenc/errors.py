"""Errors that the CLI turns into one-line messages and exit status 2 (no traceback)."""

from __future__ import annotations

from pathlib import Path

# quoted input in a message is cut to this many characters: a 1 MB line is no message
QUOTE_LIMIT = 60
# and a message's problem part to this many (a path and line number stay whole)
PROBLEM_LIMIT = 300


def quoted(value, limit: int = QUOTE_LIMIT) -> str:
    """``value`` as a message quotes it: ``'text'``, cut to ``limit`` characters with the
    length said; numbers as plain numbers (``inf``, not ``np.float64(inf)``)."""
    if hasattr(value, "item") and not isinstance(value, str):  # a NumPy scalar
        value = value.item()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    return f"'{text}'"


def shorten(text: str, limit: int = PROBLEM_LIMIT) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class TransencError(Exception):
    """A problem with the user's input that they can fix; printed as one line by the CLI."""


class DataError(TransencError):
    """A malformed data file: names the file, the line (1-based, if known) and the problem."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem = shorten(problem)
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")
