"""The one in-memory type for sentence pairs: benchmarks, unlabeled corpora and pseudo-labels.

Sentences are stored once (``sentences``) and pairs as integer positions into that list, so a
bi-encoder encodes each distinct sentence exactly once however often it recurs across pairs.
``scores`` holds gold scores for a benchmark, pseudo-labels for a labelled corpus, or ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PairCorpus:
    """Sentence pairs over a table of distinct sentences.

    Attributes:
        sentences: the distinct sentences, in order of first appearance.
        index1, index2: per pair, the position of its first / second sentence in ``sentences``.
        scores: one float per pair, or ``None`` for an unlabeled corpus.
        name: where the pairs came from (a file path, a task name), for messages and manifests.

    Example:
        >>> c = PairCorpus.from_pairs(["a b", "c"], ["c", "a b"], name="toy")
        >>> len(c), c.sentences
        (2, ['a b', 'c'])
    """

    sentences: list[str]
    index1: np.ndarray
    index2: np.ndarray
    scores: np.ndarray | None = None
    name: str = ""

    @classmethod
    def from_pairs(
        cls,
        sentence1: Sequence[str],
        sentence2: Sequence[str],
        scores: Sequence[float] | None = None,
        name: str = "",
    ) -> PairCorpus:
        if len(sentence1) != len(sentence2):
            raise ValueError("sentence1 and sentence2 differ in length")
        if scores is not None and len(scores) != len(sentence1):
            raise ValueError("scores and sentences differ in length")
        position: dict[str, int] = {}
        index1 = [position.setdefault(s, len(position)) for s in sentence1]
        index2 = [position.setdefault(s, len(position)) for s in sentence2]
        return cls(
            sentences=list(position),
            index1=np.asarray(index1, dtype=np.int64),
            index2=np.asarray(index2, dtype=np.int64),
            scores=None if scores is None else np.asarray(scores, dtype=np.float64),
            name=name,
        )

    @classmethod
    def concat(cls, parts: Iterable[PairCorpus], name: str = "") -> PairCorpus:
        parts = list(parts)
        s1 = [s for p in parts for s in p.sentence1]
        s2 = [s for p in parts for s in p.sentence2]
        labelled = all(p.scores is not None for p in parts)
        scores = np.concatenate([p.scores for p in parts]) if labelled and parts else None
        return cls.from_pairs(s1, s2, scores, name=name)

    def __len__(self) -> int:
        return len(self.index1)

    @property
    def sentence1(self) -> list[str]:
        return [self.sentences[i] for i in self.index1]

    @property
    def sentence2(self) -> list[str]:
        return [self.sentences[i] for i in self.index2]

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.sentence1, self.sentence2, strict=True))

    def with_scores(self, scores: Sequence[float] | np.ndarray | None) -> PairCorpus:
        if scores is not None and len(scores) != len(self):
            raise ValueError(f"{len(scores)} scores for {len(self)} pairs")
        array = None if scores is None else np.asarray(scores, dtype=np.float64)
        return PairCorpus(self.sentences, self.index1, self.index2, array, self.name)

    def sample(self, size: int, seed: int) -> PairCorpus:
        """A seeded random ``size``-pair sample kept in corpus order (all pairs if fewer):
        a head would take one source only."""
        if not 0 < size < len(self):
            return self
        rows = np.random.default_rng(seed).choice(len(self), size, replace=False)
        return self.select(np.sort(rows), name=f"{self.name} (sample of {size})")

    def select(self, rows: Sequence[int] | np.ndarray, name: str | None = None) -> PairCorpus:
        """The pairs at ``rows``, over a sentence table trimmed to what they use."""
        rows = np.asarray(rows, dtype=np.int64)
        scores = None if self.scores is None else self.scores[rows]
        return PairCorpus.from_pairs(
            [self.sentences[i] for i in self.index1[rows]],
            [self.sentences[i] for i in self.index2[rows]],
            scores,
            name=self.name if name is None else name,
        )

    def deduplicated(self) -> PairCorpus:
        """Drops repeated pairs, counting (a, b) and (b, a) as one; keeps first occurrences.

        Scores are dropped: two copies of a pair may carry different gold scores.
        """
        low = np.minimum(self.index1, self.index2)
        high = np.maximum(self.index1, self.index2)
        _, first = np.unique(np.stack([low, high], axis=1), axis=0, return_index=True)
        keep = np.sort(first)
        return self.without_scores().select(keep)

    def without_scores(self) -> PairCorpus:
        return self.with_scores(None)

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame({"sentence1": self.sentence1, "sentence2": self.sentence2})
        if self.scores is not None:
            frame["score"] = self.scores
        return frame
