"""Length-grouped training batches: less padding for the same examples, still in random order.

The sentence-transformers trainers pad each batch to its longest example, so a batch that mixes
a 5-token pair with a 60-token pair pays for 60 tokens twice. Here examples are shuffled, cut
into pools of ``GROUP_BATCHES`` batches, sorted by length inside each pool and batched; the
batches are then shuffled. Every example is seen once per epoch, and the order depends only on
the seed and the epoch, so runs repeat exactly. (transformers' ``group_by_length`` does the same
job, but the sentence-transformers trainers replace its sampler with their own.)
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from sentence_transformers.base.sampler import DefaultBatchSampler

# 50 batches per pool: long enough runs of similar lengths, random enough across the epoch
GROUP_BATCHES = 50


def example_lengths(dataset) -> list[int]:
    """Characters in each example's text columns: a cheap stand-in for its token count."""
    if len(dataset) == 0:
        return []
    first = dataset[0]
    columns = [list(dataset[name]) for name in dataset.column_names if isinstance(first[name], str)]
    return [sum(len(column[i]) for column in columns) for i in range(len(dataset))]


class LengthGroupedBatchSampler(DefaultBatchSampler):
    """Batches of similar-length examples in a shuffled order (pass the class as the trainers'
    ``batch_sampler`` argument)."""

    def __init__(
        self,
        dataset,
        batch_size: int,
        drop_last: bool,
        valid_label_columns: list[str] | None = None,
        generator: torch.Generator | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(
            dataset,
            batch_size=batch_size,
            drop_last=drop_last,
            valid_label_columns=valid_label_columns,
            generator=generator,
            seed=seed,
        )
        self.lengths = example_lengths(dataset)

    def _pool_sizes(self) -> list[int]:
        pool = self.batch_size * GROUP_BATCHES
        n = len(self.lengths)
        return [min(pool, n - start) for start in range(0, n, pool)]

    def __len__(self) -> int:
        round_size = math.floor if self.drop_last else math.ceil
        return sum(round_size(size / self.batch_size) for size in self._pool_sizes())

    def __iter__(self) -> Iterator[list[int]]:
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        batches = []
        start = 0
        for size in self._pool_sizes():
            pool = sorted(order[start : start + size], key=self.lengths.__getitem__)
            start += size
            for first in range(0, size, self.batch_size):
                batch = pool[first : first + self.batch_size]
                if len(batch) == self.batch_size or not self.drop_last:
                    batches.append(batch)
        for index in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[index]
