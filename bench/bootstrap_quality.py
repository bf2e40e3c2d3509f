"""Benchmark: quality and cost of a bootstrap run on the reference workload, per seed.

Runs ``transenc bootstrap`` (library API) once per seed, each in its own run directory, and
records the per-round STS table, the wall time and the peak resident memory. Re-running resumes
finished seeds instead of retraining them.

    python -m bench.bootstrap_quality --recipe cpu --pairs stsb:train --seeds 1 2 3 \
        --data-dir ../shared/data/sts --out runs/bench-quality
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from bench.common import record
from transenc.bootstrap import BootstrapConfig, run
from transenc.recipe import load_recipe


def stage_seconds(run_dir: Path) -> float:
    return sum(json.loads(p.read_text())["seconds"] for p in run_dir.rglob("*.manifest.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default="published")
    parser.add_argument("--pairs", default="stsb:train")
    parser.add_argument("--model", action="append", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--out", type=Path, default=Path("runs/bench-quality"))
    args = parser.parse_args()

    for seed in args.seeds:
        recipe = load_recipe(args.recipe).with_overrides(seed=seed)
        started = time.time()
        result = run(
            BootstrapConfig(
                pairs=args.pairs,
                out=args.out / f"{recipe.name}-seed{seed}",
                models=args.model or ["default"],
                recipe=recipe,
                eval_data=args.data_dir,
                data_dir=args.data_dir,
            ),
            say=print,
        )
        figures = {
            "recipe": recipe.name,
            "pairs": args.pairs,
            "seed": seed,
            "wall_seconds_this_invocation": round(time.time() - started, 1),
            # summed over manifests, so a resumed run still reports its whole cost
            "stage_seconds_total": round(stage_seconds(result.run_dir), 1),
            "stages_run": len(result.stages_run),
            "stages_skipped": len(result.stages_skipped),
            "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
            "table": result.table,
            "run_dir": str(result.run_dir),
        }
        path = record("bootstrap_quality", figures)
        print(f"seed {seed}: recorded in {path}")


if __name__ == "__main__":
    main()
