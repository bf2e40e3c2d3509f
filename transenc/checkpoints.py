"""Mid-stage checkpoints: a training stage cut short resumes where it was, not from step 0.

While a training stage runs, the trainer saves its whole state (weights, optimizer, scheduler,
RNG states, the early-stopping count) every ``every_seconds`` into ``<stage>.checkpoints/``
beside the stage's manifest. A rerun of the same stage, same config and same inputs (the
stage's fingerprint, kept in that folder), hands the newest complete checkpoint to the
sentence-transformers trainer, which restores it and skips the batches already seen; a changed
stage, or ``--force-from``, throws the checkpoints away. The folder is removed when the stage
finishes. The resumed weights equal an uninterrupted run's (``tests/test_checkpoints.py``).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from transformers import TrainerCallback

from transenc.atomic import write_text_atomic
from transenc.distributed import is_main

DEFAULT_CHECKPOINT_MINUTES = 5.0
FINGERPRINT_FILE = "stage.json"
# the trainer writes its state last: a checkpoint folder without it was cut off mid-save
COMPLETE_MARK = "trainer_state.json"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


@dataclass(frozen=True)
class StageCheckpoints:
    """Where one stage keeps its checkpoints, and how often it saves one."""

    folder: Path
    every_seconds: float

    def prepare(self, fingerprint: str) -> int | None:
        """Keeps the checkpoints only if they belong to ``fingerprint`` (else removes them);
        returns the step of the newest complete one, or ``None``."""
        recorded = self.folder / FINGERPRINT_FILE
        if self.folder.exists() and (
            not recorded.is_file() or recorded.read_text(encoding="utf-8") != fingerprint
        ):
            self.clear()
        if is_main():
            self.folder.mkdir(parents=True, exist_ok=True)
            write_text_atomic(recorded, fingerprint)
        return self.newest_step()

    def newest_step(self) -> int | None:
        newest = self.newest()
        return None if newest is None else _step(newest)

    def newest(self) -> Path | None:
        """The newest complete checkpoint; incomplete ones (cut off mid-save) are removed."""
        found = sorted(
            (p for p in self.folder.glob("checkpoint-*") if _CHECKPOINT.match(p.name)), key=_step
        )
        for path in reversed(found):
            if (path / COMPLETE_MARK).is_file():
                return path
            if is_main():
                shutil.rmtree(path, ignore_errors=True)
        return None

    def clear(self) -> None:
        if is_main():
            shutil.rmtree(self.folder, ignore_errors=True)


def fingerprint_of(config: dict, inputs: dict[str, str]) -> str:
    """What makes a checkpoint reusable: the stage's recorded config and its inputs' sums."""
    return json.dumps({"config": config, "inputs": inputs}, sort_keys=True)


def _step(path: Path) -> int:
    return int(_CHECKPOINT.match(path.name).group(1))


class TimedSaves(TrainerCallback):
    """Asks the trainer to save a checkpoint once ``every_seconds`` have passed since the last
    one: a time budget bounds what an interrupt loses on slow and fast machines alike."""

    def __init__(self, every_seconds: float):
        self.every_seconds = every_seconds
        self.last = time.monotonic()

    def on_train_begin(self, args, state, control, **kwargs):
        self.last = time.monotonic()

    def on_step_end(self, args, state, control, **kwargs):
        if time.monotonic() - self.last >= self.every_seconds:
            control.should_save = True
        return control

    def on_save(self, args, state, control, **kwargs):
        self.last = time.monotonic()
