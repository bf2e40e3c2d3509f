"""cross -> bi: a bi-encoder learns the cross-encoder's labels through its cosine.

The objective is pluggable (``BI_LOSSES``): ``cosine-mse`` is the published one (MSE between
cosine and label, sentence-transformers ``CosineSimilarityLoss``); ``cosent`` only asks the
cosines to rank each batch's pairs as the labels do (``CoSENTLoss``), so the bi-encoder is not
pushed to reproduce the labels' scale."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from transenc.atomic import check_writable
from transenc.errors import TransencError
from transenc.labels import COSINE_RANGE, read_labels
from transenc.models import load_bi_encoder
from transenc.precision import choose
from transenc.recipe import DEFAULT_BI_LOSS, TrainSettings, _bi_defaults
from transenc.stages.train_cross import TrainResult
from transenc.training import fit, model_card, save_model, seed_everything

logger = logging.getLogger(__name__)

# name -> (sentence-transformers loss class name, what the model card says)
BI_LOSSES: dict[str, tuple[str, str]] = {
    "cosine-mse": ("CosineSimilarityLoss", "MSE between cosine and label (CosineSimilarityLoss)"),
    "cosent": ("CoSENTLoss", "pairwise ranking of cosines by label within a batch (CoSENTLoss)"),
}


@dataclass
class TrainBiConfig:
    """Train the bi-encoder ``model`` on the labels in ``labels``."""

    model: str
    labels: Path
    output: Path
    settings: TrainSettings = field(default_factory=_bi_defaults)
    seed: int = 42
    show_progress: bool = False
    loss: str = DEFAULT_BI_LOSS

    def __post_init__(self) -> None:
        check_writable(self.output, "model folder")
        if self.loss not in BI_LOSSES:
            raise TransencError(
                f"bi-encoder loss {self.loss!r} unknown; use one of {', '.join(BI_LOSSES)}"
            )


def run(config: TrainBiConfig) -> TrainResult:
    from sentence_transformers.sentence_transformer import losses

    loss_class, loss_description = BI_LOSSES[config.loss]
    started = time.time()
    # MSE on cosine needs targets a cosine can reach; CoSENT only ranks, any scale will do
    corpus = read_labels(
        config.labels,
        COSINE_RANGE if config.loss == "cosine-mse" else None,
        "cosine-mse targets are cosines",
    )
    columns = {
        "sentence1": corpus.sentence1,
        "sentence2": corpus.sentence2,
        "score": corpus.scores.tolist(),
    }
    seed_everything(config.seed)
    model = load_bi_encoder(config.model)
    loss = fit(
        model,
        columns,
        getattr(losses, loss_class)(model),
        config.settings,
        config.seed,
        config.show_progress,
    )
    card = model_card(
        "transenc bi-encoder",
        "SentenceTransformer",
        [
            f"start: `{config.model}`",
            f"labels: `{config.labels}` ({len(corpus)} pairs, cross-encoder scores)",
            f"loss: {loss_description}",
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
