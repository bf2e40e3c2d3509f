"""cross -> late interaction: the first step of ERNIE-Search's cascade.

A late-interaction model (:mod:`transenc.late_interaction`; round 1 starts it from the run's
bi-encoder, later rounds continue from the previous round's) learns the cross-encoder's labels
through its symmetric mean MaxSim, with a ``late`` objective (:mod:`transenc.objectives`):
``maxsim-kl`` (listwise KL over each batch, as ERNIE-Search) or ``maxsim-mse``. Its own labels
(``label-late``) then teach the bi-encoder, alone or mixed with the cross-encoder's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from transenc import objectives
from transenc.atomic import check_writable
from transenc.labels import read_labels
from transenc.models import load_late_encoder
from transenc.precision import choose
from transenc.recipe import DEFAULT_LATE_LOSS, TrainSettings, _bi_defaults
from transenc.stages.declare import input_field, output_field, runtime_field
from transenc.stages.train_cross import TrainResult
from transenc.training import fit, model_card, save_model, seed_everything


@dataclass
class TrainLateConfig:
    """Train the late-interaction model ``model`` (or one built from the bi-encoder ``model``)
    on the labels in ``labels``."""

    model: str = input_field()
    labels: Path = input_field()
    output: Path = output_field()
    settings: TrainSettings = field(default_factory=_bi_defaults)
    seed: int = 42
    show_progress: bool = runtime_field(False)
    loss: str = DEFAULT_LATE_LOSS
    loss_params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_writable(self.output, "model folder")
        objective = objectives.get(self.loss, "late")
        objectives.parse_params(objective, self.loss_params, f"loss {self.loss}")


def run(config: TrainLateConfig) -> TrainResult:
    objective = objectives.get(config.loss, "late")
    params = objectives.parse_params(objective, config.loss_params, f"loss {config.loss}")
    started = time.time()
    corpus = read_labels(config.labels, objective.score_range, f"{config.loss} targets")
    columns = {
        "sentence1": corpus.sentence1,
        "sentence2": corpus.sentence2,
        "score": corpus.scores.tolist(),
    }
    seed_everything(config.seed)
    model = load_late_encoder(config.model)
    loss = fit(
        model,
        columns,
        objective.build(model, params),
        config.settings,
        config.seed,
        config.show_progress,
    )
    card = model_card(
        "transenc late-interaction encoder",
        "MultiVectorEncoder",
        [
            f"start: `{config.model}`",
            f"labels: `{config.labels}` ({len(corpus)} pairs, cross-encoder scores)",
            f"loss: {objective.description}; pairs scored by symmetric mean MaxSim",
            f"settings: {config.settings}",
            f"seed: {config.seed}",
        ],
    )
    save_model(model, config.output, card)
    return TrainResult(
        config.output,
        len(corpus),
        len(corpus),
        time.time() - started,
        loss,
        choose(config.settings.precision).note,
    )
