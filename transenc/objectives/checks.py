"""Checks the objectives' parameter dataclasses share: each raises ``ValueError`` with the
parameter's name, which the registry turns into a one-line recipe error."""

from __future__ import annotations

import math


def positive_number(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, not {value!r}")
    if not (0 < value < math.inf):
        raise ValueError(f"{name} must be positive and finite, not {value!r}")


def list_size(value) -> None:
    """Candidates per list: a whole number, 2 or more (one candidate ranks nothing)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"list_size must be a whole number, not {value!r}")
    if value < 2:
        raise ValueError(f"list_size must be 2 or more, not {value}")
