"""Study: how far the bi-encoder stage moves a model on a small corpus, and what pins it.

For a recorded adaptation-study run of an STS source or a domain (``runs/adapt/sts-genres/
<source>/<row>-seed1``, ``runs/adapt/<domain>/<row>-seed1``) it trains the bi-encoder again from
the start model, with the run's own train-bi settings and held-back share, on

- ``start``: the start model's own cosines (``bi_labels.start.tsv``): targets that ask for no
  change, so whatever the held-out score loses is drift;
- ``targets``: the run's bi-encoder targets (``bi_targets.tsv``), as the run trained on them;

each with the start anchor (``[bi] start_anchor``) at every ``--anchors`` weight (0: off), its
dropout (``--dropouts``), its precision (``--precisions``: ``run`` as the run trained, or
``fp32``/``bf16``) and its input length (``--lengths``: ``run``, the length the run trained
at; ``auto``, what the stage's ``max_length = "auto"`` chooses now; or a number of tokens) and
its objective (``--losses``: ``run`` or a bi objective's name, such as ``cosent``), and scores
each model on the source's held-out half (gold read only to judge; inductive; a domain's gold
set named after it, AP where it is binary). Nothing of the recorded run is changed; each
trained model is deleted once scored.

    python -m bench.studies.bi_drift --sources sts12-surprise.SMTnews sts15-answers-students \
        --anchors 0 0.3 1 --record
    python -m bench.studies.bi_drift --sources sts12-surprise.SMTnews ukp --lengths run auto
    python -m bench.studies.bi_drift --sources sts12-surprise.SMTnews --lengths auto \
        --losses run cosent
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
    loss: str | None = None,
):
    """A recorded run's round-1 bi-encoder stage again, from its start model, on ``labels``:
    its settings (with ``settings_changes``), held-back share and loss (``loss`` in its place
    where given), the run's seed where ``seed`` is None. Returns the stage's result."""
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
            loss=loss or config.get("loss", "cosine-mse"),
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
    length: int | str | None = None,
    loss: str | None = None,
):
    """The run's bi-encoder stage again, from its start model, on ``labels``, with the anchor
    (and ``dropout`` in place of the model's own, ``precision`` in place of the run's,
    ``length`` in place of the length the run trained at: tokens, or ``auto``; ``loss`` in
    place of the run's objective). Returns the model's folder and the stage's result (the
    length it trained at, its seconds)."""
    output = scratch / f"{labels}-{anchor:g}-{seed}-{dropout}-{precision}-{length}-{loss}"
    changes = {} if precision is None else {"precision": precision}
    manifest = json.loads((run / "round-1" / "train-bi.manifest.json").read_text())
    # the length the run trained at (a manifest without metrics: the one its settings name)
    trained_at = manifest.get("metrics", {}).get("max_length")
    changes["max_length"] = (
        (trained_at or manifest["config"]["settings"]["max_length"]) if length is None else length
    )
    with dropout_of(dropout):
        result = train_bi_again(
            run, run / "round-1" / LABEL_FILES[labels], output, seed, changes, anchor, loss
        )
    return output, result


def study(
    folder: Path,
    row: str,
    labels: list[str],
    anchors: list[float],
    seeds: list[int],
    dropouts: list[float | None] = (None,),
    precisions: list[str | None] = (None,),
    lengths: list[int | str | None] = (None,),
    losses: list[str | None] = (None,),
):
    """Each (labels, anchor, seed, dropout, precision, length, loss) model's held-out score (the
    first gold set's: AP where it is binary, else Spearman) and its change against the start."""
    run = folder / f"{row}-seed1"
    # the gold set named after the folder where there is one (ukp: AP, not ukp-graded)
    named = folder / f"gold_{folder.name}.tsv"
    gold = {"gold": str(named if named.exists() else sorted(folder.glob("gold_*.tsv"))[0])}
    start_model = json.loads((run / "round-1" / "train-bi.manifest.json").read_text())

    def scored(model: str) -> float:
        metrics = evaluate(model, gold)["gold"]
        return metrics["ap"] if "ap" in metrics else metrics["spearman"]

    start_metrics = evaluate(start_model["input_paths"]["model"], gold)["gold"]
    metric = "AP" if "ap" in start_metrics else None
    start = start_metrics["ap"] if metric else start_metrics["spearman"]
    cells = []
    with tempfile.TemporaryDirectory() as scratch:
        for label in labels:
            for anchor in anchors:
                for seed in seeds:
                    for dropout, precision, length, loss in product(
                        dropouts, precisions, lengths, losses
                    ):
                        model, result = retrain(
                            run,
                            label,
                            anchor,
                            seed,
                            Path(scratch),
                            dropout,
                            precision,
                            length,
                            loss,
                        )
                        score = scored(str(model))
                        shutil.rmtree(model)
                        cell = {
                            "labels": label,
                            "anchor": anchor,
                            "seed": seed,
                            **({} if dropout is None else {"dropout": dropout}),
                            **({} if precision is None else {"precision": precision}),
                            **({} if length is None else {"length": result.max_length}),
                            **({} if loss is None else {"loss": loss}),
                            "seconds": round(result.seconds, 1),
                            "bi": round(score, 2),
                            "change": round(score - start, 2),
                        }
                        print(json.dumps({"source": folder.name, **cell}), flush=True)
                        cells.append(cell)
    return {"start": round(start, 2), **({"metric": metric} if metric else {}), "cells": cells}


def markdown(figures: dict) -> str:
    """One record's cells as a table: labels, anchor, seed, held-out Spearman, change."""
    lines = [
        f"{figures['domain']} (recorded run `{figures['row']}`; {figures['protocol']}); the start "
        f"model scores {figures['start']:.2f}.",
        "",
        "| labels | start_anchor | seed | dropout | precision | length (tokens) | loss "
        f"| held-out {figures.get('metric', 'Spearman')} | change against the start "
        "| stage seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for cell in figures["cells"]:
        dropout = "the model's" if cell.get("dropout") is None else f"{cell['dropout']:g}"
        precision = cell.get("precision", "the run's")
        length = cell.get("length", "the run's")
        loss = cell.get("loss", "the run's")
        lines.append(
            f"| {cell['labels']} | {cell['anchor']:g} | {cell['seed']} | {dropout} | {precision} "
            f"| {length} | {loss} | {cell['bi']:.2f} | {cell['change']:+.2f} "
            f"| {cell.get('seconds', '')} |"
        )
    return "\n".join(lines)


OUTCOMES = ("bi", "change", "seconds")  # what a cell measured, not how it trained
AXES = {"length": "length (tokens)", "loss": "loss"}


def paired_summary(records: list[dict], axis: str = "length") -> str:
    """Over every record with an ``axis`` (``length``: the run's against another; ``loss``: the
    run's against another objective): per source and setting, each seed's change against the
    start without the axis and with it, side by side, as mean +- sd over the seeds; a cell pairs
    with the one of its record that trained the same way but for the axis. Empty where none."""
    import statistics

    def identity(cell: dict) -> dict:
        return {k: v for k, v in cell.items() if k not in (*OUTCOMES, axis)}

    def setting(cell: dict) -> str:
        # how a row's cells trained besides seed and axis (the whole length varies by split)
        parts = [
            "the start's cosines" if cell["labels"] == "start" else "",
            f"anchor {cell['anchor']:g}" if cell.get("anchor") else "",
            f"dropout {cell['dropout']:g}" if "dropout" in cell else "",
            cell.get("precision", ""),
            "" if axis == "loss" else cell.get("loss", ""),
        ]
        return ", ".join(p for p in parts if p)

    rows: dict[str, dict[int, dict]] = {}
    for figures in records:
        cells = figures["cells"]
        for other in (c for c in cells if axis in c):
            same = [c for c in cells if axis not in c and identity(c) == identity(other)]
            if same:
                how = setting(other)
                source = f"{figures['domain']} ({figures.get('metric', 'Spearman')}"
                source += f"; {how})" if how else ")"
                rows.setdefault(source, {})[other["seed"]] = {
                    "run": same[0]["change"],
                    "other": other["change"],
                    "value": other[axis],
                }
    if not rows:
        return ""

    def spread(values: list[float]) -> str:
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):+.2f} ± {sd:.2f}"

    lines = [
        f"Each source's bi-encoder trained again with the run's {axis} and with another "
        "(change against the start, x100; mean ± sd over the seeds; the last column each seed's "
        "paired difference):",
        "",
        f"| source | seeds | {AXES[axis]} | with the run's | with that one | paired, per seed |",
        "|---|---|---|---|---|---|",
    ]
    for source, seeds in rows.items():
        ordered = [seeds[k] for k in sorted(seeds)]
        values = "/".join(sorted({str(c["value"]) for c in ordered}))
        differences = ", ".join(f"{c['other'] - c['run']:+.2f}" for c in ordered)
        lines.append(
            f"| {source} | {len(ordered)} | {values} | {spread([c['run'] for c in ordered])} "
            f"| {spread([c['other'] for c in ordered])} | {differences} |"
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
    parser.add_argument(
        "--lengths",
        nargs="+",
        default=["run"],
        help="the bi-encoder's input length: 'run' (what the run trained at), 'auto' (what "
        "max_length auto chooses now) or tokens",
    )
    parser.add_argument(
        "--losses",
        nargs="+",
        default=["run"],
        help="the bi-encoder's objective: 'run' (the run's own) or a bi objective's name",
    )
    parser.add_argument("--out", type=Path, default=Path("runs/adapt"))
    parser.add_argument("--record", action="store_true", help="append the results as a record")
    args = parser.parse_args()
    lengths = [None if n == "run" else n if n == "auto" else int(n) for n in args.lengths]
    for source in args.sources:
        dropouts = [None if d == "model" else float(d) for d in args.dropouts]
        sts_source = args.out / "sts-genres" / source
        folder = sts_source if sts_source.is_dir() else args.out / source
        found = study(
            folder,
            args.row,
            args.labels,
            args.anchors,
            args.seeds,
            dropouts,
            [None if p == "run" else p for p in args.precisions],
            lengths,
            [None if n == "run" else n for n in args.losses],
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
