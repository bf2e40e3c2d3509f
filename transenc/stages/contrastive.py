"""Contrastive stage: unsupervised SimCSE turns an encoder into a bi-encoder.

Each distinct sentence of the corpus is paired with itself; the two dropout masks of the two
forward passes make the positive, the rest of the batch the negatives
(``MultipleNegativesRankingLoss``, whose default scale 20 is SimCSE's temperature 0.05).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from transenc.atomic import check_writable
from transenc.checkpoints import StageCheckpoints
from transenc.data.readers import resolve_corpus
from transenc.distributed import world_size
from transenc.lengths import resolved
from transenc.models import load_bi_encoder
from transenc.stages.declare import input_field, output_field, runtime_field
from transenc.train_settings import TrainSettings, contrastive_defaults
from transenc.training import fit, model_card, save_model, seed_everything


@dataclass
class ContrastiveConfig:
    """Train ``model`` on the distinct sentences of ``pairs``; save to ``output``."""

    model: str = input_field()
    pairs: str = input_field()
    output: Path = output_field()
    settings: TrainSettings = field(default_factory=contrastive_defaults)
    seed: int = 42
    data_dir: Path | None = None
    show_progress: bool = runtime_field(False)
    # where a cut-off run resumes mid-stage (set by the runner; None: no checkpoints)
    checkpoints: StageCheckpoints | None = runtime_field(None)

    def __post_init__(self) -> None:
        check_writable(self.output, "model folder")


@dataclass
class ContrastiveResult:
    output: Path
    sentences: int
    seconds: float
    train_loss: float
    length: str = ""  # with max_length "auto": what was chosen and what it covers


def run(config: ContrastiveConfig) -> ContrastiveResult:
    from sentence_transformers.sentence_transformer import losses

    started = time.time()
    sentences = resolve_corpus(str(config.pairs), config.data_dir).sentences
    seed_everything(config.seed)
    model = load_bi_encoder(config.model)
    settings, length_note = resolved(config.settings, model, sentences, pairs=False)
    loss = fit(
        model,
        {"anchor": sentences, "positive": sentences},
        # under torchrun each process holds 1/N of the batch: gather the others' embeddings so
        # the in-batch negatives are the whole batch, as in one process
        losses.MultipleNegativesRankingLoss(model, gather_across_devices=world_size() > 1),
        settings,
        config.seed,
        config.show_progress,
        checkpoints=config.checkpoints,
        batch_sampler="no_duplicates",
    ).loss
    card = model_card(
        "transenc contrastive bi-encoder",
        "SentenceTransformer",
        [
            f"start: `{config.model}`",
            f"unsupervised SimCSE on {len(sentences)} distinct sentences of `{config.pairs}`",
            f"settings: {settings}" + (f" ({length_note})" if length_note else ""),
            f"seed: {config.seed}",
        ],
    )
    save_model(model, config.output, card)
    return ContrastiveResult(
        config.output, len(sentences), time.time() - started, loss, length_note
    )
