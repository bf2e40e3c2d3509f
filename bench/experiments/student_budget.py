"""Experiment: the same student, the same targets, another training budget. Does a larger
budget close the gap between a run's targets and its bi-encoder, and does that carry to unseen
pairs?

For a finished bootstrap run, ``train-bi`` runs again from the model and on the targets its own
round used, with the run's seed and settings but for the variant's overrides. Each variant's
bi-encoder is scored on the training pairs' gold (analysis only, as
:mod:`bench.experiments.student_gap` does: no run reads it), on the held-out gold the study
evaluates (``--eval-gold``), and by its label-free fidelity. ``recipe`` retrains with no
override, so it says how far retraining alone moves the figures.

    python -m bench.experiments.student_budget \\
        runs/adapt/sts-genres/sts16-headlines/transenc-capped-seed2 \\
        --eval-gold runs/adapt/sts-genres/sts16-headlines/gold_sts16-headlines.tsv \\
        --variants 3x-steps-last --record
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

from bench.experiments.student_gap import gold_frames, model_metrics, training_gold
from transenc.pipeline.names import model_dir_name
from transenc.recipe import DEFAULT_BI_LOSS
from transenc.train_settings import TrainSettings

# overrides of the run's [bi] settings; every variant trains from the same start and targets
VARIANTS = {
    "recipe": {},
    # the whole step floor, the last weights kept (no choice on held-back fidelity)
    "last-weights": {"keep_best": False},
    # three times the step floor and pass cap, the last weights kept
    "3x-steps-last": {"min_steps": 3, "max_passes": 3, "keep_best": False},
    # issue 24's probe: 4 epochs at twice the learning rate, the last weights kept
    "4-epochs-lr4e-5": {"epochs": 4.0, "learning_rate": 4e-5, "keep_best": False},
    # three times the step floor and pass cap, keep-best on held-back fidelity as shipped
    "3x-steps": {"min_steps": 3, "max_passes": 3},
}
MULTIPLIED = ("min_steps", "max_passes")  # these variants scale the run's value


def settings_of(manifest: dict, overrides: dict) -> TrainSettings:
    recorded = dict(manifest["config"]["settings"])
    for key, value in overrides.items():
        recorded[key] = recorded.get(key, 0) * value if key in MULTIPLIED else value
    known = {f.name for f in dataclasses.fields(TrainSettings)}
    return TrainSettings(**{k: v for k, v in recorded.items() if k in known})


def retrain(run: Path, variant: str, number: int = 1, index: int = 0) -> tuple[Path, dict]:
    """Runs the variant's train-bi for model ``index`` (mutual distillation trains several)
    under ``run/student-budget/``; returns the model and its training figures (fidelity,
    steps, seconds)."""
    from transenc.stages import train_bi

    count = len(json.loads((run / "run.json").read_text())["models"])
    name = model_dir_name("bi", index, count)
    manifest = json.loads((run / f"round-{number}" / f"train-{name}.manifest.json").read_text())
    config = manifest["config"]
    output = run / "student-budget" / (variant if count == 1 else f"{name}-{variant}")
    result = train_bi.run(
        train_bi.TrainBiConfig(
            model=manifest["input_paths"]["model"],
            labels=Path(manifest["input_paths"]["labels"]),
            output=output,
            settings=settings_of(manifest, VARIANTS[variant]),
            seed=config["seed"],
            held_back=config.get("held_back", 0.0),
            loss=config.get("loss", DEFAULT_BI_LOSS),
            loss_params=config.get("loss_params", {}),
            dual_reg=config.get("dual_reg", {}),
        )
    )
    figures = {
        "fidelity": result.fidelity,
        "held_back_fidelity": result.held_back_fidelity,
        "steps": result.steps,
        "kept_step": result.kept_step,
        "train_seconds": round(result.seconds, 1),
    }
    return output, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--eval-gold", nargs="+", required=True, help="held-out gold file(s)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument(
        "--model-index", type=int, default=0, help="which model of a mutual run (0: the first)"
    )
    parser.add_argument("--domains-dir", type=Path, default=Path("../shared/data/domains"))
    parser.add_argument("--sts-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--record", action="store_true", help="append each variant's figures")
    args = parser.parse_args()
    row_name, _, seed = args.run.name.rpartition("-seed")
    frames = gold_frames(args.run, args.domains_dir, args.sts_dir)
    starts = json.loads((args.run / "run.json").read_text())["models"]
    model_name = f" ({starts[args.model_index]})" if len(starts) > 1 else ""
    for variant in args.variants:
        started = time.time()
        model, figures = retrain(args.run, variant, index=args.model_index)
        with tempfile.TemporaryDirectory() as tmp:
            trained_on = {}
            for name, frame in frames.items():
                path = Path(tmp) / f"{name}.tsv"
                training_gold(frame, args.run).to_csv(path, sep="\t", index=False)
                trained_on[name] = model_metrics({"bi": str(model)}, path)["bi"]
        held_out = {
            Path(gold).stem.removeprefix("gold_"): model_metrics({"bi": str(model)}, Path(gold))[
                "bi"
            ]
            for gold in args.eval_gold
        }
        row = {
            "domain": args.run.parent.name,
            "row": f"{row_name}{model_name} / {variant}",
            "seed": int(seed) if seed.isdigit() else None,
            "overrides": VARIANTS[variant],
            "training_pairs_gold": {k: round(v, 2) for k, v in trained_on.items()},
            "held_out_gold": {k: round(v, 2) for k, v in held_out.items()},
            **figures,
            "seconds": round(time.time() - started, 1),
        }
        print(json.dumps(row), flush=True)
        if args.record:
            from bench.common import record

            record("student_budget", row)


if __name__ == "__main__":
    main()
