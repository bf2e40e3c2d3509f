"""Experiment: how good each label file of a bootstrap run is on the training pairs' own gold.

Analysis only (it reads the gold of the pairs the run trained on, which no run does): the
primary metric (AP for binary gold, Spearman for graded) of ``bi_labels.tsv`` (and each
source's), ``cross_labels.tsv`` and ``bi_targets.tsv`` in every round of the given runs.

    python -m bench.experiments.target_quality runs/adapt/mqp/transenc-seed1 \\
        --gold ../shared/data/domains/mqp/gold.tsv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import average_precision_score

from transenc.gold import BINARY, read_gold
from transenc.labels import read_labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--gold", required=True, help="a gold file holding the training pairs")
    args = parser.parse_args()
    (gold,) = read_gold(args.gold)
    truth = {}
    for (a, b), value in zip(gold.pairs.pairs, gold.pairs.scores, strict=True):
        truth[a, b] = truth[b, a] = value
    for run in args.runs:
        for path in sorted(run.glob("round-*/*_labels*.tsv")) + sorted(
            run.glob("round-*/bi_targets.tsv")
        ):
            labels = read_labels(path)
            known = [(k, truth[p]) for k, p in enumerate(labels.pairs) if p in truth]
            rows = np.array([k for k, _ in known])
            y = np.array([v for _, v in known])
            scores = labels.scores[rows]
            if gold.kind == BINARY:
                value, metric = average_precision_score(y.astype(int), scores), "AP"
            else:
                value, metric = spearmanr(y, scores).statistic, "Spearman"
            print(f"{path.relative_to(run.parent)}: {metric} {100 * value:.2f} ({len(y)} pairs)")


if __name__ == "__main__":
    main()
