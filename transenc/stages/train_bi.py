"""cross -> bi: a bi-encoder learns the cross-encoder's labels through its cosine.

The objective is pluggable (:mod:`transenc.objectives`, side ``bi``): ``cosine-mse`` is the
published one (MSE between cosine and label); ``cosent`` only asks the cosines to rank each
batch's pairs as the labels do, so the bi-encoder is not pushed to reproduce the labels' scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from transenc import objectives
from transenc.atomic import check_writable
from transenc.checkpoints import StageCheckpoints
from transenc.errors import TransencError
from transenc.lengths import WHOLE
from transenc.models import load_bi_encoder, load_cross_encoder
from transenc.objectives import dual_reg, start_anchor
from transenc.recipe import DEFAULT_BI_LOSS
from transenc.stages.declare import added_field, input_field, output_field, runtime_field
from transenc.stages.learn_labels import Learner, TrainResult, learn_labels, pair_columns
from transenc.train_settings import TrainSettings, bi_defaults


@dataclass
class TrainBiConfig:
    """Train the bi-encoder ``model`` on the labels in ``labels``."""

    model: str = input_field()
    labels: Path = input_field()
    output: Path = output_field()
    settings: TrainSettings = field(default_factory=bi_defaults)
    seed: int = 42
    # the share of the pairs kept out of training, for held-back fidelity
    held_back: float = added_field(0.0)
    show_progress: bool = runtime_field(False)
    # where a cut-off run resumes mid-stage (set by the runner; None: no checkpoints)
    checkpoints: StageCheckpoints | None = runtime_field(None)
    loss: str = DEFAULT_BI_LOSS
    loss_params: dict = field(default_factory=dict)
    dual_reg: dict = field(default_factory=dict)
    # weight of the term keeping each sentence's embedding near the start model's (0: off)
    start_anchor: float = added_field(0.0)
    # the live cross-encoder, for objectives that need more than its labels (virt)
    teacher: str | None = input_field(None)

    def __post_init__(self) -> None:
        check_writable(self.output, "model folder")
        objective = objectives.get(self.loss, "bi")
        objectives.parse_params(objective, self.loss_params, f"loss {self.loss}")
        objectives.parse_dual_reg(self.dual_reg, "dual_reg")
        try:
            self.start_anchor = start_anchor.check(self.start_anchor, "start_anchor")
        except ValueError as error:
            raise TransencError(str(error)) from None
        if objective.needs == "teacher" and self.teacher is None:
            raise TransencError(f"loss {self.loss} needs the cross-encoder as --teacher")


def run(config: TrainBiConfig) -> TrainResult:
    objective = objectives.get(config.loss, "bi")
    params = objectives.parse_params(objective, config.loss_params, f"loss {config.loss}")
    regularise = objectives.parse_dual_reg(config.dual_reg, "dual_reg")
    # objectives that need the live cross-encoder (virt) get it loaded beside the student
    teacher = load_cross_encoder(config.teacher) if objective.needs == "teacher" else None
    learner = Learner(
        title="transenc bi-encoder",
        loader="SentenceTransformer",
        labels_are="cross-encoder scores",
        load=load_bi_encoder,
        columns=pair_columns,
        scores_as="bi",
        # its labels are whole sentences' cosines: a cut sentence taught one moves the rest
        length_coverage=WHOLE,
        loss=lambda model: start_anchor.wrap(
            dual_reg.wrap(objective.build(model, params, teacher), model, regularise),
            model,
            config.start_anchor,
        ),
        loss_note=objective.description
        + (f", with DualReg (weight {regularise.weight:g})" if regularise.weight else "")
        + (
            f", anchored to the start model (weight {config.start_anchor:g})"
            if config.start_anchor
            else ""
        ),
    )
    return learn_labels(config, learner, objective.score_range, f"{config.loss} targets")
