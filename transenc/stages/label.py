"""Label stage: score every pair with one or more models and write a pseudo-label file.

Bi-encoders give cosines (each distinct sentence encoded once); cross-encoders their output,
by default averaged over both pair orders. With several sources (models, and label files of
frozen teachers given as ``extra_labels``) their scores are combined pair by pair with the
``weights`` rule (:func:`transenc.labels.source_weights`), and each source's own labels are
written beside the combined file (``bi_labels.bi-1.tsv``, ...) so a user can see what each said.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from transenc.atomic import check_writable
from transenc.data.corpus import PairCorpus
from transenc.data.readers import resolve_corpus
from transenc.errors import TransencError
from transenc.labels import combine_labels, read_labels, source_weights, write_labels
from transenc.models import KINDS, detect_kind, load_bi_encoder, load_cross_encoder
from transenc.precision import PRECISIONS, choose
from transenc.scoring import bi_scores, cross_scores
from transenc.stages.declare import input_field, output_field, runtime_field


@dataclass
class LabelConfig:
    """Score ``pairs`` with ``models`` (combined with ``extra_labels``) and write ``output``.

    ``source_names`` names the models' own label files (default ``model-1``, ...); the extra
    label files are named by their keys."""

    models: list[str] = input_field()
    pairs: str = input_field()
    output: Path = output_field()
    kind: str = "auto"
    both_orders: bool = True
    batch_size: int = 64
    precision: str = "fp32"
    data_dir: Path | None = None
    show_progress: bool = runtime_field(False)
    extra_labels: dict[str, Path] = input_field(default_factory=dict)
    weights: str | list[float] = "equal"
    source_names: list[str] | None = None

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
        if self.source_names is not None and len(self.source_names) != len(self.models):
            raise TransencError("label: one source name per model")

    def names(self) -> list[str]:
        own = self.source_names or [f"model-{k + 1}" for k in range(len(self.models))]
        return [*own, *self.extra_labels]

    def extra_outputs(self) -> dict[str, Path]:
        """Each source's own labels beside the combined file, when there is more than one."""
        names = self.names()
        if len(names) < 2:
            return {}
        out = self.output
        return {name: out.with_name(f"{out.stem}.{name}{out.suffix}") for name in names}


@dataclass
class LabelResult:
    output: Path
    pairs: int
    kinds: list[str]
    seconds: float
    mean: float
    std: float
    agreement: float | None  # Spearman between the first two sources' labels
    precision: str = "fp32"  # what the precision setting resolved to on this machine, and why
    weights: dict[str, float] = field(default_factory=dict)  # per source, when several


def score_with(model_name: str, kind: str, corpus: PairCorpus, config: LabelConfig) -> np.ndarray:
    if kind == "bi":
        model = load_bi_encoder(model_name)
        return bi_scores(model, corpus, config.batch_size, config.show_progress, config.precision)
    model = load_cross_encoder(model_name)
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
    sources = [
        corpus.with_scores(score_with(m, k, corpus, config))
        for m, k in zip(config.models, kinds, strict=True)
    ]
    sources += [read_labels(path) for path in config.extra_labels.values()]
    weights = source_weights([s.scores for s in sources], config.weights)
    combined = combine_labels(sources, weights)
    for (_, path), source in zip(config.extra_outputs().items(), sources, strict=False):
        write_labels(source, path)
    write_labels(combined, config.output)
    agreement = None
    if len(sources) > 1:
        agreement = float(spearmanr(sources[0].scores, sources[1].scores).statistic)
    return LabelResult(
        config.output,
        len(corpus),
        kinds,
        time.time() - started,
        float(combined.scores.mean()),
        float(combined.scores.std()),
        agreement,
        choose(config.precision).note,
        dict(zip(config.names(), np.round(weights, 4).tolist(), strict=True))
        if len(sources) > 1
        else {},
    )
