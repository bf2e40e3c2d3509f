"""From sentences to pairs: each sentence with its nearest neighbours and with random partners.

The loop learns from pairs across the similarity range: near neighbours by the model's cosine
(paraphrases, related sentences) give the high end, random partners the low end. Each distinct
sentence gets its ``neighbours`` nearest others and ``random`` random partners; a pair never
pairs a sentence with itself and each unordered pair is kept once (its first finding: as a
neighbour before as a random partner). With several models the cosine is their mean (their
normalised embeddings, each scaled by 1/sqrt(M), concatenated).

The search is exact and in blocks: ``block_rows`` sentences at a time against ``block_cols`` at
a time, keeping a running top-k, so memory holds one block of similarities
(``block_rows x block_cols`` floats) and the embeddings, never the full similarity matrix. The
result does not depend on the block sizes (ties aside, which a float cosine rarely has).
``search = "faiss"`` hands the search to FAISS's exact inner-product index instead (``pip
install transenc[faiss]``; the same neighbours up to float rounding). It is not the default:
on 100,000 sentences on a 2-core Xeon it took about 3x the blocked search's time at the same
memory (BENCHMARKS.md, "Mining pairs from sentences").
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from transenc.data.readers import tsv_quoting
from transenc.data.textfile import check_length, inner_suffix, json_records, stream_lines
from transenc.errors import DataError, TransencError

SENTENCE_COLUMNS = ("sentence", "text")
DEFAULT_BLOCK_ROWS = 1024
DEFAULT_BLOCK_COLS = 65536
NEIGHBOUR, RANDOM, GIVEN = "neighbour", "random", "given"
SEARCHES = ("torch", "faiss")
COSINE_CHUNK = 65536  # pairs whose cosines are computed at a time


def read_sentences(path: str | Path, column: str | None = None) -> list[str]:
    """The distinct sentences of a file, in order of first appearance: a ``.txt`` file (one a
    line), or TSV/CSV/JSONL with a ``sentence`` or ``text`` column (``column`` to choose);
    ``.gz`` for any of them. Blank lines and empty sentences are skipped."""
    path = Path(path)
    fmt = inner_suffix(path) or ".txt"
    if fmt == ".txt":
        rows = ((n, line.strip()) for n, line in enumerate(stream_lines(path), start=1))
    elif fmt in (".tsv", ".csv"):
        rows = _delimited(path, "\t" if fmt == ".tsv" else ",", column)
    elif fmt == ".jsonl":
        rows = _jsonl(path, column)
    else:
        raise DataError(path, "sentences come in .txt, .tsv, .csv or .jsonl (optionally .gz)")
    distinct = dict.fromkeys(check_length(text, path, n) for n, text in rows if text)
    if len(distinct) < 2:
        raise DataError(path, f"holds {len(distinct)} distinct sentence(s); mining needs 2")
    return list(distinct)


def _pick(path: Path, names: list[str], column: str | None, line: int) -> str:
    wanted = [column] if column else list(SENTENCE_COLUMNS)
    for name in wanted:
        if name in names:
            return name
    raise DataError(
        path, f"no column {' or '.join(map(repr, wanted))} (it has {', '.join(names)})", line
    )


def _delimited(path: Path, delimiter: str, column: str | None):
    quoting = tsv_quoting(path) if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(stream_lines(path), delimiter=delimiter, quoting=quoting)
    header = [h.strip() for h in next(reader)]
    position = header.index(_pick(path, header, column, 1))
    for fields in reader:
        if len(fields) > position:
            yield reader.line_num, fields[position].strip()


def _jsonl(path: Path, column: str | None):
    name = None
    for number, record in json_records(path):
        name = name or _pick(path, list(record), column, number)
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise DataError(path, f"{name} is not a text", number)
        yield number, (value or "").strip()


# --- the search ----------------------------------------------------------------------------


def check_search(search: str) -> str:
    """``search`` if it names a search this machine can run (``torch``; ``faiss`` installed)."""
    if search not in SEARCHES:
        raise TransencError(f"unknown search {search!r}; use {', '.join(SEARCHES)}")
    if search == "faiss":
        try:
            import faiss  # noqa: F401
        except ImportError:
            raise TransencError(
                "search faiss: faiss is not installed (pip install faiss-cpu)"
            ) from None
    return search


def nearest(
    embeddings: torch.Tensor,
    k: int,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    block_cols: int = DEFAULT_BLOCK_COLS,
    search: str = "torch",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row's ``k`` most similar other rows by dot product (the embeddings normalised:
    cosine), as (indices, similarities), each ``n x k``, most similar first; ``search``
    (``torch`` or ``faiss``) says which library runs it."""
    n = len(embeddings)
    k = min(k, n - 1)
    if check_search(search) == "faiss":
        return _faiss_nearest(embeddings, k)
    all_index = torch.empty((n, k), dtype=torch.long)
    all_value = torch.empty((n, k), dtype=embeddings.dtype)
    for start in range(0, n, block_rows):
        rows = embeddings[start : start + block_rows]
        best_value = torch.full((len(rows), k), -math.inf, dtype=embeddings.dtype)
        best_index = torch.zeros((len(rows), k), dtype=torch.long)
        for col in range(0, n, block_cols):
            sims = rows @ embeddings[col : col + block_cols].T
            # a sentence is not its own neighbour
            own = torch.arange(start, start + len(rows))
            inside = (own >= col) & (own < col + sims.shape[1])
            sims[inside.nonzero().squeeze(1), (own[inside] - col)] = -math.inf
            block = torch.topk(sims, min(k, sims.shape[1]), dim=1, sorted=False)
            value = torch.cat([best_value, block.values], dim=1)
            index = torch.cat([best_index, block.indices + col], dim=1)
            # equal similarities go to the lower index, whatever the blocks
            order = torch.argsort(index, dim=1, stable=True)
            value, index = value.gather(1, order), index.gather(1, order)
            top = torch.topk(value, k, dim=1, sorted=True)
            best_value, best_index = top.values, index.gather(1, top.indices)
        all_index[start : start + len(rows)] = best_index
        all_value[start : start + len(rows)] = best_value
    return all_index, all_value


def _faiss_nearest(embeddings: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    import faiss

    vectors = np.ascontiguousarray(embeddings.float().numpy())
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    values, found = index.search(vectors, k + 1)  # each row finds itself too
    own = found == np.arange(len(vectors))[:, None]
    # drop the row itself; where an equal vector pushed it out of the k + 1, drop the last
    own[~own.any(axis=1), -1] = True
    keep = ~own
    return (
        torch.from_numpy(found[keep].reshape(len(vectors), k).astype(np.int64)),
        torch.from_numpy(values[keep].reshape(len(vectors), k)).to(embeddings.dtype),
    )


@dataclass
class MinedPairs:
    first: np.ndarray  # sentence positions
    second: np.ndarray
    kinds: list[str]  # given, neighbour or random, per pair
    cosines: np.ndarray
    search: str = "torch"  # which library found the neighbours


def mine(
    embeddings: torch.Tensor,
    neighbours: int,
    random_partners: int,
    seed: int,
    max_pairs: int = 0,
    block_rows: int = DEFAULT_BLOCK_ROWS,
    block_cols: int = DEFAULT_BLOCK_COLS,
    search: str = "torch",
    given: tuple[np.ndarray, np.ndarray] | None = None,
) -> MinedPairs:
    """The pairs of the normalised ``embeddings``' rows: neighbours, then random partners, each
    unordered pair once; ``max_pairs`` (0: all) keeps a seeded random subset in order.

    ``given`` (row positions of pairs the mined ones join) lead the result as they are, in
    order, and are never mined again; ``max_pairs`` caps the mined pairs only."""
    n = len(embeddings)
    found: dict[tuple[int, int], str] = {}
    check_search(search)
    given_first, given_second = (
        given if given is not None else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    for i, j in zip(given_first.tolist(), given_second.tolist(), strict=True):
        found.setdefault((min(i, j), max(i, j)), GIVEN)
    if neighbours > 0:
        index, _ = nearest(embeddings, neighbours, block_rows, block_cols, search)
        for i, row in enumerate(index.tolist()):
            for j in row:
                found.setdefault((min(i, j), max(i, j)), NEIGHBOUR)
    rng = np.random.default_rng(seed)
    for i in range(n):
        if random_partners <= 0:
            break
        partners = rng.choice(n - 1, size=min(random_partners, n - 1), replace=False)
        for j in partners.tolist():
            j = j + 1 if j >= i else j  # every index but i
            found.setdefault((min(i, j), max(i, j)), RANDOM)
    pairs = [pair for pair, kind in found.items() if kind != GIVEN]
    if max_pairs and len(pairs) > max_pairs:
        keep = np.sort(rng.choice(len(pairs), size=max_pairs, replace=False))
        pairs = [pairs[k] for k in keep]
    kinds = [GIVEN] * len(given_first) + [found[p] for p in pairs]
    first = np.concatenate([given_first, np.array([a for a, _ in pairs], dtype=np.int64)])
    second = np.concatenate([given_second, np.array([b for _, b in pairs], dtype=np.int64)])
    # in chunks: gathering every pair's two vectors at once would hold 2 x pairs x width floats
    cosines = np.concatenate(
        [
            (embeddings[first[at : at + COSINE_CHUNK]] * embeddings[second[at : at + COSINE_CHUNK]])
            .sum(dim=1)
            .double()
            .numpy()
            for at in range(0, len(first), COSINE_CHUNK)
        ]
        or [np.zeros(0)]
    )
    return MinedPairs(first, second, kinds, cosines, search)
