"""Experiment: does a mean-pooling cross-encoder head learn the bi-encoder's labels better than
the default CLS classification head? (exp3's round-1 setting: a seeded 12,000-pair sample of
the STS pool, bi labels clipped to [0, 1], BCE on both orders, batch 32, max length 64.)

    python -m bench.experiments.cross_head mean 5e-5 1 12000   # head, lr, epochs, pairs
    python -m bench.experiments.cross_head cls 5e-5 1 12000

Prints the cross-encoder's STS Spearman (both orders averaged) per task and on average.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sentence_transformers import CrossEncoder
from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
from sentence_transformers.cross_encoder.modules import Dense, Transformer
from sentence_transformers.sentence_transformer.modules import Pooling

from transenc.data.readers import resolve_corpus
from transenc.evaluate import load_tasks, spearman_by_task
from transenc.labels import cosine_to_target
from transenc.models import default_model_path, load_bi_encoder
from transenc.recipe import TrainSettings
from transenc.scoring import bi_scores
from transenc.training import fit, seed_everything

DATA = Path("../shared/data/sts")


def mean_pooling_cross_encoder(path: str, dimension: int = 384) -> CrossEncoder:
    """Encoder -> mean of token embeddings -> linear layer to one score."""
    return CrossEncoder(
        modules=[
            Transformer(path, transformer_task="feature-extraction"),
            Pooling(dimension, "mean"),
            Dense(dimension, 1, activation_function=None, module_output_name="scores"),
        ]
    )


def main() -> None:
    head, lr, epochs, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    corpus = resolve_corpus("pool", DATA)
    corpus = corpus.sample(n, seed=42)
    targets = cosine_to_target(bi_scores(load_bi_encoder("default"), corpus), "clip").tolist()
    s1, s2 = corpus.sentence1, corpus.sentence2
    seed_everything(42)
    path = str(default_model_path())
    model = mean_pooling_cross_encoder(path) if head == "mean" else CrossEncoder(path, num_labels=1)
    start = time.time()
    settings = TrainSettings(
        epochs=epochs,
        batch_size=32,
        learning_rate=lr,
        warmup_ratio=0.1,
        max_length=64,
        length_grouped=False,
    )
    columns = {"sentence1": s1 + s2, "sentence2": s2 + s1, "label": targets + targets}
    fit(model, columns, BinaryCrossEntropyLoss(model), settings, 42, False)
    print(f"trained in {time.time() - start:.0f}s")
    print(spearman_by_task(model, "cross", load_tasks(DATA), both_orders=True))


if __name__ == "__main__":
    main()
