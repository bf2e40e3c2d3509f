"""Scoring sentence pairs with a bi-encoder (cosine) or a cross-encoder (joint read).

Both functions do each piece of work once: the bi-encoder encodes every distinct sentence of
the corpus once (a :class:`PairCorpus` already stores them once), and the cross-encoder runs
each distinct ordered pair once, so (a, b) asked for twice, or once in each order with
``both_orders``, costs one forward pass per order.

``precision="bf16"`` runs the forward passes under bfloat16 autocast: about twice as fast on
CPUs with bfloat16 units (AMX, AVX512-BF16), at the cost of scores that differ from fp32 in the
third decimal; ``auto`` uses it only on such devices (:mod:`transenc.precision`). fp32 is the
default and gives the exact scores.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import numpy as np
import torch

from transenc.data.corpus import PairCorpus
from transenc.precision import choose


@contextmanager
def precision_of(model, precision: str) -> Iterator[None]:
    """Inference in ``precision`` (``auto``, ``fp32`` or ``bf16``) on the model's device."""
    chosen = choose(precision, model.device.type).precision
    autocast = (
        torch.autocast(model.device.type, dtype=torch.bfloat16)
        if chosen == "bf16"
        else nullcontext()
    )
    with torch.inference_mode(), autocast:
        yield


def bi_scores(
    model,
    corpus: PairCorpus,
    batch_size: int = 64,
    show_progress: bool = False,
    precision: str = "fp32",
) -> np.ndarray:
    """Cosine similarity of each pair's embeddings, in pair order.

    Example:
        >>> bi_scores(SentenceTransformer(path), corpus)  # doctest: +SKIP
        array([0.83, 0.12, ...])
    """
    if len(corpus) == 0:
        return np.zeros(0)
    with precision_of(model, precision):
        embeddings = model.encode(
            corpus.sentences,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
    embeddings = embeddings.astype(np.float64)
    # renormalise in float64: bf16 embeddings come back normalised only to about 1e-3
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True).clip(min=1e-12)
    return np.einsum("ij,ij->i", embeddings[corpus.index1], embeddings[corpus.index2])


def cross_scores(
    model,
    corpus: PairCorpus,
    both_orders: bool = False,
    batch_size: int = 64,
    show_progress: bool = False,
    precision: str = "fp32",
) -> np.ndarray:
    """The cross-encoder's score per pair; with ``both_orders`` the mean of (a, b) and (b, a)."""
    if len(corpus) == 0:
        return np.zeros(0)
    forward = np.stack([corpus.index1, corpus.index2], axis=1)
    wanted = np.concatenate([forward, forward[:, ::-1]]) if both_orders else forward
    distinct, position = np.unique(wanted, axis=0, return_inverse=True)
    position = position.reshape(-1)
    sentences = corpus.sentences
    with precision_of(model, precision):
        predicted = model.predict(
            [(sentences[a], sentences[b]) for a, b in distinct],
            batch_size=batch_size,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
    predicted = np.asarray(predicted, dtype=np.float64).reshape(len(distinct), -1)[:, 0]
    scores = predicted[position]
    if both_orders:
        scores = (scores[: len(corpus)] + scores[len(corpus) :]) / 2
    return scores
