"""Experiment: can a label-free signal tell when the SimCSE stage hurt?

Issue 24 found that most of `adapt`'s falls below the start begin in the SimCSE stage (STS15
images, SMTnews), and that no signal the loop has flags them. This measures one candidate: a
second, frozen model as a referee. On the adapt side's unlabeled pairs it compares how well the
start model's cosines and the SimCSE model's cosines agree with the referee's (Spearman); the
signal is the change. If SimCSE moving away from the referee goes with SimCSE losing on gold,
the loop could keep the start model instead where a referee is at hand (``--teacher``, or the
other model in mutual distillation).

For each study folder (``runs/adapt/<domain>`` or ``runs/adapt/sts-genres/<source>``) and each
SimCSE model in it (the study's ``simcse-seed*/bi`` and each ``adapt`` run's
``contrastive/bi``), it prints one JSON line: the signal, the shift of the ranking itself
(1 - Spearman of SimCSE's cosines with the start's) and, for analysis only, the start's and
SimCSE's primary metric on the held-out side's gold (no run reads it). The last line sums the
signal up against the gold change over every model measured.

    python -m bench.experiments.contrastive_referee runs/adapt/sts-genres/* --record
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from bench.experiments.student_gap import primary
from transenc.data.readers import read_pair_file
from transenc.models import resolve_model
from transenc.scoring import bi_scores

SIMCSE_MODELS = ("simcse-seed*/bi", "transenc-capped-seed*/contrastive/bi")


def load(path: str):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(path, device="cpu")


def gold_corpora(folder: Path) -> dict[str, tuple]:
    """{gold set: (pairs, truth, binary)} for each held-out gold file the study wrote."""
    found = {}
    for path in sorted(folder.glob("gold_*.tsv")):
        frame = pd.read_csv(path, sep="\t", quoting=3, keep_default_na=False)
        binary = "label" in frame.columns
        truth = frame["label" if binary else "score"].to_numpy(float)
        found[path.stem.removeprefix("gold_")] = (read_pair_file(path), truth, binary)
    return found


def measure(folder: Path, start, referee) -> list[dict]:
    simcse_paths = sorted(p for pattern in SIMCSE_MODELS for p in folder.glob(pattern))
    if not simcse_paths:
        return []
    adapt = read_pair_file(folder / "adapt_pairs.tsv")
    golds = gold_corpora(folder)
    start_cos = bi_scores(start, adapt)
    referee_cos = bi_scores(referee, adapt)
    start_gold = {
        name: primary(truth, bi_scores(start, pairs), binary)
        for name, (pairs, truth, binary) in golds.items()
    }
    rows = []
    for path in simcse_paths:
        model = load(str(path))
        simcse_cos = bi_scores(model, adapt)
        row = {
            "domain": folder.name,
            "row": str(path.relative_to(folder)),
            "adapt_pairs": len(adapt),
            "referee_start": float(spearmanr(start_cos, referee_cos).statistic),
            "referee_simcse": float(spearmanr(simcse_cos, referee_cos).statistic),
            "shift": float(1 - spearmanr(simcse_cos, start_cos).statistic),
        }
        row["signal"] = row["referee_simcse"] - row["referee_start"]
        for name, (pairs, truth, binary) in golds.items():
            after = primary(truth, bi_scores(model, pairs), binary)
            row[f"gold {name}"] = {
                "start": round(100 * start_gold[name], 2),
                "simcse": round(100 * after, 2),
                "change": round(100 * (after - start_gold[name]), 2),
            }
        rows.append(row)
    return rows


def first_gold(row: dict) -> dict:
    return next(v for k, v in row.items() if k.startswith("gold "))


def summary(rows: list[dict]) -> dict:
    """The signal against the gold change (the first gold set of each source), each distinct
    model once: a study's SimCSE and an ``adapt`` run's SimCSE stage with the same seed are the
    same model."""
    distinct = {}
    for row in rows:
        distinct.setdefault((row.get("domain"), round(row["signal"], 6), row["shift"]), row)
    rows = list(distinct.values())
    signal = np.array([r["signal"] for r in rows])
    shift = np.array([r["shift"] for r in rows])
    change = np.array([first_gold(r)["change"] for r in rows])
    kept = signal >= 0
    return {
        "distinct models": len(rows),
        "spearman signal~change": round(float(spearmanr(signal, change).statistic), 3),
        "spearman shift~change": round(float(spearmanr(shift, change).statistic), 3),
        "mean change, SimCSE always kept": round(float(change.mean()), 3),
        "mean change, kept where signal >= 0": round(float(np.where(kept, change, 0).mean()), 3),
        "kept": int(kept.sum()),
        "falls below -0.5 kept": int(((change < -0.5) & kept).sum()),
        "falls below -0.5": int((change < -0.5).sum()),
        "gains above +0.5 dropped": int(((change > 0.5) & ~kept).sum()),
        "gains above +0.5": int((change > 0.5).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--start", default="default")
    parser.add_argument("--referee", default="mpnet")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    parser.add_argument("--record", action="store_true", help="append each row to the results")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    start, referee = load(resolve_model(args.start)), load(resolve_model(args.referee))
    rows = []
    for folder in args.folders:
        for row in measure(folder, start, referee):
            row["referee"] = args.referee
            print(json.dumps(row), flush=True)
            rows.append(row)
            if args.record:
                from bench.common import record

                record("contrastive_referee", row)
    if rows:
        print(json.dumps(summary(rows)))


if __name__ == "__main__":
    main()
