"""cross -> late interaction: the first step of ERNIE-Search's cascade.

A late-interaction model (:mod:`transenc.late_interaction`; round 1 starts it from the run's
bi-encoder, later rounds continue from the previous round's) learns the cross-encoder's labels
through its symmetric mean MaxSim, with a ``late`` objective (:mod:`transenc.objectives`):
``maxsim-kl`` (listwise KL over each batch, as ERNIE-Search) or ``maxsim-mse``. Its own labels
(``label-late``) then teach the bi-encoder, alone or mixed with the cross-encoder's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from transenc import objectives
from transenc.atomic import check_writable
from transenc.checkpoints import StageCheckpoints
from transenc.models import load_late_encoder
from transenc.recipe import DEFAULT_LATE_LOSS
from transenc.stages.declare import added_field, input_field, output_field, runtime_field
from transenc.stages.learn_labels import Learner, TrainResult, learn_labels, pair_columns
from transenc.train_settings import TrainSettings, late_defaults


@dataclass
class TrainLateConfig:
    """Train the late-interaction model ``model`` (or one built from the bi-encoder ``model``)
    on the labels in ``labels``."""

    model: str = input_field()
    labels: Path = input_field()
    output: Path = output_field()
    settings: TrainSettings = field(default_factory=late_defaults)
    seed: int = 42
    # the share of the pairs kept out of training, for held-back fidelity
    held_back: float = added_field(0.0)
    show_progress: bool = runtime_field(False)
    # where a cut-off run resumes mid-stage (set by the runner; None: no checkpoints)
    checkpoints: StageCheckpoints | None = runtime_field(None)
    loss: str = DEFAULT_LATE_LOSS
    loss_params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_writable(self.output, "model folder")
        objective = objectives.get(self.loss, "late")
        objectives.parse_params(objective, self.loss_params, f"loss {self.loss}")


def run(config: TrainLateConfig) -> TrainResult:
    objective = objectives.get(config.loss, "late")
    params = objectives.parse_params(objective, config.loss_params, f"loss {config.loss}")
    learner = Learner(
        title="transenc late-interaction encoder",
        loader="MultiVectorEncoder",
        labels_are="cross-encoder scores",
        load=load_late_encoder,
        columns=pair_columns,
        scores_as="late",
        loss=lambda model: objective.build(model, params),
        loss_note=f"{objective.description}; pairs scored by symmetric mean MaxSim",
    )
    return learn_labels(config, learner, objective.score_range, f"{config.loss} targets")
