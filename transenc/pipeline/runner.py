"""The runner: walks stages in order, skipping finished ones, forcing from ``--force-from`` on.

A stage is named by its folder and leaf (``round-2`` + ``train-bi`` is ``round-2/train-bi``,
its manifest ``round-2/train-bi.manifest.json``) and belongs to a step of a round; from that
one reference the runner derives the stage's name, manifest path, seed and ``--force-from``
match. Under torchrun rank 0 decides what to skip, so every process runs the same stages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from transenc import distributed, interrupts
from transenc.checkpoints import StageCheckpoints, fingerprint_of
from transenc.errors import TransencError
from transenc.manifest import Stage
from transenc.pipeline import registry
from transenc.pipeline.report import stage_summary
from transenc.stages.declare import stage_for

# seeds: recipe seed + ROUND_SEED_STRIDE x round + the step's offset + model index
ROUND_SEED_STRIDE = 1000


class Runner:
    def __init__(self, config, say: Callable[[str], None]):
        self.config = config
        self.say = say
        self.forced = False
        self.force_ref = (
            registry.parse_stage_ref(config.force_from, config.recipe.rounds)
            if config.force_from
            else None
        )
        self.ran: list[str] = []
        self.skipped: list[str] = []
        self.seconds: dict[str, float] = {}  # wall time of every stage, this run or earlier

    # --- one step --------------------------------------------------------------------------

    def run_step(self, name: str, context, state) -> None:
        """Runs step ``name`` on ``state``; checks it found what it needs and gave what it
        declares (the registry and the steps cannot drift apart unnoticed)."""
        step = registry.get(name)
        missing = [n for n in step.needs_for(context.recipe) if not state.has(n)]
        if missing:
            raise TransencError(f"step {name}: needs {', '.join(missing)} from an earlier step")
        step.run(context, state)
        if step.phase != "round":
            return
        lacking = [n for n in step.gives if not state.has(n)]
        if lacking:
            raise TransencError(f"step {name} declares {', '.join(lacking)} but gave none")

    def seed(self, step: str, number: int, k: int = 0) -> int:
        """The one seed rule: every stage's seed from the recipe's, its round, step and model."""
        offset = registry.get(step).seed_offset
        return self.config.recipe.seed + ROUND_SEED_STRIDE * number + offset + k

    # --- one stage -------------------------------------------------------------------------

    def run_stage(self, step: str, number: int, folder: Path, leaf: str, module, config) -> dict:
        """Runs ``module.run(config)`` as a resumable stage ``folder.name/leaf`` of ``step``,
        its manifest built from the config's declaration (:mod:`transenc.stages.declare`)."""
        stage = stage_for(config, f"{folder.name}/{leaf}", folder / f"{leaf}.manifest.json")
        checkpoints = None
        minutes = self.config.checkpoint_minutes
        if hasattr(config, "checkpoints") and minutes > 0:  # a training stage
            checkpoints = StageCheckpoints(folder / f"{leaf}.checkpoints", minutes * 60)
            config.checkpoints = checkpoints
        return self.step(stage, number, step, lambda: _metrics(module.run(config)), checkpoints)

    def step(
        self,
        stage: Stage,
        number: int,
        kind: str,
        work: Callable[[], dict],
        checkpoints: StageCheckpoints | None = None,
    ) -> dict:
        if self.force_ref == (number, kind):
            self.forced = True
        problem = distributed.from_main(
            ("forced" if self.forced else stage.problem()) if distributed.is_main() else None
        )
        if problem is None:
            if checkpoints is not None:
                checkpoints.clear()
            self.skipped.append(stage.name)
            self.say(f"[skip] {stage.name}: done earlier")
            self.seconds[stage.name] = stage.recorded_seconds()
            return stage.recorded_metrics()
        started = time.time()
        try:  # from here on an interrupt names this stage
            resumed_at = self._resumable(stage, checkpoints)
            if resumed_at is not None:
                self.say(f"[resume] {stage.name}: from its checkpoint at step {resumed_at}")
            elif problem != "not run yet":
                self.say(f"[redo] {stage.name}: {problem}")
            else:  # a stage can run for an hour: say what is running before it starts
                self.say(f"[start] {stage.name}")
            metrics = work()
        except KeyboardInterrupt as err:  # Ctrl-C or SIGTERM: the line names this stage
            saved = checkpoints.newest_step() if checkpoints is not None else None
            interrupts.mark(err, stage.name, saved)
            raise
        if distributed.is_main():
            self.seconds[stage.name] = stage.record(started, metrics)["seconds"]
        if checkpoints is not None:  # the stage is on disk whole: its checkpoints are spent
            checkpoints.clear()
        distributed.barrier()  # the next stage may read what rank 0 has just written
        self.ran.append(stage.name)
        self.say(f"[done] {stage.name} in {time.time() - started:.0f}s: {stage_summary(metrics)}")
        return metrics

    def _resumable(self, stage: Stage, checkpoints: StageCheckpoints | None) -> int | None:
        """The step a training stage resumes from: its newest checkpoint written under the
        same config and inputs, unless this run redoes it from scratch."""
        if checkpoints is None:
            return None
        if self.forced:
            checkpoints.clear()
            return None
        fingerprint = fingerprint_of(stage.recorded_config(), stage.input_checksums())
        # rank 0 keeps or removes them; the broadcast holds the others until it has
        return distributed.from_main(
            checkpoints.prepare(fingerprint) if distributed.is_main() else None
        )


def _metrics(result) -> dict:
    """A stage result's numbers, notes and per-source numbers (paths and lists dropped) for its
    manifest."""
    kept = {}
    for key, value in vars(result).items():
        if isinstance(value, float):
            kept[key] = round(value, 4)
        elif isinstance(value, (int, str)):
            kept[key] = value
        elif isinstance(value, dict) and value:
            kept[key] = value
    return kept
