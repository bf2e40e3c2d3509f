"""Benchmark: quality and cost of a bootstrap run, per seed, and the spread over seeds.

Runs ``transenc bootstrap`` (library API) once per seed, each in its own run directory, and
records one JSON line per seed: the per-round STS table, the time the stages took (training and
labelling apart from evaluation, summed over the stage manifests so a resumed run reports its
whole cost) and the peak resident memory. Re-running resumes unfinished seeds and re-records
finished ones without retraining, so a long series can be spread over several sessions;
``python -m bench.report`` shows the latest record of every seed and the mean and spread of the
final round.

    python -m bench.studies.bootstrap_quality --recipe cpu --pairs eval-pairs --seeds 1 2 3 \
        --data-dir ../shared/data/sts --out runs/bench-quality
    python -m bench.studies.bootstrap_quality --recipe cpu-fast --teacher mpnet --tag=-mpnet ...

Recipes that differ only in a late step (the bi-encoder's objective, say) can start each seed
from another recipe's run of the same seed: ``--share-from 'runs/X/cpu-fast-seed{seed}'`` copies
its stages in, resume keeps those whose settings and inputs match (labelling, the
cross-encoder) and redoes the rest, so a comparison pays only for what it changes.
"""

from __future__ import annotations

import argparse
import resource
from pathlib import Path

from bench.common import record
from transenc.bootstrap import (
    BootstrapConfig,
    run,
)
from transenc.errors import TransencError
from transenc.pipeline.share import share_stages, stage_seconds
from transenc.recipe import load_recipe


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
    parser.add_argument(
        "--no-share",
        action="store_true",
        help="run every seed's start evaluation and teacher labelling itself",
    )
    parser.add_argument(
        "--share-from",
        default=None,
        help="a run directory of the same corpus and seed ({seed} is replaced) whose matching "
        "stages this run reuses",
    )
    args = parser.parse_args()

    first = None
    for seed in args.seeds:
        recipe = load_recipe(args.recipe).with_overrides(seed=seed)
        config = BootstrapConfig(
            pairs=args.pairs,
            out=args.out / f"{recipe.name}{args.tag}-seed{seed}",
            models=args.model or ["default"],
            teachers=args.teacher,
            recipe=recipe,
            eval_data=args.data_dir,
            data_dir=args.data_dir,
        )
        if args.share_from:
            donor = Path(args.share_from.format(seed=seed))
            if not donor.is_dir():  # said, not skipped: the run would silently pay for it all
                raise SystemExit(f"error: --share-from {donor}: no such run directory")
            share_stages(donor, config, rounds=True)
        elif first is not None and not args.no_share:
            share_stages(first, config)
        try:
            result = run(config, say=print)
        except TransencError as err:
            raise SystemExit(f"error: {err}") from None
        first = first or config.out
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
