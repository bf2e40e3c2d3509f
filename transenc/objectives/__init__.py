"""Training objectives, one module each, in one registry.

An objective says which model it trains (``side``: ``bi``, ``cross`` or ``late``), what it needs
(``labels``: the pseudo-label file only; ``teacher``: the live teacher model as well), the score
range its targets must lie in (a file outside it is refused with the line), whether it reads
candidate lists rather than pairs (``listwise``), its parameters
(a dataclass validated from the recipe) and how to build the sentence-transformers loss.
Recipes and stages look objectives up here by name; nothing here imports the recipe module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from transenc.errors import TransencError
from transenc.objectives import (
    bce,
    cosent,
    cosine_mse,
    dual_reg,
    kl_inbatch,
    kl_listwise,
    lambdaloss,
    listnet,
    maxsim_kl,
    maxsim_mse,
    virt,
)


@dataclass(frozen=True)
class Objective:
    name: str
    side: str  # "bi", "cross" or "late"
    needs: str  # "labels" or "teacher"
    description: str  # for model cards
    params: type  # a dataclass of the objective's parameters
    build: Callable[..., Any]  # build(model, params, teacher=None) -> a loss module
    score_range: tuple[float, float] | None = None
    listwise: bool = False  # trains on each sentence's candidate list, not on single pairs


OBJECTIVES: dict[str, Objective] = {}


def register(module) -> Objective:
    """Adds the objective a module declares (``NAME``, ``SIDE``, ``NEEDS``, ``DESCRIPTION``,
    ``Params``, ``build``, optionally ``SCORE_RANGE`` and ``LISTWISE``): a new objective is one
    module and this call. Recipes, stages and help texts list objectives from here."""
    objective = Objective(
        module.NAME,
        module.SIDE,
        module.NEEDS,
        module.DESCRIPTION,
        module.Params,
        module.build,
        getattr(module, "SCORE_RANGE", None),
        getattr(module, "LISTWISE", False),
    )
    OBJECTIVES[objective.name] = objective
    return objective


for _module in (
    cosine_mse,
    cosent,
    kl_listwise,
    kl_inbatch,
    virt,
    bce,
    listnet,
    lambdaloss,
    maxsim_kl,
    maxsim_mse,
):
    register(_module)


def names(side: str) -> list[str]:
    return [name for name, objective in OBJECTIVES.items() if objective.side == side]


def get(name: str, side: str) -> Objective:
    if name not in OBJECTIVES or OBJECTIVES[name].side != side:
        raise TransencError(
            f"{side}-encoder loss {name!r} unknown; use one of {', '.join(names(side))}"
        )
    return OBJECTIVES[name]


def parse_params(objective: Objective, values: dict, where: str) -> Any:
    """The objective's parameters from a recipe table, every key known and of the right type."""
    return _parse(objective.params, values, where, f"loss {objective.name!r}")


def parse_dual_reg(values: dict, where: str) -> dual_reg.Params:
    """DualReg's parameters (``weight`` 0 = off, ``temperature``) from a recipe table."""
    return _parse(dual_reg.Params, values, where, "dual_reg")


def _parse(params_class: type, values: dict, where: str, what: str) -> Any:
    if not isinstance(values, dict):
        raise TransencError(f"{where} must be a table")
    known = [f.name for f in fields(params_class)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise TransencError(
            f"{where}: unknown parameter(s) {', '.join(unknown)} for {what}"
            + (f"; it takes {', '.join(known)}" if known else "; it takes none")
        )
    try:
        return params_class(**values)
    except (TypeError, ValueError) as err:
        raise TransencError(f"{where}: {err}") from None
