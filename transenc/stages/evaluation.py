"""Evaluation stage of a bootstrap run: every model of a round on the STS tasks and the user's
gold sets (``--eval-gold``), in one file: per model, each task's Spearman x100, each gold set's
primary metric x100 (:mod:`transenc.gold_eval`) and ``avg``, their mean.

When the stage runs again because one model changed (an objective comparison retrains only the
bi-encoder), the models whose checksum is unchanged keep the scores the last run recorded:
re-scoring an unchanged cross-encoder costs minutes and gives the same numbers.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from transenc import evaluate
from transenc.atomic import write_text_atomic
from transenc.data.corpus import PairCorpus
from transenc.gold import GoldSet
from transenc.gold_eval import score_sets
from transenc.manifest import MANIFEST_VERSION, Stage
from transenc.models import load_model
from transenc.stages.declare import input_field, output_field, runtime_field

logger = logging.getLogger(__name__)


@dataclass
class RoundEvalConfig:
    """Score ``models`` (row name -> path; ``kinds`` row name -> bi or cross) on ``benchmarks``
    (loaded once by the caller) and write ``output`` (row name -> task -> Spearman x100)."""

    models: dict[str, str] = input_field()
    kinds: dict[str, str] = field(default_factory=dict)
    # the user's gold sets: set name -> file (an STS task name is recorded as a setting)
    gold: dict[str, str] = input_field(default_factory=dict)
    tasks: list[str] = field(default_factory=list)
    data: str = ""
    output: Path = output_field(Path("metrics.json"))
    benchmarks: dict[str, PairCorpus] = runtime_field(default_factory=dict)
    show_progress: bool = runtime_field(False)
    gold_sets: dict[str, GoldSet] = runtime_field(default_factory=dict)
    # row name -> scores of models unchanged since the last run (see unchanged_scores)
    known: dict[str, dict[str, float]] = runtime_field(default_factory=dict)


def unchanged_scores(stage: Stage) -> dict[str, dict[str, float]]:
    """Scores ``stage``'s last finished run recorded, for the models whose checksum has not
    changed since, when it scored the same tasks of the same data; empty otherwise."""
    try:
        recorded = json.loads(stage.manifest.read_text())
    except (OSError, ValueError):
        return {}
    if recorded.get("format") != MANIFEST_VERSION:
        return {}
    same_tasks = all(
        recorded.get("config", {}).get(key) == stage.config.get(key) for key in ("tasks", "data")
    )
    if not same_tasks:
        return {}
    before, now = recorded.get("inputs", {}), stage.input_checksums()
    gold_now = {k: v for k, v in now.items() if k.startswith("gold.")}
    if gold_now != {k: v for k, v in before.items() if k.startswith("gold.")}:
        return {}  # a gold file changed: every model is scored again
    scores = recorded.get("metrics", {})
    return {
        name: scores[name]
        for name in scores
        if f"models.{name}" in now and before.get(f"models.{name}") == now[f"models.{name}"]
    }


def run(config: RoundEvalConfig) -> dict[str, dict[str, float]]:
    result = {}
    for name, path in config.models.items():
        if name in config.known:
            logger.info("%s: unchanged since the last evaluation, its scores are kept", name)
            result[name] = config.known[name]
            continue
        kind = config.kinds[name]
        result[name] = _scores(load_model(path, kind), kind, config)
    write_text_atomic(config.output, json.dumps(result, indent=2) + "\n")
    return result


def _scores(model, kind: str, config: RoundEvalConfig) -> dict[str, float]:
    """One model's row: STS Spearman per task, each gold set's primary metric, and ``avg``."""
    row = {}
    if config.benchmarks:
        row = evaluate.spearman_by_task(
            model,
            kind,
            config.benchmarks,
            both_orders=kind == "cross",
            show_progress=config.show_progress,
        )
    if config.gold_sets:
        metrics = score_sets(model, kind, config.gold_sets, show_progress=config.show_progress)
        row.pop(evaluate.AVERAGE, None)
        row.update({n: metrics[n][s.primary] for n, s in config.gold_sets.items()})
        # avg: the mean of every column, STS tasks and gold sets alike
        row[evaluate.AVERAGE] = round(float(np.mean(list(row.values()))), 4)
    return row
