"""Fidelity, label-free: how much of what each model was taught it holds.

For every round and model, the Spearman of the model's scores with the targets it learnt, on
the training pairs: the bi-encoder's cosines against its targets (recorded by train-bi), the
cross-encoder's scores (its own label file) against the bi labels it learnt. It reads no gold
label, so it tells a user on their own data whether the student learnt: a bi-encoder far from
its targets left gain on the table. Written to ``fidelity.json`` and the report.
"""

from __future__ import annotations

import json
from pathlib import Path

from scipy.stats import spearmanr

from transenc.labels import read_labels
from transenc.pipeline.names import BI_LABELS, CROSS_LABELS, model_dir_name, round_dir

FIDELITY_FILE = "fidelity.json"


def round_fidelity(out: Path, rounds: int, count: int) -> dict[str, dict[str, float]]:
    """``{"round N": {"bi": rho, "cross": rho, ...}}`` for the rounds that have the files."""
    table: dict[str, dict[str, float]] = {}
    for r in range(1, rounds + 1):
        folder = out / round_dir(r)
        row: dict[str, float] = {}
        for k in range(count):
            bi = model_dir_name("bi", k, count)
            manifest = folder / f"train-{bi}.manifest.json"
            if manifest.is_file():
                value = json.loads(manifest.read_text()).get("metrics", {}).get("fidelity")
                if value is not None:
                    row[bi] = value
            cross = model_dir_name("cross", k, count)
            own = folder / (
                CROSS_LABELS if count == 1 else CROSS_LABELS.replace(".tsv", f".{cross}.tsv")
            )
            if own.is_file() and (folder / BI_LABELS).is_file():
                learnt = read_labels(folder / BI_LABELS).scores
                row[cross] = round(float(spearmanr(read_labels(own).scores, learnt).statistic), 4)
        if row:
            table[f"round {r}"] = row
    return table


def markdown(table: dict[str, dict[str, float]]) -> list[str]:
    if not table:
        return []
    columns = list(dict.fromkeys(c for row in table.values() for c in row))
    lines = [
        "## Fidelity (label-free)",
        "",
        "Spearman of each model's scores with the targets it learnt, on the training pairs "
        "(no gold label read).",
        "",
        "| | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for label, row in table.items():
        lines.append(f"| {label} | " + " | ".join(f"{row.get(c, '')}" for c in columns) + " |")
    return [*lines, ""]
