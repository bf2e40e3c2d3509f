"""The step registry: every step of a bootstrap run, declared once.

A step has a name (what a recipe's ``[round] steps`` and ``--force-from`` call it), a phase
(``before``: before the corpus is read, such as mining it from sentences; ``start``: once
before round 1; ``round``: a recipe may put it in a round; ``after``: closes
every round), what it needs from earlier steps and what it gives (names of
:class:`~transenc.pipeline.state.RunState` fields), the offset its seeds take (see
:meth:`~transenc.pipeline.runner.Runner.seed`) and the function that does it. The recipe's
round check and the runner's stage references are derived from here, and the runner checks on
every run that a step really gives what it declares.

Adding a step is a module with a stage (config + ``run``) and one :func:`register` call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transenc.errors import TransencError

PHASES = ("before", "start", "round", "after")


@dataclass(frozen=True)
class Step:
    name: str
    phase: str
    run: Callable  # run(context, state) -> None
    needs: tuple[str, ...] = ()
    gives: tuple[str, ...] = ()
    seed_offset: int = 0
    # needs added when a recipe asks for them (train-bi with a live-teacher objective)
    extra_needs: Callable | None = None  # extra_needs(recipe) -> tuple[str, ...]

    def needs_for(self, recipe=None) -> tuple[str, ...]:
        extra = self.extra_needs(recipe) if self.extra_needs and recipe is not None else ()
        return (*self.needs, *extra)


STEPS: dict[str, Step] = {}


def register(step: Step) -> Step:
    """Adds ``step`` to the registry (a name registered twice is replaced)."""
    if step.phase not in PHASES:
        raise ValueError(f"step {step.name}: phase must be one of {', '.join(PHASES)}")
    STEPS[step.name] = step
    return step


def _loaded() -> dict[str, Step]:
    # the shipped steps register themselves on import; import late, since they import the
    # stages, which import the recipe, which checks its round against this registry
    from transenc.pipeline import steps  # noqa: F401

    return STEPS


def get(name: str) -> Step:
    return _loaded()[name]


def names(phase: str) -> list[str]:
    return [name for name, step in _loaded().items() if step.phase == phase]


def check_round_steps(steps, recipe=None, where: str = "recipe") -> None:
    """Every step a known round step, and each finds what it needs from the steps before it."""
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
        raise TransencError(f"{where} round_steps must be a list of step names")
    have: set[str] = set()
    known = names("round")
    for name in steps:
        if name not in known:
            raise TransencError(
                f"{where} round_steps: unknown step {name!r}; steps are {', '.join(known)}"
            )
        step = get(name)
        missing = [n for n in step.needs_for(recipe) if n not in have]
        if missing:
            raise TransencError(
                f"{where} round_steps: {name} needs {', '.join(missing)} from an earlier step"
            )
        have.update(step.gives)
    if "bis" not in have:
        raise TransencError(f"{where} round_steps: a round must end with a train-bi step")


def check_recipe(recipe) -> None:
    """A recipe's round against the registry: every step known, each finding what it needs
    (train-bi also the round's cross-encoders when the recipe's objective needs the live
    teacher). The recipe itself knows nothing of the pipeline; the pipeline checks it."""
    where = "recipe" if recipe.name in ("published", "") else f"recipe {recipe.name}"
    check_round_steps(recipe.round_steps, recipe, where)


def stage_kinds() -> list[str]:
    """What ``--force-from`` may name: the start steps, then round-N/ steps."""
    return [*names("before"), *names("start"), *names("round"), *names("after")]


def parse_stage_ref(ref: str, rounds: int) -> tuple[int, str]:
    """``round-2/train-bi`` -> (2, 'train-bi'); ``train-cross`` -> (1, ...);
    ``contrastive`` -> (0, 'contrastive')."""
    round_part, _, kind = ref.rpartition("/")
    start = [*names("before"), *names("start")]
    number = 0 if kind in start else 1
    if round_part:
        if not round_part.startswith("round-") or not round_part[6:].isdigit():
            raise TransencError(f"--force-from {ref!r}: expected round-N/STAGE")
        number = int(round_part[6:])
    lowest = 0 if kind in start else 1
    if kind not in stage_kinds() or not lowest <= number <= rounds:
        later = [k for k in stage_kinds() if k not in start]
        raise TransencError(
            f"--force-from {ref!r} unknown; stages are {', '.join(start)} and "
            f"round-N/{{{','.join(later)}}} with N in 1..{rounds}"
        )
    return number, kind
