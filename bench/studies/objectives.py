"""Benchmark table: cross -> bi objectives compared on finished bootstrap runs (issue 11).

For each run directory of ``bench.studies.bootstrap_quality`` (one recipe, one seed, transductive on
``eval-pairs``) it reads the final bi-encoder's 7-task average from the run's report and the
Spearman of the targets that bi-encoder learnt (the file its ``train-bi`` manifest names) against
the gold scores, and prints, per recipe, the mean +- sd over seeds of: the final bi-encoder, its
gain over the start, its targets, the gap between the two, the late-interaction model (a
cascade), and the round's labelling + training minutes. Gold scores are read here, for the
analysis only; no run read them while training.

    python -m bench.studies.objectives runs/bench-quality/cpu-fast-*-seed* \
        --data-dir ../shared/data/sts

Runs trained on other pairs, and unfinished runs, are skipped with a note: the targets'
Spearman needs the benchmark's own pairs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from bench.common import record
from transenc.bootstrap import FINAL_DIR, METRICS_FILE, START_DIR
from transenc.data.corpus import PairCorpus
from transenc.evaluate import load_tasks, spearman_of_scores
from transenc.labels import scores_for_pairs
from transenc.pipeline.share import stage_seconds


def final_round(run_dir: Path) -> Path:
    return max(run_dir.glob("round-*"), key=lambda p: int(p.name.split("-")[1]))


def run_figures(run_dir: Path, tasks, benchmark_pairs) -> dict | None:
    folder = final_round(run_dir)
    start = json.loads((run_dir / START_DIR / METRICS_FILE).read_text())
    final = json.loads((folder / METRICS_FILE).read_text())
    manifest_path = folder / "train-bi.manifest.json"
    if not manifest_path.is_file():  # several models: one train-bi manifest each
        print(f"skipped {run_dir}: not a single-model run", file=sys.stderr)
        return None
    manifest = json.loads(manifest_path.read_text())
    targets = folder / Path(manifest["input_paths"]["labels"]).name
    corpus = json.loads((run_dir / "run.json").read_text())["corpus"]
    if corpus != "eval-pairs":
        print(f"skipped {run_dir}: trained on {corpus}, not eval-pairs", file=sys.stderr)
        return None
    target_avg = spearman_of_scores(tasks, scores_for_pairs(targets, benchmark_pairs))["avg"]
    figures = {
        "recipe": run_dir.name.rsplit("-seed", 1)[0],  # the recipe's name and the run's tag
        "run_dir": str(run_dir),
        "start_bi": start["bi"]["avg"],
        "bi": final["bi"]["avg"],
        "cross": final["cross"]["avg"],
        "targets": round(target_avg, 4),
        "targets_file": targets.name,
        "round_minutes": round(stage_seconds(folder)["work"] / 60, 1),  # evaluation left out
        "train_bi_minutes": round(manifest["seconds"] / 60, 1),
    }
    if "late" in final:
        figures["late"] = final["late"]["avg"]
    return figures


def mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.2f} (1 seed)"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def table(rows: list[dict]) -> str:
    by_recipe: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_recipe[row["recipe"]].append(row)
    lines = [
        "| recipe | seeds | final bi | gain | targets | gap | late | round min | train-bi min |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for recipe, runs in sorted(by_recipe.items()):

        def column(key: str, runs=runs) -> list[float]:
            return [run[key] for run in runs if key in run]

        late = column("late")
        lines.append(
            f"| {recipe} | {len(runs)} | {mean_sd(column('bi'))} | "
            f"{statistics.mean(column('bi')) - statistics.mean(column('start_bi')):+.2f} | "
            f"{mean_sd(column('targets'))} | "
            f"{statistics.mean(column('targets')) - statistics.mean(column('bi')):.2f} | "
            f"{mean_sd(late) if late else ''} | "
            f"{statistics.mean(column('round_minutes')):.1f} | "
            f"{statistics.mean(column('train_bi_minutes')):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="bootstrap run directories")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    args = parser.parse_args()
    tasks = load_tasks(args.data_dir)
    benchmark_pairs = PairCorpus.concat(tasks.values()).pairs
    rows = []
    for run in args.runs:
        # final/ is written last; a run still going can hold its donor's metrics (--share-from)
        if not (run / FINAL_DIR).is_dir() or not (final_round(run) / METRICS_FILE).is_file():
            print(f"skipped {run}: not finished", file=sys.stderr)
            continue
        figures = run_figures(run, tasks, benchmark_pairs)
        if figures is not None:
            rows.append(figures)
    if not rows:
        raise SystemExit("no finished eval-pairs run among the given directories")
    print(table(rows))
    record("objectives", {"runs": rows})


if __name__ == "__main__":
    main()
