"""Study: how far the bi-encoder stage moves a model on a small corpus, and what pins it.

For a recorded adaptation-study run of an STS source (``runs/adapt/sts-genres/<source>/<row>-
seed1``) it trains the bi-encoder again from the start model, with the run's own train-bi
settings and held-back share, on

- ``start``: the start model's own cosines (``bi_labels.start.tsv``): targets that ask for no
  change, so whatever the held-out score loses is drift;
- ``targets``: the run's bi-encoder targets (``bi_targets.tsv``), as the run trained on them;

each with the start anchor (``[bi] start_anchor``) at every ``--anchors`` weight (0: off), its
dropout (``--dropouts``) and its precision (``--precisions``: ``run`` as the run trained, or
``fp32``/``bf16``), and scores each model on the source's held-out half (gold read only to
judge; inductive). Nothing of the recorded run is changed; each trained model is deleted once
scored.

    python -m bench.studies.bi_drift --sources sts12-surprise.SMTnews sts15-answers-students \
        --anchors 0 0.3 1 --record
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from itertools import product
from pathlib import Path

import torch

from bench.common import record
from bench.studies.adaptation import evaluate
from transenc.precision import PRECISIONS

LABEL_FILES = {"start": "bi_labels.start.tsv", "targets": "bi_targets.tsv"}


@contextmanager
def dropout_of(probability: float | None):
    """While open, the bi-encoder stage trains its model with every dropout layer at
    ``probability`` (``None``: as the model has it)."""
    from transenc.stages import train_bi

    if probability is None:
        yield
        return
    load = train_bi.load_bi_encoder

    def load_with_dropout(*args, **kwargs):
        model = load(*args, **kwargs)
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = probability
        return model

    train_bi.load_bi_encoder = load_with_dropout
    try:
        yield
    finally:
        train_bi.load_bi_encoder = load


def train_bi_again(
    run: Path,
    labels: Path,
    output: Path,
    seed: int | None,
    settings_changes: dict | None = None,
    start_anchor: float = 0.0,
):
    """A recorded run's round-1 bi-encoder stage again, from its start model, on ``labels``:
    its settings (with ``settings_changes``), held-back share and loss, the run's seed where
    ``seed`` is None. Returns the stage's result."""
    from transenc.stages import train_bi
    from transenc.train_settings import TrainSettings

    manifest = json.loads((run / "round-1" / "train-bi.manifest.json").read_text())
    config = manifest["config"]
    return train_bi.run(
        train_bi.TrainBiConfig(
            model=manifest["input_paths"]["model"],
            labels=labels,
            output=output,
            settings=replace(TrainSettings(**config["settings"]), **(settings_changes or {})),
            seed=config.get("seed") if seed is None else seed,
            held_back=config.get("held_back", 0.0),
            loss=config.get("loss", "cosine-mse"),
            start_anchor=start_anchor,
        )
    )


def retrain(
    run: Path,
    labels: str,
    anchor: float,
    seed: int,
    scratch: Path,
    dropout: float | None = None,
    precision: str | None = None,
) -> Path:
    """The run's bi-encoder stage again, from its start model, on ``labels``, with the anchor
    (and ``dropout`` in place of the model's own, ``precision`` in place of the run's)."""
    output = scratch / f"{labels}-{anchor:g}-{seed}-{dropout}-{precision}"
    changes = {} if precision is None else {"precision": precision}
    with dropout_of(dropout):
        train_bi_again(run, run / "round-1" / LABEL_FILES[labels], output, seed, changes, anchor)
    return output


def study(
    folder: Path,
    row: str,
    labels: list[str],
    anchors: list[float],
    seeds: list[int],
    dropouts: list[float | None] = (None,),
    precisions: list[str | None] = (None,),
):
    """Each (labels, anchor, seed, dropout, precision) model's held-out Spearman and its change
    against the start."""
    run = folder / f"{row}-seed1"
    gold = {"gold": str(next(folder.glob("gold_*.tsv")))}
    start_model = json.loads((run / "round-1" / "train-bi.manifest.json").read_text())
    start = evaluate(start_model["input_paths"]["model"], gold)["gold"]["spearman"]
    cells = []
    with tempfile.TemporaryDirectory() as scratch:
        for label in labels:
            for anchor in anchors:
                for seed in seeds:
                    for dropout, precision in product(dropouts, precisions):
                        model = retrain(run, label, anchor, seed, Path(scratch), dropout, precision)
                        score = evaluate(str(model), gold)["gold"]["spearman"]
                        shutil.rmtree(model)
                        cell = {
                            "labels": label,
                            "anchor": anchor,
                            "seed": seed,
                            **({} if dropout is None else {"dropout": dropout}),
                            **({} if precision is None else {"precision": precision}),
                            "bi": round(score, 2),
                            "change": round(score - start, 2),
                        }
                        print(json.dumps({"source": folder.name, **cell}), flush=True)
                        cells.append(cell)
    return {"start": round(start, 2), "cells": cells}


def markdown(figures: dict) -> str:
    """One record's cells as a table: labels, anchor, seed, held-out Spearman, change."""
    lines = [
        f"{figures['domain']} (recorded run `{figures['row']}`; {figures['protocol']}); the start "
        f"model scores {figures['start']:.2f}.",
        "",
        "| labels | start_anchor | seed | dropout | precision | held-out Spearman "
        "| change against the start |",
        "|---|---|---|---|---|---|---|",
    ]
    for cell in figures["cells"]:
        dropout = "the model's" if cell.get("dropout") is None else f"{cell['dropout']:g}"
        precision = cell.get("precision", "the run's")
        lines.append(
            f"| {cell['labels']} | {cell['anchor']:g} | {cell['seed']} | {dropout} | {precision} "
            f"| {cell['bi']:.2f} | {cell['change']:+.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="+", required=True)
    parser.add_argument("--row", default="transenc-vouched")
    parser.add_argument("--labels", nargs="+", choices=list(LABEL_FILES), default=list(LABEL_FILES))
    parser.add_argument("--anchors", nargs="+", type=float, default=[0.0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument(
        "--dropouts",
        nargs="+",
        default=["model"],
        help="the bi-encoder's dropout while it trains: 'model' (its own) or a probability",
    )
    parser.add_argument(
        "--precisions",
        nargs="+",
        default=["run"],
        choices=["run", *PRECISIONS],
        help="the bi-encoder's training precision: 'run' (the run's own) or one named",
    )
    parser.add_argument("--out", type=Path, default=Path("runs/adapt"))
    parser.add_argument("--record", action="store_true", help="append the results as a record")
    args = parser.parse_args()
    for source in args.sources:
        dropouts = [None if d == "model" else float(d) for d in args.dropouts]
        found = study(
            args.out / "sts-genres" / source,
            args.row,
            args.labels,
            args.anchors,
            args.seeds,
            dropouts,
            [None if p == "run" else p for p in args.precisions],
        )
        if args.record:
            record(
                "bi_drift",
                {
                    "domain": source,  # the report keeps one record per domain
                    "row": args.row,
                    "protocol": "inductive: trained on the source's adapt half (unlabeled), "
                    "scored on the other half's gold; gold read only to judge",
                    **found,
                },
            )


if __name__ == "__main__":
    main()
