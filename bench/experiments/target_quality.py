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

import pandas as pd

from bench.experiments.student_gap import label_metric
from transenc.gold import BINARY, read_gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--gold", required=True, help="a gold file holding the training pairs")
    args = parser.parse_args()
    (gold,) = read_gold(args.gold)
    first, second = zip(*gold.pairs.pairs, strict=True)
    column = "label" if gold.kind == BINARY else "score"
    frame = pd.DataFrame({"sentence1": first, "sentence2": second, column: gold.pairs.scores})
    metric = "AP" if gold.kind == BINARY else "Spearman"
    for run in args.runs:
        for path in sorted(run.glob("round-*/*_labels*.tsv")) + sorted(
            run.glob("round-*/bi_targets.tsv")
        ):
            print(f"{path.relative_to(run.parent)}: {metric} {label_metric(path, frame):.2f}")


if __name__ == "__main__":
    main()
