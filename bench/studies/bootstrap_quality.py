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
    python -m bench.bootstrap_quality --recipe cpu-fast --teacher mpnet --tag=-mpnet ...

Recipes that differ only in a late step (the bi-encoder's objective, say) can start each seed
from another recipe's run of the same seed: ``--share-from 'runs/X/cpu-fast-seed{seed}'`` copies
its stages in, resume keeps those whose settings and inputs match (labelling, the
cross-encoder) and redoes the rest, so a comparison pays only for what it changes.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
from pathlib import Path

from bench.common import record
from transenc.bootstrap import (
    CONTRASTIVE_DIR,
    START_DIR,
    TEACHERS_DIR,
    BootstrapConfig,
    run,
)
from transenc.errors import TransencError
from transenc.pipeline import registry, rundir
from transenc.recipe import load_recipe


def stage_seconds(run_dir: Path) -> dict[str, float]:
    """Seconds the run's stages took, summed over their manifests (so a resumed run still
    reports its whole cost): ``work`` (contrastive, labelling, training) and ``eval``."""
    seconds = {"work": 0.0, "eval": 0.0}
    for manifest in run_dir.rglob("*.manifest.json"):
        kind = "eval" if manifest.name == "eval.manifest.json" else "work"
        seconds[kind] += json.loads(manifest.read_text())["seconds"]
    return {kind: round(value, 1) for kind, value in seconds.items()}


def share_stages(donor: Path, config: BootstrapConfig, rounds: bool = False) -> None:
    """Copies a finished run's stages into ``config.out`` before it runs: the ones no seed
    changes (the start models' evaluation, a frozen teacher's labels), and with ``rounds`` every
    round's too. Resume checks each copied manifest against this run's inputs and settings, so a
    copy that does not apply is redone, never trusted; the copied seconds still count, as if the
    stage had run here."""
    if config.out.exists() or not donor.is_dir():
        return
    rundir.prepare(config, rundir.read_corpus(config))
    names = [START_DIR, TEACHERS_DIR]
    if rounds:
        names.append(CONTRASTIVE_DIR)
        names += sorted(p.name for p in donor.glob("round-*") if p.is_dir())
    for name in names:
        if (donor / name).is_dir():
            shutil.copytree(donor / name, config.out / name)
            if name.startswith("round-"):
                _drop_unplanned_stages(config.out / name, config.recipe.round_steps)


def _drop_unplanned_stages(folder: Path, round_steps: list[str]) -> None:
    """Removes the manifests of round steps this run's recipe does not take (the donor's
    cascade steps, say): resume never reads them, and ``stage_seconds`` would count them."""
    for manifest in folder.glob("*.manifest.json"):
        step = re.sub(r"-\d+$", "", manifest.name.removesuffix(".manifest.json"))  # train-bi-2
        if step in registry.names("round") and step not in round_steps:
            manifest.unlink()


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
