"""Experiment: how well do pseudo-label files rank the benchmark's pairs? For files over
``eval-pairs`` (a transductive run), the Spearman of each file's scores against the gold scores,
per task and on average: the ceiling for a bi-encoder trained on those labels.

    python -m bench.experiments.label_quality RUN_DIR/round-1/*.tsv [--data-dir DIR]

Pairs are matched in either order; a benchmark pair missing from a file is an error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from transenc.evaluate import load_tasks
from transenc.labels import read_labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path, nargs="+")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    args = parser.parse_args()

    tasks = load_tasks(args.data_dir)
    print("labels", *tasks, "avg", sep="\t")
    for path in args.labels:
        labels = read_labels(path)
        score_of = {}
        for (first, second), score in zip(labels.pairs, labels.scores, strict=True):
            score_of[first, second] = score
            score_of.setdefault((second, first), score)
        row = []
        for name, task in tasks.items():
            missing = [pair for pair in task.pairs if pair not in score_of]
            if missing:
                raise SystemExit(f"{path}: {len(missing)} pairs of {name} are not in the file")
            predicted = [score_of[pair] for pair in task.pairs]
            row.append(100 * spearmanr(task.scores, predicted).statistic)
        print(path, *(f"{value:.2f}" for value in row), f"{np.mean(row):.2f}", sep="\t")


if __name__ == "__main__":
    main()
