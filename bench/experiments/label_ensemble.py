"""Experiment: how well do a bi-encoder's cosines, a cross-encoder's scores and their weighted
means rank the benchmark's pairs? (The question behind the ``cpu`` recipe's
``cross_label_weight = 0.5``: a bi-encoder trained on pseudo-labels reaches about the Spearman of
those labels, so the best mix of the two teachers bounds what a round can give.)

    python -m bench.experiments.label_ensemble BI CROSS [--write-labels FILE --weight 0.5]

Prints, per cross-encoder weight w, the STS Spearman of w x cross + (1 - w) x bi on every task
and on average; with ``--write-labels`` it writes the mix at ``--weight`` as a pseudo-label file
over the benchmark's pairs (for ``transenc train-bi``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from transenc.data.corpus import PairCorpus
from transenc.evaluate import format_table, load_tasks, spearman_of_scores
from transenc.labels import write_labels
from transenc.models import load_bi_encoder, load_cross_encoder
from transenc.scoring import bi_scores, cross_scores

WEIGHTS = (0.0, 0.3, 0.5, 0.7, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bi")
    parser.add_argument("cross")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--write-labels", type=Path)
    parser.add_argument("--weight", type=float, default=0.5)
    args = parser.parse_args()

    tasks = load_tasks(args.data_dir)
    pairs = PairCorpus.concat(tasks.values())
    bi = bi_scores(load_bi_encoder(args.bi), pairs)
    cross = cross_scores(load_cross_encoder(args.cross), pairs, both_orders=True)

    def mix(weight: float):
        return weight * cross + (1 - weight) * bi

    rows = {f"w = {w}": spearman_of_scores(tasks, mix(w)) for w in WEIGHTS}
    print(format_table(rows))
    if args.write_labels:
        write_labels(pairs.with_scores(mix(args.weight)), args.write_labels)
        print(f"labels (weight {args.weight}) written to {args.write_labels}")


if __name__ == "__main__":
    main()
