"""Benchmark: two training runs on one machine, against one alone, each step's time.

Each run is a worker process that chooses its compute threads as every transenc command does
(:mod:`transenc.threads`: ``--threads``, else the cores free when it starts) and trains the
embedded all-MiniLM-L6-v2 cross-encoder head on synthetic pairs (batch 32, 64 tokens, precision
``auto``), timing every optimizer step. Scenarios:

- ``alone``: one run, threads chosen (all the cores of an idle machine);
- ``two, every core each``: two runs started together, each with as many threads as cores
  (torch's own default, what transenc did before it chose);
- ``two, chosen``: a second run started while the first trains, each choosing for itself (the
  first takes the idle cores, the second what is left, at least one; since the rebalancing,
  each looks again every ``transenc.threads.REBALANCE_SECONDS`` while it trains);
- ``two, one core each``: two runs, ``--threads`` set to half the cores each.

Figures: the median step time of each run (its first steps left out: warm-up), and the slowdown
against ``alone``. Needs the CPU to itself: run it with nothing else running.

    python -m bench.suite.concurrency [--steps 24]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

from bench.common import record, show

WARMUP_STEPS = 4
WORDS = (
    "a man woman child dog cat plays runs eats reads writes the park street house car guitar "
    "song book river city market quickly slowly today yesterday under over near green red"
).split()


def worker(steps: int, threads: int | None) -> None:
    """One training run; prints its threads and step times as one JSON line."""
    from transformers import TrainerCallback

    from transenc import threads as thread_choice
    from transenc.models import load_cross_encoder
    from transenc.train_settings import TrainSettings
    from transenc.training import fit

    chosen = thread_choice.apply(threads)
    rng = random.Random(0)
    rows = steps * 32
    columns = {
        "sentence1": [" ".join(rng.choices(WORDS, k=12)) for _ in range(rows)],
        "sentence2": [" ".join(rng.choices(WORDS, k=12)) for _ in range(rows)],
        "label": [rng.random() for _ in range(rows)],
    }
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    model = load_cross_encoder("default")
    times: list[float] = []

    class StepTimes(TrainerCallback):
        def on_step_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):
            times.append(time.perf_counter() - self.started)

    print("training", flush=True)  # the launcher waits for this before starting a second run
    settings = TrainSettings(epochs=1, batch_size=32, max_length=64, precision="auto")
    loss = BinaryCrossEntropyLoss(model)
    fit(model, columns, loss, settings, seed=1, show_progress=False, callbacks=[StepTimes()])
    print(json.dumps({"threads": chosen, "step_seconds": times}), flush=True)


def launch(steps: int, threads: int | None) -> subprocess.Popen:
    command = [sys.executable, "-m", "bench.suite.concurrency", "--worker", "--steps", str(steps)]
    if threads is not None:
        command += ["--threads", str(threads)]
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "TRANSENC_THREADS")}
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)


def wait_until_training(process: subprocess.Popen) -> None:
    for line in process.stdout:
        if line.strip() == "training":
            return
    raise RuntimeError("worker ended before training")


def result(process: subprocess.Popen) -> dict:
    lines = [line for line in process.communicate()[0].splitlines() if line.startswith("{")]
    if process.returncode or not lines:
        raise RuntimeError(f"worker failed ({process.returncode})")
    found = json.loads(lines[-1])
    kept = found["step_seconds"][WARMUP_STEPS:]
    return {"threads": found["threads"], "median_step_s": round(statistics.median(kept), 3)}


def scenario(steps: int, threads: list[int | None], staggered: bool) -> list[dict]:
    processes = []
    for count in threads:
        processes.append(launch(steps, count))
        if staggered:
            wait_until_training(processes[-1])
    return [result(p) for p in processes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.steps, args.threads)
        return
    cores = os.cpu_count() or 1
    runs = {
        "alone": scenario(args.steps, [None], staggered=False),
        "two, every core each": scenario(args.steps, [cores, cores], staggered=False),
        "two, chosen": scenario(args.steps, [None, None], staggered=True),
        "two, one core each": scenario(args.steps, [max(1, cores // 2)] * 2, staggered=False),
    }
    alone = runs["alone"][0]["median_step_s"]
    from transenc.threads import REBALANCE_SECONDS

    figures = {
        "rebalance_seconds": REBALANCE_SECONDS,
        "workload": "all-MiniLM-L6-v2 cross-encoder, batch 32, 64 tokens, precision auto, "
        f"{args.steps} steps per run (median of steps {WARMUP_STEPS + 1}+)",
        "runs": {
            name: [{**run, "slowdown": round(run["median_step_s"] / alone, 2)} for run in found]
            for name, found in runs.items()
        },
    }
    show(figures)
    record("concurrency", figures)


if __name__ == "__main__":
    main()
