"""A bounded cache of sentence embeddings, so labelling a corpus in chunks encodes a sentence
that recurs across chunks once, while memory stays under a bound the user chooses.

Past ``max_sentences`` the least recently used embeddings are dropped and recomputed if they
are asked for again: memory is bounded by the cache, not by the corpus (an embedding of
all-MiniLM-L6-v2 is 1.5 KiB in float32, so the default 200,000 sentences take about 300 MiB).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

DEFAULT_CACHE_SENTENCES = 200_000


class EmbeddingCache:
    """Sentence -> embedding (float32), least recently used dropped past ``max_sentences``."""

    def __init__(self, max_sentences: int = DEFAULT_CACHE_SENTENCES):
        if max_sentences < 0:
            raise ValueError("max_sentences must be 0 or more")
        self.max_sentences = max_sentences
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def lookup(
        self, sentences: Sequence[str], encode: Callable[[list[str]], np.ndarray]
    ) -> np.ndarray:
        """The embeddings of ``sentences`` (distinct), one row each in their order; those not
        cached are computed with ``encode`` (one call, for all of them) and cached."""
        rows: list[np.ndarray | None] = []
        for sentence in sentences:
            row = self._items.get(sentence)
            if row is not None:
                self._items.move_to_end(sentence)
            rows.append(row)
        missing = [k for k, row in enumerate(rows) if row is None]
        self.hits += len(rows) - len(missing)
        self.misses += len(missing)
        if missing:
            computed = np.asarray(encode([sentences[k] for k in missing]), dtype=np.float32)
            for k, row in zip(missing, computed, strict=True):
                rows[k] = row
                # a copy: a view would keep the whole batch's matrix alive for one cached row
                self._add(sentences[k], row.copy())
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack(rows)  # type: ignore[arg-type]

    def _add(self, sentence: str, row: np.ndarray) -> None:
        if self.max_sentences == 0:
            return
        self._items[sentence] = row
        if len(self._items) > self.max_sentences:
            self._items.popitem(last=False)
