"""Benchmark: training throughput of `train-cross` and `train-bi` against the plain trainers.

Baseline: sentence-transformers' ``CrossEncoderTrainer`` / ``SentenceTransformerTrainer`` with
their default settings, given the same data, model and optimisation (epochs, batch size,
learning rate, warm-up, max length), so that only how the trainer runs differs. transenc: the
`train-cross` / `train-bi` stages with length-grouped batches, in fp32 and in bf16. Quality is
Spearman on STS-B test; "equal quality" means within 0.3 of the baseline.

Data: the STS-B train pairs, labelled by the embedded bi-encoder (cross training) and then by
the baseline cross-encoder (bi training), as in a bootstrap round.

    python -m bench.suite.training --data-dir ../shared/data/sts [--quick]
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from bench.baselines import plain
from bench.common import arguments, record, show, timed
from transenc.data.readers import resolve_corpus
from transenc.data.sts import load_sts_task
from transenc.evaluate import spearman_by_task
from transenc.labels import cosine_to_target, write_labels
from transenc.models import load_bi_encoder, load_cross_encoder
from transenc.recipe import TrainSettings
from transenc.scoring import bi_scores, cross_scores
from transenc.stages import train_bi, train_cross
from transenc.training import seed_everything

GOAL = 1.3
QUALITY_TOLERANCE = 0.3
SEED = 42
CROSS = TrainSettings(epochs=1, batch_size=32, learning_rate=2e-5, warmup_ratio=0.1, max_length=64)
BI = TrainSettings(epochs=1, batch_size=32, learning_rate=2e-5, warmup_ratio=0.1, max_length=32)


def baseline_cross(labels, workdir: Path) -> Path:
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    seed_everything(SEED)
    model = load_cross_encoder("default")
    targets = cosine_to_target(labels.scores, "clip").tolist()
    s1, s2 = labels.sentence1, labels.sentence2
    columns = {"sentence1": s1 + s2, "sentence2": s2 + s1, "label": targets + targets}
    return plain.train(model, columns, BinaryCrossEntropyLoss(model), CROSS, SEED, workdir)


def baseline_bi(labels, workdir: Path) -> Path:
    from sentence_transformers.losses import CosineSimilarityLoss

    seed_everything(SEED)
    model = load_bi_encoder("default")
    columns = {
        "sentence1": labels.sentence1,
        "sentence2": labels.sentence2,
        "score": labels.scores.tolist(),
    }
    return plain.train(model, columns, CosineSimilarityLoss(model), BI, SEED, workdir)


def stsb_spearman(kind: str, folder: Path, test) -> float:
    model = load_bi_encoder(str(folder)) if kind == "bi" else load_cross_encoder(str(folder))
    return spearman_by_task(model, kind, {"stsb": test}, both_orders=True)["stsb"]


# transenc's variants: (name, precision, length-grouped batches, length-sorted chunks)
VARIANTS = (
    ("transenc fp32 grouped", "fp32", True, False),
    ("transenc bf16 grouped", "bf16", True, False),
    ("transenc bf16", "bf16", False, False),
    ("transenc fp32 chunked", "fp32", False, True),
)
# rows per chunk where a variant chunks: the shipped recipes' values
CHUNK_ROWS = {"cross": 16, "bi": 32}


def options(parser) -> None:
    parser.add_argument(
        "--variants",
        nargs="+",
        default=[variant[0] for variant in VARIANTS],
        help="which transenc variants to run (the baselines always run)",
    )
    parser.add_argument("--kinds", nargs="+", default=["cross", "bi"], choices=["cross", "bi"])


def main() -> None:
    args = arguments(__doc__.splitlines()[0], options)
    corpus = resolve_corpus("stsb:train", args.data_dir).without_scores()
    if args.quick:
        corpus = corpus.sample(500, seed=0)
    test = load_sts_task(args.data_dir, "stsb")
    variants = [v for v in VARIANTS if v[0] in args.variants]
    rows = []
    with tempfile.TemporaryDirectory(prefix="transenc-bench-") as tmp:
        work = Path(tmp)

        def measure(kind: str, path: str, examples: int, train) -> None:
            folder, seconds = timed(train)
            rows.append(
                {
                    "kind": kind,
                    "path": path,
                    "examples": examples,
                    "seconds": round(seconds, 1),
                    "examples_per_s": round(examples / seconds, 1),
                    "stsb": round(stsb_spearman(kind, folder, test), 2),
                }
            )

        bi_labels = corpus.with_scores(bi_scores(load_bi_encoder("default"), corpus))
        write_labels(bi_labels, work / "bi_labels.tsv")
        measure(
            "cross",
            "baseline",
            2 * len(corpus),
            lambda: baseline_cross(bi_labels, work / "cross-baseline"),
        )
        baseline_cross_model = load_cross_encoder(str(work / "cross-baseline" / "model"))
        cross_labels = corpus.with_scores(
            cross_scores(baseline_cross_model, corpus, both_orders=True)
        )
        write_labels(cross_labels, work / "cross_labels.tsv")
        if "bi" in args.kinds:
            bi_baseline = work / "bi-baseline"
            measure("bi", "baseline", len(corpus), lambda: baseline_bi(cross_labels, bi_baseline))

        for name, precision, grouped, chunked in variants:
            how = {"precision": precision, "length_grouped": grouped}
            chunks = CHUNK_ROWS if chunked else {"cross": 0, "bi": 0}
            cross = train_cross.TrainCrossConfig(
                "default",
                work / "bi_labels.tsv",
                work / f"cross-{name}",
                settings=replace(CROSS, **how, length_chunk=chunks["cross"]),
                seed=SEED,
            )
            if "cross" in args.kinds:
                measure("cross", name, 2 * len(corpus), lambda c=cross: train_cross.run(c).output)
            bi = train_bi.TrainBiConfig(
                "default",
                work / "cross_labels.tsv",
                work / f"bi-{name}",
                settings=replace(BI, **how, length_chunk=chunks["bi"]),
                seed=SEED,
            )
            if "bi" in args.kinds:
                measure("bi", name, len(corpus), lambda c=bi: train_bi.run(c).output)

    for row in rows:
        base = next(r for r in rows if r["kind"] == row["kind"] and r["path"] == "baseline")
        row["speedup"] = round(base["seconds"] / row["seconds"], 2)
        row["stsb_difference"] = round(row["stsb"] - base["stsb"], 2)
        row["goal_met"] = (
            row["speedup"] >= GOAL and abs(row["stsb_difference"]) <= QUALITY_TOLERANCE
        )
    figures = {
        "corpus": corpus.name,
        "pairs": len(corpus),
        "cross": str(CROSS),
        "bi": str(BI),
        "rows": rows,
    }
    show(figures)
    record("training", figures, args.quick)


if __name__ == "__main__":
    main()
