"""Experiment: how well do pseudo-label files rank the benchmark's pairs? For files over
``eval-pairs`` (a transductive run), the Spearman of each file's scores against the gold scores,
per task and on average: the ceiling for a bi-encoder trained on those labels.

    python -m bench.experiments.label_quality RUN_DIR/round-1/*.tsv [--data-dir DIR]
    python -m bench.experiments.label_quality "0.5*A/cross_labels.tsv+0.5*B/bi_labels.tsv"

An argument joining weighted files with ``+`` scores their weighted sum (the weights as given,
scores as in the files): the quality of an ensemble of teachers. ``NAME=ARGUMENT`` names the
row. Pairs are matched in either order; a benchmark pair missing from a file is an error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from transenc.data.corpus import PairCorpus
from transenc.evaluate import format_table, load_tasks, spearman_of_scores
from transenc.labels import scores_for_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="+", help="label files, or weighted sums of them")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    args = parser.parse_args()

    tasks = load_tasks(args.data_dir)
    benchmark_pairs = PairCorpus.concat(tasks.values()).pairs
    rows = {}
    for argument in args.labels:
        name, _, expression = argument.rpartition("=")
        predicted = 0.0
        for term in expression.split("+"):
            weight, _, path = term.rpartition("*")
            predicted = predicted + float(weight or 1) * scores_for_pairs(
                Path(path), benchmark_pairs
            )
        rows[name or expression] = spearman_of_scores(tasks, predicted)
    print(format_table(rows))


if __name__ == "__main__":
    main()
