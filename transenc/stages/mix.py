"""Mix stage: the bi-encoder's targets as ``cross_weight`` x cross-encoder score +
(1 - ``cross_weight``) x the round's bi-encoder labels, pair by pair (recipe key
``cross_label_weight``; the bi-encoder's own view regularises what it learns)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from transenc.atomic import check_writable
from transenc.errors import TransencError
from transenc.labels import mix_labels, read_labels, write_labels
from transenc.stages.declare import input_field, output_field

SCORE_RANGE = (-1.0, 1.0)


@dataclass
class MixConfig:
    cross: Path = input_field()
    bi: Path = input_field()
    output: Path = output_field()
    cross_weight: float = 1.0

    def __post_init__(self) -> None:
        check_writable(self.output, "label file")
        if not 0 <= self.cross_weight <= 1:
            raise TransencError("the cross weight must be in [0, 1]")


@dataclass
class MixResult:
    output: Path
    pairs: int
    mean: float
    seconds: float


def run(config: MixConfig) -> MixResult:
    started = time.time()
    # both are cosines or scores in [-1, 1] (sigmoid outputs in [0, 1]); a score outside is a
    # wrong file, and mixing it would write targets no cosine can reach
    cross = read_labels(config.cross, SCORE_RANGE, "mixed labels are scores in [-1, 1]")
    bi = read_labels(config.bi, SCORE_RANGE, "mixed labels are scores in [-1, 1]")
    mixed = mix_labels(cross, bi, config.cross_weight)
    write_labels(mixed, config.output)
    return MixResult(config.output, len(mixed), float(mixed.scores.mean()), time.time() - started)
