"""cross -> bi: a bi-encoder learns the cross-encoder's labels with MSE on cosine
(sentence-transformers ``CosineSimilarityLoss``)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from transenc.labels import read_labels
from transenc.models import load_bi_encoder
from transenc.recipe import TrainSettings, _bi_defaults
from transenc.stages.train_cross import TrainResult
from transenc.training import fit, model_card, save_model, seed_everything

logger = logging.getLogger(__name__)


@dataclass
class TrainBiConfig:
    """Train the bi-encoder ``model`` on the labels in ``labels``."""

    model: str
    labels: Path
    output: Path
    settings: TrainSettings = field(default_factory=_bi_defaults)
    seed: int = 42
    show_progress: bool = False


def run(config: TrainBiConfig) -> TrainResult:
    from sentence_transformers import losses

    started = time.time()
    corpus = read_labels(config.labels)
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
        losses.CosineSimilarityLoss(model),
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
            "loss: MSE between cosine and label (CosineSimilarityLoss)",
            f"settings: {config.settings}",
            f"seed: {config.seed}",
        ],
    )
    save_model(model, config.output, card)
    return TrainResult(config.output, len(corpus), len(corpus), time.time() - started, loss)
