"""cross -> bi: a bi-encoder learns the cross-encoder's labels with MSE on cosine
(sentence-transformers ``CosineSimilarityLoss``)."""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from transenc.labels import read_labels
from transenc.models import load_bi_encoder
from transenc.recipe import TrainSettings, _bi_defaults
from transenc.stages.train_cross import TrainResult
from transenc.training import (
    model_card,
    quiet,
    save_model,
    seed_everything,
    training_arguments,
    truncated_to,
)

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
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        losses,
    )

    started = time.time()
    corpus = read_labels(config.labels)
    dataset = Dataset.from_dict(
        {
            "sentence1": corpus.sentence1,
            "sentence2": corpus.sentence2,
            "score": corpus.scores.tolist(),
        }
    )
    seed_everything(config.seed)
    model = load_bi_encoder(config.model)
    with (
        truncated_to(model, config.settings.max_length),
        tempfile.TemporaryDirectory(prefix="transenc-bi-") as workdir,
    ):
        args = training_arguments(
            SentenceTransformerTrainingArguments,
            config.settings,
            config.seed,
            Path(workdir),
            config.show_progress,
        )
        trainer = SentenceTransformerTrainer(
            model=model, args=args, train_dataset=dataset, loss=losses.CosineSimilarityLoss(model)
        )
        loss = quiet(trainer, config.show_progress).train().training_loss
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
    return TrainResult(config.output, len(corpus), len(dataset), time.time() - started, loss)
