"""Benchmark: labelling throughput (pairs/s), transenc's `label` paths against plain calls.

Baseline, as a user writes it by hand: ``model.encode(all_s1)``, ``model.encode(all_s2)`` and the
cosine of each pair; ``CrossEncoder.predict`` over (s1, s2) and over (s2, s1), averaged; each
with its default batch size. transenc: :func:`transenc.scoring.bi_scores` /
:func:`~transenc.scoring.cross_scores` as the `label` stage calls them, in fp32 (exact) and in
bf16 (opt-in). Workload: the STS transductive pool with the embedded model (the cross-encoder
is its fresh-head CrossEncoder; speed does not depend on the head's weights).

    python -m bench.suite.labelling --data-dir ../shared/data/sts [--quick]
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import spearmanr
from sentence_transformers import CrossEncoder, SentenceTransformer

from bench.common import arguments, record, show, timed
from transenc.data.readers import resolve_corpus
from transenc.models import default_model_path
from transenc.scoring import bi_scores, cross_scores

GOALS = {"bi": 3.0, "cross": 1.5}
EXACT = 1e-4  # labels equal to the baseline's within this
RANK_AGREEMENT = 0.999  # what a lossy path must keep (Spearman against the baseline labels)


def baseline_bi(model, corpus) -> np.ndarray:
    a = model.encode(corpus.sentence1)
    b = model.encode(corpus.sentence2)
    return model.similarity_pairwise(a, b).numpy()


def baseline_cross(model, corpus) -> np.ndarray:
    forward = list(zip(corpus.sentence1, corpus.sentence2, strict=True))
    backward = [(b, a) for a, b in forward]
    return (model.predict(forward) + model.predict(backward)) / 2


def compare(name: str, kind: str, pairs: int, baseline, base_s: float, labels, seconds: float):
    difference = float(np.abs(labels - baseline).max())
    agreement = float(spearmanr(labels, baseline).statistic)
    speedup = base_s / seconds
    exact = difference <= EXACT
    return {
        "path": name,
        "kind": kind,
        "seconds": round(seconds, 2),
        "pairs_per_s": round(pairs / seconds, 1),
        "speedup": round(speedup, 2),
        "max_abs_difference": float(f"{difference:.2e}"),
        "spearman_vs_baseline": round(agreement, 6),
        "exact": exact,
        "goal": GOALS[kind],
        "goal_met": speedup >= GOALS[kind] and (exact or agreement >= RANK_AGREEMENT),
    }


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    corpus = resolve_corpus("pool", args.data_dir)
    if args.quick:
        corpus = corpus.sample(3000, seed=0)
    path = str(default_model_path())
    rows = []

    bi = SentenceTransformer(path, device="cpu")
    bi.encode(["warm up"])
    base, base_s = timed(lambda: baseline_bi(bi, corpus))
    rows.append(
        {
            "path": "baseline",
            "kind": "bi",
            "seconds": round(base_s, 2),
            "pairs_per_s": round(len(corpus) / base_s, 1),
        }
    )
    for precision in ("fp32", "bf16"):
        labels, seconds = timed(lambda p=precision: bi_scores(bi, corpus, precision=p))
        rows.append(
            compare(f"transenc {precision}", "bi", len(corpus), base, base_s, labels, seconds)
        )

    torch.manual_seed(0)
    cross = CrossEncoder(path, num_labels=1, device="cpu")
    cross.predict([("warm", "up")])
    base, base_s = timed(lambda: baseline_cross(cross, corpus))
    rows.append(
        {
            "path": "baseline",
            "kind": "cross",
            "seconds": round(base_s, 2),
            "pairs_per_s": round(len(corpus) / base_s, 1),
        }
    )
    for precision in ("fp32", "bf16"):
        labels, seconds = timed(
            lambda p=precision: cross_scores(cross, corpus, both_orders=True, precision=p)
        )
        rows.append(
            compare(f"transenc {precision}", "cross", len(corpus), base, base_s, labels, seconds)
        )

    figures = {
        "corpus": corpus.name,
        "pairs": len(corpus),
        "sentences": 2 * len(corpus),
        "distinct_sentences": len(corpus.sentences),
        "rows": rows,
    }
    show(figures)
    record("labelling", figures, args.quick)


if __name__ == "__main__":
    main()
