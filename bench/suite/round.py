"""Benchmark: one end-to-end bootstrap round on the reference workload, transenc vs by hand.

Reference workload: the embedded all-MiniLM-L6-v2 and the 5749 STS-B train pairs, unlabelled.
transenc runs ``transenc bootstrap --recipe bench/recipes/round.toml``; the baseline is
``bench/baselines/naive_round.py`` (the same round with plain sentence-transformers calls and
the same hyper-parameters). Each runs in its own process, so wall time and peak resident memory
are its own. Both results are then evaluated the same way (Spearman per STS task; STS-B only
with ``--quick``, which also cuts the corpus to 400 pairs).

    python -m bench.suite.round --data-dir ../shared/data/sts [--quick]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import arguments, record, show
from transenc.evaluate import load_tasks, spearman_by_task
from transenc.models import load_bi_encoder, load_cross_encoder

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "bench" / "recipes" / "round.toml"
MEMORY_GOAL_GIB = 4.0


def run_measured(command: list[str]) -> dict:
    """Runs ``command``; its wall time and peak resident memory (from the kernel's rusage)."""
    print("$", " ".join(command), flush=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    return {"wall_seconds": round(seconds, 1), "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2)}


def main() -> None:
    args = arguments(
        __doc__.splitlines()[0],
        lambda p: p.add_argument("--out", type=Path, default=ROOT / "runs" / "bench-round"),
    )
    max_pairs = 400 if args.quick else 0
    data = str(Path(args.data_dir).resolve())
    shutil.rmtree(args.out, ignore_errors=True)
    recipe = str(RECIPE)
    if max_pairs:
        text = RECIPE.read_text().replace("rounds = 1", f"rounds = 1\nmax_pairs = {max_pairs}")
        args.out.mkdir(parents=True)
        recipe = str(args.out / "round-quick.toml")
        Path(recipe).write_text(text)
    ours = run_measured(
        [
            sys.executable,
            "-m",
            "transenc",
            "bootstrap",
            "--pairs",
            "stsb:train",
            "--data-dir",
            data,
            "--recipe",
            recipe,
            "--out",
            str(args.out / "transenc"),
            "--no-progress",
        ]
    )
    baseline = run_measured(
        [
            sys.executable,
            "-m",
            "bench.baselines.naive_round",
            "--pairs-file",
            str(args.out / "transenc" / "pairs.tsv"),
            "--out",
            str(args.out / "baseline"),
        ]
    )

    tasks = load_tasks(Path(data), ("stsb",)) if args.quick else load_tasks(Path(data))
    models = {
        "start bi": ("bi", "default"),
        "transenc bi": ("bi", args.out / "transenc" / "final" / "bi"),
        "transenc cross": ("cross", args.out / "transenc" / "final" / "cross"),
        "baseline bi": ("bi", args.out / "baseline" / "bi"),
        "baseline cross": ("cross", args.out / "baseline" / "cross"),
    }
    spearman = {}
    for name, (kind, folder) in models.items():
        model = load_bi_encoder(str(folder)) if kind == "bi" else load_cross_encoder(str(folder))
        spearman[name] = spearman_by_task(model, kind, tasks, both_orders=True)
    figures = {
        "pairs": max_pairs or 5749,
        "recipe": str(RECIPE.relative_to(ROOT)),
        "transenc": ours,
        "baseline": baseline,
        "speedup": round(baseline["wall_seconds"] / ours["wall_seconds"], 2),
        "memory_goal_met": ours["peak_rss_gib"] <= MEMORY_GOAL_GIB,
        "spearman": spearman,
    }
    show(figures)
    record("round", figures, args.quick)


if __name__ == "__main__":
    main()
