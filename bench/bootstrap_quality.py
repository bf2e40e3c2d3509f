"""Benchmark: quality and cost of a bootstrap run, per seed, and the spread over seeds.

Runs ``transenc bootstrap`` (library API) once per seed, each in its own run directory, and
records one JSON line per seed: the per-round STS table, the time the stages took (training and
labelling apart from evaluation, summed over the stage manifests so a resumed run reports its
whole cost) and the peak resident memory. Re-running resumes unfinished seeds and re-records
finished ones without retraining, so a long series can be spread over several sessions;
``python -m bench.report`` shows the latest record of every seed and the mean and spread of the
final round.

    python -m bench.bootstrap_quality --recipe cpu --pairs eval-pairs --seeds 1 2 3 \
        --data-dir ../shared/data/sts --out runs/bench-quality
    python -m bench.bootstrap_quality --recipe cpu-fast --teacher mpnet --tag -mpnet ...
"""

from __future__ import annotations

import argparse
import json
import resource
from pathlib import Path

from bench.common import record
from transenc.bootstrap import BootstrapConfig, run
from transenc.recipe import load_recipe


def stage_seconds(run_dir: Path) -> dict[str, float]:
    """Seconds the run's stages took, summed over their manifests (so a resumed run still
    reports its whole cost): ``work`` (contrastive, labelling, training) and ``eval``."""
    seconds = {"work": 0.0, "eval": 0.0}
    for manifest in run_dir.rglob("*.manifest.json"):
        kind = "eval" if manifest.name == "eval.manifest.json" else "work"
        seconds[kind] += json.loads(manifest.read_text())["seconds"]
    return {kind: round(value, 1) for kind, value in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="cpu")
    parser.add_argument("--pairs", default="eval-pairs")
    parser.add_argument("--model", action="append", default=None)
    parser.add_argument("--teacher", action="append", default=[])
    parser.add_argument("--tag", default="", help="run directory suffix, to tell variants apart")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--out", type=Path, default=Path("runs/bench-quality"))
    args = parser.parse_args()

    for seed in args.seeds:
        recipe = load_recipe(args.recipe).with_overrides(seed=seed)
        result = run(
            BootstrapConfig(
                pairs=args.pairs,
                out=args.out / f"{recipe.name}{args.tag}-seed{seed}",
                models=args.model or ["default"],
                teachers=args.teacher,
                recipe=recipe,
                eval_data=args.data_dir,
                data_dir=args.data_dir,
            ),
            say=print,
        )
        seconds = stage_seconds(result.run_dir)
        figures = {
            "recipe": recipe.name,
            "pairs": args.pairs,
            "models": args.model or ["default"],
            **({"teachers": args.teacher} if args.teacher else {}),
            "seed": seed,
            "rounds": recipe.rounds,
            "work_seconds": seconds["work"],
            "eval_seconds": seconds["eval"],
            "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
            "table": result.table,
            "run_dir": str(result.run_dir),
        }
        record("bootstrap_quality", figures)


if __name__ == "__main__":
    main()
