"""Scoring sentence pairs with a bi-encoder (cosine) or a cross-encoder (joint read).

Both functions do each piece of work once: the bi-encoder encodes every distinct sentence of
the corpus once (a :class:`PairCorpus` already stores them once), and the cross-encoder runs
each distinct ordered pair once, so (a, b) asked for twice, or once in each order with
``both_orders``, costs one forward pass per order.

Under torchrun each process scores its own block of the distinct sentences (or distinct ordered
pairs) and the blocks are gathered, so every process ends with every score
(:mod:`transenc.distributed`).

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

from transenc import distributed
from transenc.data.corpus import PairCorpus
from transenc.embedding_cache import EmbeddingCache
from transenc.precision import choose


@contextmanager
def precision_of(model, precision: str) -> Iterator[None]:
    """Inference in ``precision`` (``auto``, ``fp32`` or ``bf16``) on the model's device."""
    chosen = choose(precision, model.device.type).precision
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16}
    autocast = (
        torch.autocast(model.device.type, dtype=dtypes[chosen])
        if chosen in dtypes
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
    cache: EmbeddingCache | None = None,
) -> np.ndarray:
    """Cosine similarity of each pair's embeddings, in pair order; sentences already in
    ``cache`` (from earlier chunks of the same corpus) are not encoded again.

    Example:
        >>> bi_scores(SentenceTransformer(path), corpus)  # doctest: +SKIP
        array([0.83, 0.12, ...])
    """
    if len(corpus) == 0:
        return np.zeros(0)

    def encode(sentences: list[str]) -> np.ndarray:
        return encode_normalised(model, sentences, batch_size, show_progress, precision)

    if cache is None:
        embeddings = encode(corpus.sentences)
    else:
        embeddings = cache.lookup(corpus.sentences, encode)
    embeddings = embeddings.astype(np.float64)
    # renormalise in float64: bf16 embeddings come back normalised only to about 1e-3
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True).clip(min=1e-12)
    return np.einsum("ij,ij->i", embeddings[corpus.index1], embeddings[corpus.index2])


def scores_of(
    model,
    kind: str,
    corpus: PairCorpus,
    batch_size: int = 64,
    show_progress: bool = False,
    precision: str = "fp32",
    both_orders: bool = False,
    cache: EmbeddingCache | None = None,
) -> np.ndarray:
    """The score per pair of a ``bi`` (cosine, with ``cache``), ``cross`` (with
    ``both_orders``) or ``late`` (symmetric mean MaxSim) model."""
    if kind == "bi":
        return bi_scores(model, corpus, batch_size, show_progress, precision, cache)
    if kind == "cross":
        return cross_scores(model, corpus, both_orders, batch_size, show_progress, precision)
    return late_scores(model, corpus, batch_size, show_progress, precision)


def late_scores(
    model,
    corpus: PairCorpus,
    batch_size: int = 64,
    show_progress: bool = False,
    precision: str = "fp32",
) -> np.ndarray:
    """A late-interaction model's symmetric mean MaxSim per pair
    (:mod:`transenc.late_interaction`); each distinct sentence encoded once (per process)."""
    from torch.nn.utils.rnn import pad_sequence

    from transenc.late_interaction import pair_scores

    if len(corpus) == 0:
        return np.zeros(0)
    block = distributed.share(len(corpus))
    first, second = corpus.index1[block], corpus.index2[block]
    needed = np.unique(np.concatenate([first, second]))
    vectors = []
    if len(needed):
        with precision_of(model, precision):
            vectors = model.encode(
                [corpus.sentences[k] for k in needed],
                batch_size=batch_size,
                show_progress_bar=show_progress and distributed.is_main(),
            )
    row = {int(k): vectors[n].float() for n, k in enumerate(needed)}

    def padded(indices) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = [row[int(k)] for k in indices]
        lengths = torch.tensor([len(t) for t in tokens])
        mask = torch.arange(int(lengths.max())).unsqueeze(0) < lengths.unsqueeze(1)
        return pad_sequence(tokens, batch_first=True), mask

    scores = [np.zeros(0)]
    with torch.inference_mode():
        for start in range(0, len(first), batch_size):
            a, b = first[start : start + batch_size], second[start : start + batch_size]
            scores.append(pair_scores(*padded(a), *padded(b)).double().numpy())
    return distributed.gather(np.concatenate(scores))


def encode_normalised(model, sentences, batch_size, show_progress, precision) -> np.ndarray:
    """Normalised embeddings of ``sentences``, each process encoding its own block of them."""
    mine = sentences[distributed.share(len(sentences))]
    block = np.zeros((0, model.get_embedding_dimension() or 0), dtype=np.float32)
    if mine:
        with precision_of(model, precision):
            block = model.encode(
                mine,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress and distributed.is_main(),
            )
    return distributed.gather(block.astype(np.float32))


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
    mine = distinct[distributed.share(len(distinct))]
    block = np.zeros(0)
    if len(mine):
        with precision_of(model, precision):
            predicted = model.predict(
                [(sentences[a], sentences[b]) for a, b in mine],
                batch_size=batch_size,
                convert_to_numpy=True,
                show_progress_bar=show_progress and distributed.is_main(),
            )
        block = np.asarray(predicted, dtype=np.float64).reshape(len(mine), -1)[:, 0]
    predicted = distributed.gather(block)
    scores = predicted[position]
    if both_orders:
        scores = (scores[: len(corpus)] + scores[len(corpus) :]) / 2
    return scores
