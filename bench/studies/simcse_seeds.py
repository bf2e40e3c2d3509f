"""Study: is a SimCSE stage's fall on a corpus systematic, or one seed's noise?

For a recorded adaptation-study run of an STS source (``runs/adapt/sts-genres/<source>/<row>-
seed1``) it trains the run's contrastive stage again (its own settings and start model) at each
``--seeds`` seed and scores every SimCSE model on the source's held-out half (gold read only to
judge; inductive), beside its label-free agreement with the start model (Spearman of the two
models' cosines over the corpus's own pairs). Nothing of the recorded run is changed; each model
is deleted once scored.

    python -m bench.studies.simcse_seeds --sources sts12-surprise.SMTnews sts15-images \
        --seeds 1 2 3 --record
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.common import record
from bench.studies.adaptation import evaluate


def retrain(run: Path, seed: int, output: Path) -> str:
    """The run's contrastive stage again, at ``seed``; returns the pairs it read."""
    from transenc.stages import contrastive
    from transenc.train_settings import TrainSettings

    manifest = json.loads((run / "contrastive" / "bi.manifest.json").read_text())
    contrastive.run(
        contrastive.ContrastiveConfig(
            model=manifest["input_paths"]["model"],
            pairs=manifest["input_paths"]["pairs"],
            output=output,
            settings=TrainSettings(**manifest["config"]["settings"]),
            seed=seed,
        )
    )
    return manifest["input_paths"]["pairs"]


def agreement(start: str, trained: str, pairs: str) -> float:
    """Spearman of the two models' cosines over the corpus's pairs (no label read)."""
    from scipy.stats import spearmanr

    from transenc.data.readers import read_pair_file
    from transenc.models import load_model
    from transenc.scoring import scores_of

    corpus = read_pair_file(pairs)
    first, second = (scores_of(load_model(m, "bi"), "bi", corpus) for m in (start, trained))
    return float(spearmanr(first, second).statistic)


def study(folder: Path, row: str, seeds: list[int]) -> dict:
    run = folder / f"{row}-seed1"
    gold = {"gold": str(next(folder.glob("gold_*.tsv")))}
    start_model = json.loads((run / "contrastive" / "bi.manifest.json").read_text())
    start_path = start_model["input_paths"]["model"]
    start = evaluate(start_path, gold)["gold"]["spearman"]
    cells = []
    with tempfile.TemporaryDirectory() as scratch:
        for seed in seeds:
            output = Path(scratch) / f"simcse-{seed}"
            pairs = retrain(run, seed, output)
            score = evaluate(str(output), gold)["gold"]["spearman"]
            cell = {
                "seed": seed,
                "simcse": round(score, 2),
                "change": round(score - start, 2),
                "agreement": round(agreement(start_path, str(output), pairs), 4),
            }
            shutil.rmtree(output)
            print(json.dumps({"source": folder.name, **cell}), flush=True)
            cells.append(cell)
    changes = [c["change"] for c in cells]
    return {
        "start": round(start, 2),
        "cells": cells,
        "change_mean": round(statistics.mean(changes), 2),
        "change_sd": round(statistics.stdev(changes), 2) if len(changes) > 1 else 0.0,
        "seeds_below": sum(c < 0 for c in changes),
    }


def markdown(figures: dict) -> str:
    """One record: each seed's change, then their mean +- sd and how many fell."""
    lines = [
        f"{figures['domain']} (recorded run `{figures['row']}`; {figures['protocol']}); the start "
        f"model scores {figures['start']:.2f}.",
        "",
        "| seed | SimCSE held-out Spearman | change against the start | agreement with the start |",
        "|---|---|---|---|",
    ]
    for cell in figures["cells"]:
        lines.append(
            f"| {cell['seed']} | {cell['simcse']:.2f} | {cell['change']:+.2f} "
            f"| {cell['agreement']:.4f} |"
        )
    lines.append(
        f"\nChange {figures['change_mean']:+.2f} +- {figures['change_sd']:.2f}; "
        f"{figures['seeds_below']} of {len(figures['cells'])} seeds below the start."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="+", required=True)
    parser.add_argument("--row", default="transenc-vouched")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--out", type=Path, default=Path("runs/adapt"))
    parser.add_argument("--record", action="store_true", help="append the results as a record")
    args = parser.parse_args()
    for source in args.sources:
        found = study(args.out / "sts-genres" / source, args.row, args.seeds)
        if args.record:
            record(
                "simcse_seeds",
                {
                    "domain": source,  # the report keeps one record per domain
                    "row": args.row,
                    "protocol": "inductive: SimCSE on the source's adapt half's sentences, "
                    "scored on the other half's gold; gold read only to judge",
                    **found,
                },
            )


if __name__ == "__main__":
    main()
