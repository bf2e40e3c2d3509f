"""Experiment (issue 41): a cross-encoder trained on another domain's gold, as the warm start of
the adapted one ("labels from another domain, none from yours", the AugSBERT/GPL route).

It trains all-MiniLM-L6-v2's body with a fresh head on the STS-B train split (scores / 5) and
the SICK train split (relatedness (score - 1) / 4), both pair orders, binary cross-entropy, with
transenc's own cross-encoder stage, and scores it on STS-B dev (gold read: this model learns
from gold; it is never trained on a domain it is then scored on). The adaptation study's row
``transenc-cross-start`` starts each run's cross-encoder from it (``--cross-start``); it is
meant for the domains outside STS only (its training sentences come from STS-B and SICK).

    python -m bench.experiments.other_domain_cross --out runs/other-domain-cross
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from bench.common import record
from transenc.data.corpus import PairCorpus
from transenc.data.sts import load_sts_task
from transenc.labels import write_labels
from transenc.stages import train_cross
from transenc.train_settings import TrainSettings

# each gold scale mapped onto [0, 1], the binary cross-entropy's target range
SCALES = {"stsb": (0.0, 5.0), "sickr": (1.0, 5.0)}


def gold_labels(sts_dir: Path) -> PairCorpus:
    """STS-B train and SICK train with their gold rescaled to [0, 1]."""
    parts = []
    for task, (low, high) in SCALES.items():
        corpus = load_sts_task(sts_dir, task, "train")
        parts.append(corpus.with_scores((np.asarray(corpus.scores) - low) / (high - low)))
    return PairCorpus.concat(parts, name="stsb+sick train gold")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sts-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--out", type=Path, default=Path("runs/other-domain-cross"))
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    labels = write_labels(gold_labels(args.sts_dir), args.out / "gold_labels.tsv")
    config = train_cross.TrainCrossConfig(
        model="default",
        labels=labels,
        output=args.out / "cross",
        settings=TrainSettings(
            epochs=args.epochs,
            batch_size=32,
            learning_rate=5e-5,
            warmup_ratio=0.1,
            max_length="auto",
            precision="auto",
            length_chunk=16,
        ),
        seed=args.seed,
        held_back=0.1,
        show_progress=True,
    )
    result = train_cross.run(config)
    from bench.studies.adaptation import evaluate

    dev = load_sts_task(args.sts_dir, "stsb", "dev")
    dev_file = args.out / "stsb_dev_gold.tsv"
    dev.to_frame().to_csv(dev_file, sep="\t", index=False)
    scores = evaluate(str(config.output), {"stsb-dev": str(dev_file)})
    figures = {
        "model": str(config.output),
        "trained_on": "STS-B train and SICK train gold (another domain's labels)",
        "epochs": args.epochs,
        "seed": args.seed,
        "metrics": {k: v for k, v in vars(result).items() if isinstance(v, (int, float, str))},
        "scores": scores,
    }
    record("other_domain_cross", figures)
    print(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()
