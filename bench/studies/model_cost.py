"""Benchmark: what each pretrained model costs per 1,000 pairs, to label and to train, fp32/bf16.

For each model (``default`` = all-MiniLM-L6-v2; ``mpnet`` = all-mpnet-base-v2, when fetched with
``make models``; it is skipped with a note otherwise) and each precision, on the first 1,000
pairs of STS-B train (``--pairs`` to change):
- label-bi: the bi-encoder's cosine of every pair (each distinct sentence encoded once);
- label-cross: a cross-encoder (a fresh head on the model; speed does not depend on its weights)
  scoring both pair orders;
- train-cross / train-bi: one epoch of transenc's training stages at the ``cpu-fast`` recipe's
  settings (cross: both orders, batch 32, max length 64; bi: batch 32, max length 32).
Figures are seconds per 1,000 pairs. Quality of the models as they ship is ``eval-sts``'s job
(see BENCHMARKS.md).

    python -m bench.studies.model_cost --data-dir ../shared/data/sts \
        [--models default mpnet] [--quick]
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from bench.common import arguments, record, show, timed
from transenc.data.readers import resolve_corpus
from transenc.labels import write_labels
from transenc.model_store import KNOWN_MODELS, is_complete
from transenc.models import load_bi_encoder, load_cross_encoder
from transenc.recipe import load_recipe
from transenc.scoring import bi_scores, cross_scores
from transenc.stages import train_bi, train_cross


def available(name: str) -> bool:
    return name not in KNOWN_MODELS or is_complete(name)


def measure(name: str, corpus, precision: str, work: Path) -> dict:
    recipe = load_recipe("cpu-fast")
    per_k = 1000 / len(corpus)
    bi = load_bi_encoder(name)
    labels, label_bi_s = timed(lambda: bi_scores(bi, corpus, 64, False, precision))
    cross = load_cross_encoder(name)
    _, label_cross_s = timed(lambda: cross_scores(cross, corpus, True, 64, False, precision))
    label_file = write_labels(corpus.with_scores(labels), work / f"{name}-{precision}.tsv")
    cross_settings = replace(recipe.cross, epochs=1.0, precision=precision)
    bi_settings = replace(recipe.bi, epochs=1.0, precision=precision)
    trained_cross = train_cross.run(
        train_cross.TrainCrossConfig(
            name, label_file, work / f"cross-{name}-{precision}", settings=cross_settings
        )
    )
    trained_bi = train_bi.run(
        train_bi.TrainBiConfig(name, label_file, work / f"bi-{name}-{precision}", bi_settings)
    )
    return {
        "model": name,
        "precision": precision,
        "pairs": len(corpus),
        "label_bi_s_per_1k": round(label_bi_s * per_k, 1),
        "label_cross_s_per_1k": round(label_cross_s * per_k, 1),
        "train_cross_s_per_1k": round(trained_cross.seconds * per_k, 1),
        "train_bi_s_per_1k": round(trained_bi.seconds * per_k, 1),
    }


def main() -> None:
    def extra(parser):
        parser.add_argument("--models", nargs="+", default=["default", "mpnet"])
        parser.add_argument("--pairs", default="stsb:train")
        parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])

    args = arguments(__doc__.splitlines()[0], extra)
    size = 200 if args.quick else 1000
    corpus = resolve_corpus(args.pairs, args.data_dir)
    corpus = corpus.select(range(min(size, len(corpus)))).without_scores()
    rows, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="transenc-model-cost-") as work:
        for name in args.models:
            if not available(name):
                skipped.append(name)
                print(f"{name}: not fetched (make models); skipped")
                continue
            for precision in args.precisions:
                row = measure(name, corpus, precision, Path(work))
                show(row)
                rows.append(row)
    record("model_cost", {"rows": rows, "skipped": skipped}, quick=args.quick)


if __name__ == "__main__":
    main()
