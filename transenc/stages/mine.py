"""Mine stage: plain sentences become the unlabeled pairs the loop learns from.

Every distinct sentence of ``sentences`` is paired with its ``neighbours`` nearest others by the
models' cosine and with ``random`` random partners (:mod:`transenc.mining`); the pairs are
written as a TSV corpus (``sentence1``, ``sentence2``, and for reading, ``kind`` and
``cosine``). With several models the cosine is their mean: a sentence's neighbours are those
the models agree on.

With ``pairs`` (a pair file), the mined pairs join those: their sentences are the ones mined
(unless ``sentences`` is given too), they lead the output as they are (kind ``given``), and no
mined pair repeats one of them. More distinct pairs from the same text: what ``bootstrap
--augment`` trains on.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from transenc.atomic import atomic_file, check_writable
from transenc.data.readers import read_pair_file
from transenc.errors import TransencError
from transenc.mining import (
    DEFAULT_BLOCK_COLS,
    DEFAULT_BLOCK_ROWS,
    GIVEN,
    SEARCHES,
    mine,
    read_sentences,
)
from transenc.models import load_bi_encoder
from transenc.precision import PRECISIONS
from transenc.scoring import encode_normalised
from transenc.stages.declare import input_field, output_field, runtime_field

DEFAULT_NEIGHBOURS = 3
DEFAULT_RANDOM = 1


def neighbours_for(extra: int, sentences: int) -> int:
    """Neighbours per sentence (beside ``DEFAULT_RANDOM`` random partners) enough to mine
    ``extra`` pairs from ``sentences`` sentences, never fewer than the default."""
    return max(DEFAULT_NEIGHBOURS, -(-extra // max(1, sentences)) - DEFAULT_RANDOM)


@dataclass
class MineConfig:
    """Mine ``output`` (a pair TSV) from ``sentences`` (or the sentences of ``pairs``, which
    the mined pairs join) with the bi-encoder(s) ``models``."""

    sentences: Path | None = input_field()
    models: list[str] = input_field()
    output: Path = output_field()
    pairs: Path | None = input_field(None)
    column: str | None = None
    neighbours: int = DEFAULT_NEIGHBOURS
    random: int = DEFAULT_RANDOM
    max_pairs: int = 0
    seed: int = 42
    batch_size: int = 64
    precision: str = "fp32"
    show_progress: bool = runtime_field(False)
    # how the search is split, not what it finds
    block_rows: int = runtime_field(DEFAULT_BLOCK_ROWS)
    block_cols: int = runtime_field(DEFAULT_BLOCK_COLS)
    # which library searches: torch (blocked matmul) or faiss (where installed)
    search: str = runtime_field("torch")

    def __post_init__(self) -> None:
        check_writable(self.output, "pair file")
        if not self.models:
            raise TransencError("mine-pairs: give at least one model")
        if self.sentences is None and self.pairs is None:
            raise TransencError("mine-pairs: give the sentences to mine, or pairs to join")
        if self.neighbours < 0 or self.random < 0 or self.neighbours + self.random == 0:
            raise TransencError("mine-pairs: --neighbours and --random are 0 or more, not both 0")
        if self.max_pairs < 0:
            raise TransencError("mine-pairs: --max-pairs is 0 (all) or more")
        if self.precision not in PRECISIONS:
            raise TransencError(f"unknown precision {self.precision!r}")
        if self.search not in SEARCHES:
            raise TransencError(
                f"mine-pairs: unknown search {self.search!r}; use {', '.join(SEARCHES)}"
            )
        if self.block_rows < 1 or self.block_cols < 1:
            raise TransencError("mine-pairs: block sizes are 1 or more")


@dataclass
class MineResult:
    output: Path
    sentences: int
    pairs: int
    neighbour_pairs: int
    random_pairs: int
    mean_cosine: float
    seconds: float
    models: str = ""
    search: str = "torch"  # torch's blocked matmul, or FAISS (large corpora, where installed)
    given_pairs: int = 0  # pairs joined as they were (``pairs``), counted in ``pairs``

    def summary(self) -> str:
        given = f"{self.given_pairs} given, " if self.given_pairs else ""
        return (
            f"{self.output}: {self.pairs} pairs from {self.sentences} sentences "
            f"({given}{self.neighbour_pairs} neighbours, {self.random_pairs} random; mean cosine "
            f"{self.mean_cosine:.3f}; by {self.models}, {self.search} search), "
            f"{self.seconds:.0f}s"
        )


def embed(models: list[str], sentences: list[str], config: MineConfig) -> torch.Tensor:
    """The sentences' embeddings under every model, normalised and scaled by 1/sqrt(M), side by
    side: their dot product is the mean of the models' cosines."""
    parts = []
    for name in models:
        model = load_bi_encoder(name)
        vectors = encode_normalised(
            model, sentences, config.batch_size, config.show_progress, config.precision
        )
        parts.append(torch.from_numpy(vectors.astype(np.float32)) / math.sqrt(len(models)))
    return torch.cat(parts, dim=1)


def run(config: MineConfig) -> MineResult:
    started = time.time()
    sentences, given = _sentences_and_given(config)
    embeddings = embed(config.models, sentences, config)
    mined = mine(
        embeddings,
        config.neighbours,
        config.random,
        config.seed,
        config.max_pairs,
        config.block_rows,
        config.block_cols,
        config.search,
        given,
    )
    frame = pd.DataFrame(
        {
            "sentence1": [sentences[i] for i in mined.first],
            "sentence2": [sentences[j] for j in mined.second],
            "kind": mined.kinds,
            "cosine": np.round(mined.cosines, 4),
        }
    )
    with atomic_file(config.output) as handle:
        frame.to_csv(handle, sep="\t", index=False, lineterminator="\n")
    by = " + ".join(config.models) + (" (mean cosine)" if len(config.models) > 1 else "")
    return MineResult(
        config.output,
        len(sentences),
        len(frame),
        mined.kinds.count("neighbour"),
        mined.kinds.count("random"),
        float(mined.cosines.mean()),
        time.time() - started,
        by,
        mined.search,
        mined.kinds.count(GIVEN),
    )


def _sentences_and_given(config: MineConfig) -> tuple[list[str], tuple | None]:
    """The sentences to mine and, with ``pairs``, the given pairs' positions among them."""
    sentences = read_sentences(config.sentences, config.column) if config.sentences else []
    if config.pairs is None:
        return sentences, None
    corpus = read_pair_file(config.pairs)
    # the pairs' sentences first (as they are), then the other sentences' new ones
    position = {text: k for k, text in enumerate(corpus.sentences)}
    for text in sentences:
        position.setdefault(text, len(position))
    if len(position) < 2:
        raise TransencError(f"{config.pairs}: holds fewer than 2 distinct sentences to mine")
    return list(position), (corpus.index1, corpus.index2)
