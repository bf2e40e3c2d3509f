"""bi -> cross: a cross-encoder learns the bi-encoder's cosine labels with binary cross-entropy.

Cosines become soft targets in [0, 1] through an explicit, recorded map (``clip`` or ``minmax``,
see :func:`transenc.labels.cosine_to_target`). Each pair is trained in both orders, so the
cross-encoder does not learn an order the labels do not have.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from transenc import objectives
from transenc.atomic import check_writable
from transenc.errors import TransencError
from transenc.labels import cosine_to_target, read_labels
from transenc.models import load_cross_encoder
from transenc.precision import choose
from transenc.recipe import LABEL_MAPS, TrainSettings, _cross_defaults
from transenc.stages.declare import input_field, output_field, runtime_field
from transenc.training import fit, model_card, save_model, seed_everything

CROSS_LOSS = "bce"


@dataclass
class TrainCrossConfig:
    """Train a cross-encoder starting at ``model`` on the labels in ``labels``."""

    model: str = input_field()
    labels: Path = input_field()
    output: Path = output_field()
    label_map: str = "clip"
    both_orders: bool = True
    settings: TrainSettings = field(default_factory=_cross_defaults)
    seed: int = 42
    show_progress: bool = runtime_field(False)

    def __post_init__(self) -> None:
        check_writable(self.output, "model folder")
        if self.label_map not in LABEL_MAPS:
            raise TransencError(
                f"unknown label map {self.label_map!r}; use {', '.join(LABEL_MAPS)}"
            )


@dataclass
class TrainResult:
    output: Path
    pairs: int
    examples: int
    seconds: float
    train_loss: float
    precision: str = "fp32"  # what the settings' precision resolved to here, and why


def run(config: TrainCrossConfig) -> TrainResult:
    objective = objectives.get(CROSS_LOSS, "cross")
    started = time.time()
    # clip maps cosines to [0, 1]; a score no cosine can have is a wrong file, not a target
    corpus = read_labels(
        config.labels,
        objective.score_range if config.label_map == "clip" else None,
        "cross-encoder labels are bi-encoder cosines",
    )
    targets = cosine_to_target(corpus.scores, config.label_map).tolist()
    first, second = corpus.sentence1, corpus.sentence2
    if config.both_orders:
        first, second, targets = first + second, second + first, targets + targets
    seed_everything(config.seed)  # the fresh head's initial weights depend on it
    model = load_cross_encoder(config.model)
    loss = fit(
        model,
        {"sentence1": first, "sentence2": second, "label": targets},
        objective.build(model, objective.params()),
        config.settings,
        config.seed,
        config.show_progress,
    )
    card = model_card(
        "transenc cross-encoder",
        "CrossEncoder",
        [
            f"start: `{config.model}`",
            f"labels: `{config.labels}` ({len(corpus)} pairs, bi-encoder cosines)",
            f"loss: {objective.description} (label map `{config.label_map}`), "
            f"{'both pair orders' if config.both_orders else 'one pair order'}",
            f"settings: {config.settings}",
            f"seed: {config.seed}",
        ],
    )
    save_model(model, config.output, card)
    return TrainResult(
        config.output,
        len(corpus),
        len(targets),
        time.time() - started,
        loss,
        choose(config.settings.precision).note,
    )
