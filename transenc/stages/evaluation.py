"""Evaluation stage of a bootstrap run: STS Spearman of every model of a round, in one file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from transenc import evaluate
from transenc.atomic import write_text_atomic
from transenc.data.corpus import PairCorpus
from transenc.models import load_model
from transenc.stages.declare import input_field, output_field, runtime_field


@dataclass
class RoundEvalConfig:
    """Score ``models`` (row name -> path; ``kinds`` row name -> bi or cross) on ``benchmarks``
    (loaded once by the caller) and write ``output`` (row name -> task -> Spearman x100)."""

    models: dict[str, str] = input_field()
    kinds: dict[str, str] = field(default_factory=dict)
    tasks: list[str] = field(default_factory=list)
    data: str = ""
    output: Path = output_field(Path("metrics.json"))
    benchmarks: dict[str, PairCorpus] = runtime_field(default_factory=dict)
    show_progress: bool = runtime_field(False)


def run(config: RoundEvalConfig) -> dict[str, dict[str, float]]:
    result = {}
    for name, path in config.models.items():
        kind = config.kinds[name]
        model = load_model(path, kind)
        result[name] = evaluate.spearman_by_task(
            model,
            kind,
            config.benchmarks,
            both_orders=kind == "cross",
            show_progress=config.show_progress,
        )
    write_text_atomic(config.output, json.dumps(result, indent=2) + "\n")
    return result
