"""Benchmark: the 7-task STS evaluation, transenc's path against encoding each pair's sides.

The baseline is what a user writes by hand per task: ``model.encode(s1)``, ``model.encode(s2)``,
cosine, Spearman. transenc encodes the union of the distinct sentences of all tasks once.
Both run in the same process on the same model; the Spearman figures must agree.

    python -m bench.suite.eval_speed --data-dir ../shared/data/sts
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import spearmanr
from sentence_transformers import SentenceTransformer

from bench.common import record
from transenc.evaluate import load_tasks, spearman_by_task
from transenc.models import default_model_path


def baseline(model, benchmarks, batch_size: int) -> dict[str, float]:
    result = {}
    for task, corpus in benchmarks.items():
        a = model.encode(corpus.sentence1, batch_size=batch_size)
        b = model.encode(corpus.sentence2, batch_size=batch_size)
        cosine = model.similarity_pairwise(a, b).numpy()
        result[task] = spearmanr(corpus.scores, cosine).statistic * 100
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="../shared/data/sts")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    benchmarks = load_tasks(args.data_dir)
    model = SentenceTransformer(str(default_model_path()), device="cpu")
    model.encode(["warm up"])
    start = time.perf_counter()
    naive = baseline(model, benchmarks, args.batch_size)
    naive_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = spearman_by_task(model, "bi", benchmarks, args.batch_size)
    ours_s = time.perf_counter() - start
    gap = max(abs(naive[t] - ours[t]) for t in benchmarks)
    figures = {
        "pairs": sum(len(c) for c in benchmarks.values()),
        "sentences_encoded_baseline": 2 * sum(len(c) for c in benchmarks.values()),
        "sentences_encoded_transenc": len({s for c in benchmarks.values() for s in c.sentences}),
        "baseline_seconds": round(naive_s, 2),
        "transenc_seconds": round(ours_s, 2),
        "speedup": round(naive_s / ours_s, 2),
        "max_spearman_difference": round(float(gap), 4),
        "spearman": ours,
    }
    path = record("eval_speed", figures)
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(f"recorded in {path}")
    assert np.isfinite(ours["avg"])


if __name__ == "__main__":
    main()
