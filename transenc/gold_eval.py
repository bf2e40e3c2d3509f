"""Scoring a model on gold sets: each kind's metrics, x100, as sentence-transformers' evaluators
define them.

- graded pairs: Spearman (primary) and Pearson of the model's scores with the gold scores
  (``EmbeddingSimilarityEvaluator``'s ``spearman_cosine`` / ``pearson_cosine`` for a
  bi-encoder; ``CrossEncoderCorrelationEvaluator`` for a cross-encoder);
- binary pairs: average precision (primary) and the F1 at the best threshold
  (``BinaryClassificationEvaluator``'s ``cosine_ap`` / ``cosine_f1``; its own threshold search);
- reranking: MAP (primary), MRR@10 and NDCG@10 over the queries (``RerankingEvaluator``).

Every distinct sentence is encoded once across all sets (the pairs of every set are pooled
into one scoring pass); a cross-encoder reads graded and binary pairs in both orders (as
bootstrap scores them; ``both_orders=False`` for one) and a reranking list as (query, text).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr, spearmanr

from transenc.atomic import check_writable, write_text_atomic
from transenc.data.corpus import PairCorpus
from transenc.errors import TransencError
from transenc.gold import BINARY, GRADED, RERANKING, GoldSet, read_gold_sets
from transenc.models import KINDS, detect_kind, load_model
from transenc.scoring import scores_of
from transenc.versions import library_versions

AT_K = 10


def score_sets(
    model,
    kind: str,
    sets: dict[str, GoldSet],
    batch_size: int = 64,
    both_orders: bool = True,
    show_progress: bool = False,
) -> dict[str, dict[str, float]]:
    """Each set's metrics (name -> metric -> value x100, the primary metric first)."""
    predicted: dict[str, np.ndarray] = {}
    for group, orders in ((False, both_orders), (True, False)):
        members = [n for n, s in sets.items() if (s.kind == RERANKING) == group]
        if not members:
            continue
        corpora = [sets[n].corpus() for n in members]
        scores = scores_of(
            model,
            kind,
            PairCorpus.concat(corpora),
            batch_size,
            show_progress,
            both_orders=orders and kind == "cross",
        )
        bounds = np.cumsum([0] + [len(c) for c in corpora])
        for name, start, stop in zip(members, bounds[:-1], bounds[1:], strict=True):
            predicted[name] = scores[start:stop]
    return {name: metrics_of(gold, predicted[name]) for name, gold in sets.items()}


def metrics_of(gold: GoldSet, predicted: np.ndarray) -> dict[str, float]:
    """The metrics of ``predicted`` (one score per pair of ``gold.corpus()``) on ``gold``."""
    if gold.kind == GRADED:
        truth = gold.pairs.scores
        values = {
            "spearman": spearmanr(truth, predicted).statistic,
            "pearson": pearsonr(truth, predicted).statistic,
        }
    elif gold.kind == BINARY:
        values = binary_metrics(gold.pairs.scores, predicted)
    else:
        values = reranking_metrics(gold, predicted)
    return {name: round(float(value) * 100, 4) for name, value in values.items()}


def binary_metrics(labels: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    from sentence_transformers.sentence_transformer.evaluation import (
        BinaryClassificationEvaluator,
    )
    from sklearn.metrics import average_precision_score

    f1, _, _, _ = BinaryClassificationEvaluator.find_best_f1_and_threshold(
        predicted, labels.astype(int), True
    )
    return {"ap": average_precision_score(labels.astype(int), predicted), "f1": f1}


def reranking_metrics(gold: GoldSet, predicted: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, ndcg_score

    ap, mrr, ndcg = [], [], []
    start = 0
    for item in gold.queries:
        size = len(item.positives) + len(item.negatives)
        scores = predicted[start : start + size]
        start += size
        relevant = [1] * len(item.positives) + [0] * len(item.negatives)
        order = np.argsort(-scores, kind="stable")[:AT_K]
        first = next((rank for rank, k in enumerate(order) if relevant[k]), None)
        mrr.append(0.0 if first is None else 1 / (first + 1))
        ndcg.append(ndcg_score([relevant], [scores], k=AT_K))
        ap.append(average_precision_score(relevant, scores))
    return {"map": np.mean(ap), f"mrr@{AT_K}": np.mean(mrr), f"ndcg@{AT_K}": np.mean(ndcg)}


# --- the `eval` command's library function --------------------------------------------------


@dataclass
class GoldEvalConfig:
    """Score ``model`` on the gold sets ``gold`` names (files, STS tasks, ``sts``).

    Attributes:
        model: a model folder, a hub id, ``default`` or ``mpnet``.
        gold: gold files or STS task names (``stsb``, ``sts`` for all seven).
        kind: ``auto`` (from the folder's files), ``bi``, ``cross`` or ``late``.
        data_dir: the STS data dir, for STS task names and ``--train-pairs`` corpora.
        both_orders: cross-encoders: pairs scored in both orders, averaged (reranking lists are
            always read as (query, text)).
        train_pairs: a corpus the model was trained on: each set's overlap with it is reported.
        output: a JSON file to write.
    """

    model: str
    gold: list[str]
    kind: str = "auto"
    data_dir: Path | None = None
    batch_size: int = 64
    max_seq_length: int | None = None
    both_orders: bool = True
    train_pairs: str | None = None
    output: Path | None = None
    show_progress: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TransencError(f"unknown kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if not self.gold:
            raise TransencError("give at least one --gold FILE (or an STS task name)")
        if self.batch_size < 1:
            raise TransencError("batch size must be at least 1")
        self.output = Path(self.output) if self.output is not None else None
        if self.output is not None:
            check_writable(self.output, "metrics file")


@dataclass
class GoldEvalResult:
    model: str
    kind: str
    metrics: dict[str, dict[str, float]]  # set -> metric -> value x100, primary first
    sets: dict[str, dict]  # set -> kind, source, size, primary
    both_orders: bool = False
    train_pairs: str | None = None
    overlap: dict[str, dict] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=library_versions)

    def to_dict(self) -> dict:
        return asdict(self)


def run(config: GoldEvalConfig) -> GoldEvalResult:
    """Scores ``config.model`` on every gold set; writes ``config.output`` if set."""
    sets = read_gold_sets(config.gold, config.data_dir)  # every file checked before the model
    kind = detect_kind(config.model) if config.kind == "auto" else config.kind
    model = load_model(config.model, kind, config.max_seq_length)
    metrics = score_sets(
        model, kind, sets, config.batch_size, config.both_orders, config.show_progress
    )
    result = GoldEvalResult(
        model=config.model,
        kind=kind,
        metrics=metrics,
        sets={
            name: {"kind": s.kind, "source": s.source, "size": s.size(), "primary": s.primary}
            for name, s in sets.items()
        },
        both_orders=config.both_orders and kind == "cross",
    )
    if config.train_pairs is not None:
        from transenc.data.readers import resolve_corpus
        from transenc.overlap import overlap_by_task

        result.train_pairs = config.train_pairs
        corpora = {name: s.corpus() for name, s in sets.items()}
        result.overlap = overlap_by_task(
            resolve_corpus(config.train_pairs, config.data_dir), corpora
        )
    if config.output is not None:
        write_text_atomic(config.output, json.dumps(result.to_dict(), indent=2) + "\n")
    return result
