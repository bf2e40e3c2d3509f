"""Benchmark: the shipped recipes' precision ``auto`` on a CPU without native bfloat16.

Every shipped recipe says ``precision = "auto"``. On a CPU without AMX / AVX512-BF16, bf16
autocast is five to seven times slower than fp32, so ``auto`` must pick fp32 there. This script
times the `cpu-fast` recipe's labelling and training steps on a sample of the STS pool three
ways: ``auto`` as this machine decides it, ``auto`` with the CPU declared to lack bf16
(``TRANSENC_NATIVE_BF16=0``, what a CPU without it reports), and explicit ``fp32`` / ``bf16``.
The goal: ``auto`` on a CPU without bf16 runs at fp32 speed (ratio to fp32 about 1.0).

    python -m bench.studies.precision_auto --data-dir ../shared/data/sts [--quick]
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.common import arguments, record, show, timed
from transenc.data.readers import resolve_corpus
from transenc.labels import write_labels
from transenc.models import load_bi_encoder, load_cross_encoder
from transenc.precision import NATIVE_BF16_ENV, choose
from transenc.recipe import load_recipe
from transenc.scoring import bi_scores, cross_scores
from transenc.stages import train_bi

# (name, precision asked for, TRANSENC_NATIVE_BF16 or None for what the CPU reports)
VARIANTS = [
    ("fp32", "fp32", None),
    ("bf16", "bf16", None),
    ("auto (this CPU)", "auto", None),
    ("auto (CPU without bf16)", "auto", "0"),
]


def run_variant(corpus, asked: str, forced: str | None, work: Path) -> dict:
    if forced is None:
        os.environ.pop(NATIVE_BF16_ENV, None)
    else:
        os.environ[NATIVE_BF16_ENV] = forced
    recipe = load_recipe("cpu-fast")
    chosen = choose(asked).note
    bi, cross = load_bi_encoder("default"), load_cross_encoder("default")
    labels, label_bi_s = timed(lambda: bi_scores(bi, corpus, 64, False, asked))
    _, label_cross_s = timed(lambda: cross_scores(cross, corpus, True, 64, False, asked))
    label_file = write_labels(corpus.with_scores(labels), work / f"labels-{asked}.tsv")
    trained = train_bi.run(
        train_bi.TrainBiConfig(
            "default",
            label_file,
            work / f"bi-{asked}-{forced}",
            replace(recipe.bi, epochs=1.0, precision=asked),
        )
    )
    return {
        "chosen": chosen,
        "label_bi_s": round(label_bi_s, 1),
        "label_cross_s": round(label_cross_s, 1),
        "train_bi_s": round(trained.seconds, 1),
        "total_s": round(label_bi_s + label_cross_s + trained.seconds, 1),
    }


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    size = 300 if args.quick else 2000
    corpus = resolve_corpus("pool", args.data_dir).sample(size, 0)
    rows = []
    with tempfile.TemporaryDirectory(prefix="transenc-precision-") as work:
        for name, asked, forced in VARIANTS:
            row = {
                "variant": name,
                "asked": asked,
                **run_variant(corpus, asked, forced, Path(work)),
            }
            show(row)
            rows.append(row)
    fp32 = next(r["total_s"] for r in rows if r["variant"] == "fp32")
    for row in rows:
        row["ratio_to_fp32"] = round(row["total_s"] / fp32, 2)
    without = next(r for r in rows if r["variant"] == "auto (CPU without bf16)")
    figures = {"pairs": len(corpus), "rows": rows, "goal_met": without["chosen"].startswith("fp32")}
    record("precision_auto", figures, quick=args.quick)


if __name__ == "__main__":
    main()
