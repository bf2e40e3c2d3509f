"""Label stage: score every pair with one or more models and write a pseudo-label file.

Bi-encoders give cosines (each distinct sentence encoded once); cross-encoders their output,
by default averaged over both pair orders. With several sources (models, and label files of
frozen teachers given as ``extra_labels``) their scores are combined pair by pair with the
``weights`` rule (:func:`transenc.labels.source_weights`), and each source's own labels are
written beside the combined file (``bi_labels.bi-1.tsv``, ...) so a user can see what each said.

A corpus file is read and labelled in chunks of ``chunk_pairs`` pairs, each appended to the
label files as it is scored: memory holds one chunk, the bi-encoder's bounded cache of sentence
embeddings (:mod:`transenc.embedding_cache`) and 8 bytes per pair and source (the scores, kept
for the weights and summary). The files appear complete at the end; a run killed midway
labels the corpus again from the start (the stage is redone whole).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from transenc.atomic import check_writable
from transenc.data.corpus import PairCorpus
from transenc.data.readers import DEFAULT_CHUNK_PAIRS, read_pair_chunks, resolve_corpus
from transenc.embedding_cache import DEFAULT_CACHE_SENTENCES, EmbeddingCache
from transenc.errors import DataError, TransencError
from transenc.labels import label_writer, rank_agreement, read_label_chunks, source_weights
from transenc.models import KINDS, detect_kind, load_model
from transenc.precision import PRECISIONS, choose
from transenc.scoring import scores_of
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
    # how the work is split, not what it computes (scores agree within float rounding)
    chunk_pairs: int = runtime_field(DEFAULT_CHUNK_PAIRS)
    cache_sentences: int = runtime_field(DEFAULT_CACHE_SENTENCES)

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
        if self.chunk_pairs < 1 or self.cache_sentences < 0:
            raise TransencError("label: chunk_pairs must be 1 or more, cache_sentences 0 or more")

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


def corpus_chunks(config: LabelConfig) -> Callable[[], Iterator[PairCorpus]]:
    """A way to read the corpus chunk by chunk, as many times as needed: a file is streamed;
    a named corpus (built in memory anyway) is one chunk."""
    path = Path(str(config.pairs))
    if path.is_file():
        return lambda: read_pair_chunks(path, config.chunk_pairs)
    corpus = resolve_corpus(str(config.pairs), config.data_dir)
    return lambda: iter([corpus])


def scorer(model_name: str, kind: str, config: LabelConfig) -> Callable[[PairCorpus], np.ndarray]:
    """Scores of one model for a chunk of pairs; a bi-encoder keeps its embeddings of
    sentences seen in earlier chunks (up to ``cache_sentences``)."""
    model = load_model(model_name, kind)
    cache = EmbeddingCache(config.cache_sentences) if kind == "bi" else None
    return lambda chunk: scores_of(
        model,
        kind,
        chunk,
        config.batch_size,
        config.show_progress,
        config.precision,
        config.both_orders,
        cache,
    )


def run(config: LabelConfig) -> LabelResult:
    started = time.time()
    chunks = corpus_chunks(config)
    pairs = sum(len(chunk) for chunk in chunks())
    kinds = [detect_kind(m) if config.kind == "auto" else config.kind for m in config.models]
    names = config.names()
    own_files = config.extra_outputs() or {names[0]: config.output}
    # pass 1: each source's scores, chunk by chunk, into its own file; the frozen teachers'
    # first, so that a label file that does not fit the corpus stops the stage at once
    teacher_scores = {
        name: _teacher_scores(path, chunks(), pairs, config, own_files[name])
        for name, path in config.extra_labels.items()
    }
    scores: dict[str, np.ndarray] = {}
    for name, model, kind in zip(names, config.models, kinds, strict=False):
        score = scorer(model, kind, config)
        parts = []
        with label_writer(own_files[name], pairs) as append:
            for chunk in chunks():
                parts.append(score(chunk))
                append(chunk.with_scores(parts[-1]))
        scores[name] = np.concatenate(parts)
    scores.update(teacher_scores)
    # pass 2: the weighted combination, when there is more than one source
    weights = source_weights(list(scores.values()), config.weights)
    combined = np.sum([w * s for w, s in zip(weights, scores.values(), strict=True)], axis=0)
    if len(scores) > 1:
        with label_writer(config.output, pairs) as append:
            done = 0
            for chunk in chunks():
                append(chunk.with_scores(combined[done : done + len(chunk)]))
                done += len(chunk)
    first, *others = scores.values()
    agreement = rank_agreement(first, others[0]) if others else None
    return LabelResult(
        config.output,
        pairs,
        kinds,
        time.time() - started,
        float(combined.mean()),
        float(combined.std()),
        agreement,
        choose(config.precision).note,
        dict(zip(names, np.round(weights, 4).tolist(), strict=True)) if len(scores) > 1 else {},
    )


def _teacher_scores(path: Path, chunks, pairs: int, config: LabelConfig, copy_to: Path):
    """A frozen teacher's scores from its label file, read in step with the corpus chunks (its
    pairs must be the corpus's, in order) and copied beside the combined file."""
    labels = read_label_chunks(path, config.chunk_pairs)
    held_pairs: list[tuple[str, str]] = []
    held_scores = np.zeros(0)
    parts = []
    with label_writer(copy_to, pairs) as append:
        for chunk in chunks:
            while len(held_pairs) < len(chunk) and (more := next(labels, None)) is not None:
                held_pairs += more.pairs
                held_scores = np.concatenate([held_scores, more.scores])
            if held_pairs[: len(chunk)] != chunk.pairs:
                raise DataError(path, f"pairs differ from those of {chunk.name}")
            parts.append(held_scores[: len(chunk)])
            held_pairs, held_scores = held_pairs[len(chunk) :], held_scores[len(chunk) :]
            append(chunk.with_scores(parts[-1]))
        if held_pairs or next(labels, None) is not None:
            raise DataError(path, f"holds more pairs than {chunk.name}")
    return np.concatenate(parts)
