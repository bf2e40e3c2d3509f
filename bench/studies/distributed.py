"""Benchmark: the reference round as 2 CPU processes under torchrun (gloo) against 1 process.

Runs ``transenc bootstrap --recipe bench/recipes/round.toml --pairs stsb:train`` (the reference
workload of bench.suite.round: the embedded all-MiniLM-L6-v2, the 5,749 STS-B train pairs, evaluated
on the 7 tasks) once in one process and once as ``torchrun --nproc-per-node 2``, then compares:
the labels before any training (the same model split over two processes: equal within bf16
rounding), the labels and Spearman after training (DDP splits every batch over the processes,
so only dropout masks and rounding differ), wall time and the peak memory of one process.
``--quick`` cuts the corpus to 400 pairs and evaluates STS-B only.

    python -m bench.studies.distributed --data-dir ../shared/data/sts [--quick]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from bench.common import arguments, record
from transenc.labels import read_labels

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "bench" / "recipes" / "round.toml"


def bootstrap(processes: int, out: Path, data_dir: Path, quick: bool) -> dict:
    launcher = [sys.executable, "-m", "transenc"]
    if processes > 1:
        launcher = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            str(processes),
            "-m",
            "transenc",
        ]
    pairs = str(out.parent / "pairs-400.tsv") if quick else "stsb:train"
    command = [
        *launcher,
        "bootstrap",
        "--pairs",
        pairs,
        "--data-dir",
        str(data_dir),
        "--recipe",
        str(RECIPE),
        "--out",
        str(out),
        "--eval-data",
        str(data_dir),
        "--eval-tasks",
        "stsb" if quick else "sts12,sts13,sts14,sts15,sts16,stsb,sickr",
        "--no-progress",
    ]
    print("$", " ".join(command), flush=True)
    started = time.perf_counter()
    pid = os.spawnv(os.P_NOWAIT, command[0], command)
    _, status, usage = os.wait4(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    metrics = json.loads((out / "round-1" / "metrics.json").read_text())
    return {
        "processes": processes,
        "wall_seconds": round(time.perf_counter() - started, 1),
        # the largest single process of the tree (the launcher's children included)
        "peak_rss_gib_per_process": round(usage.ru_maxrss / 2**20, 2),
        "bi_avg": metrics["bi"]["avg"],
        "cross_avg": metrics["cross"]["avg"],
    }


def compare(one: Path, two: Path, name: str) -> dict:
    a, b = (read_labels(run / "round-1" / name) for run in (one, two))
    assert a.pairs == b.pairs
    return {
        "labels": name,
        "max_abs_difference": float(np.abs(a.scores - b.scores).max()),
        "spearman_between": round(float(spearmanr(a.scores, b.scores).statistic), 6),
    }


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    with tempfile.TemporaryDirectory(prefix="transenc-distributed-") as tmp:
        root = Path(tmp)
        if args.quick:
            from transenc.data.readers import resolve_corpus

            corpus = resolve_corpus("stsb:train", args.data_dir).sample(400, 0)
            frame = corpus.to_frame()[["sentence1", "sentence2"]]
            frame.to_csv(root / "pairs-400.tsv", sep="\t", index=False)
        rows = [bootstrap(p, root / f"run-{p}", args.data_dir, args.quick) for p in (1, 2)]
        labels = [
            compare(root / "run-1", root / "run-2", name)
            for name in ("bi_labels.tsv", "cross_labels.tsv")
        ]
    for row in rows + labels:
        print(row)
    record("distributed", {"rows": rows, "labels": labels}, args.quick)


if __name__ == "__main__":
    main()
