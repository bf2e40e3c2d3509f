"""Fidelity, label-free: how much of what each model was taught it holds.

For every round and model, the Spearman of the model's scores with the targets it learnt, on
the training pairs: the bi-encoder's cosines against its targets (recorded by train-bi), the
cross-encoder's scores (its own label file) against the bi labels it learnt. It reads no gold
label, so it tells a user on their own data whether the student learnt: a bi-encoder far from
its targets left gain on the table. With the recipe's ``held_back``, each training stage also
scores the pairs it kept out of training (column ``bi held-back``, ``cross held-back``): a
student far better on its training pairs than on those memorised rather than learnt. Written
to ``fidelity.json`` and the report.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from transenc.labels import rank_agreement, read_labels
from transenc.pipeline.names import BI_LABELS, CROSS_LABELS, model_dir_name, round_dir
from transenc.stages.learn_labels import held_back_mask

FIDELITY_FILE = "fidelity.json"


def _recorded(manifest: Path, key: str) -> float | None:
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text()).get("metrics", {}).get(key)


def _trained(manifest: Path, size: int) -> np.ndarray:
    """The first ``size`` pairs of what a training stage trained on, less those its
    ``held_back`` kept out (a cross-encoder's pool holds the corpus's pairs first)."""
    data = json.loads(manifest.read_text()) if manifest.is_file() else {}
    config, metrics = data.get("config", {}), data.get("metrics", {})
    if not config.get("held_back"):
        return np.ones(size, dtype=bool)
    total = max(size, metrics.get("pairs", 0) + metrics.get("held_back", 0))
    return ~held_back_mask(total, config["held_back"], config["seed"])[:size]


def round_fidelity(out: Path, rounds: int, count: int) -> dict[str, dict[str, float]]:
    """``{"round N": {"bi": rho, "cross": rho, "bi held-back": rho, ...}}`` for the rounds
    that have the files."""
    table: dict[str, dict[str, float]] = {}
    for r in range(1, rounds + 1):
        folder = out / round_dir(r)
        row: dict[str, float] = {}
        for k in range(count):
            bi = model_dir_name("bi", k, count)
            if (value := _recorded(folder / f"train-{bi}.manifest.json", "fidelity")) is not None:
                row[bi] = value
            cross = model_dir_name("cross", k, count)
            own = folder / (
                CROSS_LABELS if count == 1 else CROSS_LABELS.replace(".tsv", f".{cross}.tsv")
            )
            if own.is_file() and (folder / BI_LABELS).is_file():
                learnt, scores = read_labels(folder / BI_LABELS).scores, read_labels(own).scores
                trained = _trained(folder / f"train-{cross}.manifest.json", len(learnt))
                row[cross] = round(rank_agreement(scores[trained], learnt[trained]), 4)
            for name in (bi, cross, model_dir_name("late", k, count)):
                held = _recorded(folder / f"train-{name}.manifest.json", "held_back_fidelity")
                if held is not None:
                    row[f"{name} held-back"] = held
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
        "(no gold label read); `held-back`: on the pairs its stage kept out of training.",
        "",
        "| | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for label, row in table.items():
        lines.append(f"| {label} | " + " | ".join(f"{row.get(c, '')}" for c in columns) + " |")
    return [*lines, ""]
