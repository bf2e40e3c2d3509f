"""Label stage: score every pair with one or more models and write a pseudo-label file.

With several models (mutual distillation) their scores are averaged pair by pair into one file.
Bi-encoders give cosines (each distinct sentence encoded once); cross-encoders their output,
by default averaged over both pair orders.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from transenc.atomic import check_writable
from transenc.data.corpus import PairCorpus
from transenc.data.readers import resolve_corpus
from transenc.errors import TransencError
from transenc.labels import write_labels
from transenc.models import KINDS, detect_kind, load_bi_encoder, load_cross_encoder
from transenc.precision import PRECISIONS, choose
from transenc.scoring import bi_scores, cross_scores

logger = logging.getLogger(__name__)


@dataclass
class LabelConfig:
    """Score ``pairs`` with ``models`` (averaged) and write ``output``."""

    models: list[str]
    pairs: str
    output: Path
    kind: str = "auto"
    both_orders: bool = True
    batch_size: int = 64
    max_length: int | None = None
    precision: str = "fp32"
    data_dir: Path | None = None
    show_progress: bool = False

    def __post_init__(self) -> None:
        check_writable(self.output, "label file")
        if not self.models:
            raise TransencError("label: give at least one model")
        if self.kind not in KINDS:
            raise TransencError(f"unknown kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.precision not in PRECISIONS:
            raise TransencError(
                f"unknown precision {self.precision!r}; use one of {', '.join(PRECISIONS)}"
            )


@dataclass
class LabelResult:
    output: Path
    pairs: int
    kinds: list[str]
    seconds: float
    mean: float
    std: float
    agreement: float | None  # Spearman between the first two models' labels (mutual runs)
    precision: str = "fp32"  # what the precision setting resolved to on this machine, and why


def score_with(model_name: str, kind: str, corpus: PairCorpus, config: LabelConfig) -> np.ndarray:
    if kind == "bi":
        model = load_bi_encoder(model_name, config.max_length)
        return bi_scores(model, corpus, config.batch_size, config.show_progress, config.precision)
    model = load_cross_encoder(model_name, config.max_length)
    return cross_scores(
        model,
        corpus,
        config.both_orders,
        config.batch_size,
        config.show_progress,
        config.precision,
    )


def run(config: LabelConfig) -> LabelResult:
    started = time.time()
    corpus = resolve_corpus(str(config.pairs), config.data_dir)
    kinds = [detect_kind(m) if config.kind == "auto" else config.kind for m in config.models]
    per_model = [
        score_with(m, k, corpus, config) for m, k in zip(config.models, kinds, strict=True)
    ]
    scores = np.mean(per_model, axis=0)
    write_labels(corpus.with_scores(scores), config.output)
    agreement = None
    if len(per_model) > 1:
        agreement = float(spearmanr(per_model[0], per_model[1]).statistic)
    return LabelResult(
        config.output,
        len(corpus),
        kinds,
        time.time() - started,
        float(scores.mean()),
        float(scores.std()),
        agreement,
        choose(config.precision).note,
    )
