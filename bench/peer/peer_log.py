"""Figures out of the peer's own log (``src/self_distill.py`` and ``src/eval.py``).

Its lines are ``YYYY-mm-dd HH:MM:SS - message`` (often after a progress bar's carriage return);
stage times come from the messages that open and close each stage, so they have a resolution
of one second. Within the two training stages the peer evaluates on STS-B dev (every 200 steps
and each epoch); those evaluations are counted and timed, from the evaluator's opening line to
the line with its result, so that the training time can also be given without them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

LINE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) - (.*)")
CYCLE = re.compile(r"#+ cycle (\d+) starts #+")
DEV = re.compile(r"\*+ dev's spearman's rho: ([0-9.]+) \*+")
TEST_AVG = re.compile(r"\*+\s+test's avg spearman's rho: ([0-9.]+) \*+")
TASK_SCORES = re.compile(r"^\d+\.\d+( & \d+\.\d+)*$")
BEST = re.compile(r"Evaluate best (bi|cross)-encoder \(from cycle (\d+)\)")
EVAL_OPEN = re.compile(r"Evaluating the model on dev dataset")
EVAL_RESULT = ("Correlation:", "Cosine-Similarity")
STAGE_OPENERS = {
    "label-bi": "Label sentence pairs with bi-encoder",
    "train-cross": "Loading cross-encoder model",
    "label-cross": "Label sentence pairs with cross-encoder",
    "train-bi": "Loading bi-encoder model",
}


class PeerLogError(ValueError):
    """The log lacks a line the harness needs (the peer's run failed or its output changed)."""


@dataclass
class Cycle:
    number: int
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    dev_evaluations: dict[str, int] = field(default_factory=dict)
    dev_evaluation_seconds: dict[str, float] = field(default_factory=dict)
    dev_spearman: dict[str, float] = field(default_factory=dict)


@dataclass
class PeerRun:
    cycles: list[Cycle]
    best_paths: dict[str, str]  # bi/cross -> the folder of the best cycle's model
    test_averages: list[float]  # x100, in the order the log gives them


def _events(text: str) -> list[tuple[datetime, str]]:
    events = []
    for raw in text.replace("\r", "\n").splitlines():
        match = LINE.search(raw)
        if match:
            stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
            events.append((stamp, match.group(2).strip()))
    return events


def _stage_of(message: str) -> str | None:
    return next(
        (name for name, opener in STAGE_OPENERS.items() if message.startswith(opener)), None
    )


def parse_self_distill(text: str) -> PeerRun:
    """Cycles (stage seconds, dev evaluations, dev Spearman), best models, test averages."""
    events = _events(text)
    cycles: list[Cycle] = []
    best_paths: dict[str, str] = {}
    test_averages: list[float] = []
    stage, stage_start, cycle_start = None, None, None
    eval_start = None
    pending_best = None
    for stamp, message in events:
        if pending_best and message.startswith("output/"):
            best_paths[pending_best] = message
            pending_best = None
        if match := CYCLE.fullmatch(message):
            cycles.append(Cycle(int(match.group(1))))
            cycle_start, stage = stamp, None
            continue
        if match := BEST.search(message):
            pending_best = match.group(1)
        if match := TEST_AVG.search(message):
            test_averages.append(round(float(match.group(1)) * 100, 2))
        if not cycles or cycle_start is None:
            continue
        cycle = cycles[-1]
        opened = _stage_of(message)
        if opened:
            if stage in ("label-bi", "label-cross"):
                cycle.stages[stage] = (stamp - stage_start).total_seconds()
            stage, stage_start = opened, stamp
            continue
        if stage in ("train-cross", "train-bi"):
            if EVAL_OPEN.search(message):
                eval_start = stamp
                cycle.dev_evaluations[stage] = cycle.dev_evaluations.get(stage, 0) + 1
            elif eval_start is not None and message.startswith(EVAL_RESULT):
                seconds = (stamp - eval_start).total_seconds()
                cycle.dev_evaluation_seconds[stage] = (
                    cycle.dev_evaluation_seconds.get(stage, 0.0) + seconds
                )
                eval_start = None
            if match := DEV.search(message):
                kind = stage.removeprefix("train-")
                cycle.dev_spearman[kind] = round(float(match.group(1)) * 100, 2)
                cycle.stages[stage] = (stamp - stage_start).total_seconds()
                if stage == "train-bi":
                    cycle.seconds = (stamp - cycle_start).total_seconds()
                    cycle_start, stage = None, None
    _check_complete(cycles)
    return PeerRun(cycles, best_paths, test_averages)


def _check_complete(cycles: list[Cycle]) -> None:
    if not cycles:
        raise PeerLogError("no '##### cycle N starts #####' line: the peer's run did not start")
    for cycle in cycles:
        missing = [name for name in STAGE_OPENERS if name not in cycle.stages]
        if missing:
            raise PeerLogError(f"cycle {cycle.number} has no end for {', '.join(missing)}")


def parse_eval(text: str) -> list[float]:
    """The per-task Spearman x100 of one ``src/eval.py`` run (its ``a & b & ...`` line)."""
    rows = [message for _, message in _events(text) if TASK_SCORES.match(message)]
    if not rows:
        raise PeerLogError("no 'a & b & ...' line of task scores in the peer's eval log")
    return [float(value) for value in rows[-1].split(" & ")]
