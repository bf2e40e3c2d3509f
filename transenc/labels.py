"""Pseudo-label files: the scores one model hands the other, on disk between stages.

Format (version 1): UTF-8 TSV. Line 1 is ``#transenc-labels<TAB>1<TAB>pairs=N``; line 2 the
header ``sentence1<TAB>sentence2<TAB>score``; then one pair per line, fields quoted only where
they contain a tab, quote or newline. Read it with pandas as
``pd.read_csv(path, sep="\\t", skiprows=1, keep_default_na=False)``. The pair count on line 1
makes a truncated file detectable by itself; manifests add a checksum for any other damage.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from transenc.atomic import atomic_file
from transenc.data.corpus import PairCorpus
from transenc.data.textfile import read_text
from transenc.errors import DataError, TransencError, quoted

MAGIC = "#transenc-labels"
FORMAT_VERSION = 1
COLUMNS = ["sentence1", "sentence2", "score"]
SCORE_FORMAT = "%.7f"


def write_labels(corpus: PairCorpus, path: str | Path) -> Path:
    """Writes a scored corpus as a pseudo-label file, atomically."""
    with label_writer(path, len(corpus)) as append:
        append(corpus)
    return Path(path)


@contextmanager
def label_writer(path: str | Path, pairs: int) -> Iterator[Callable[[PairCorpus], None]]:
    """Writes a pseudo-label file of ``pairs`` pairs chunk by chunk: the block receives an
    ``append(scored_chunk)``; the file appears, complete, when the block ends."""
    written = 0
    with atomic_file(path) as handle:
        handle.write(f"{MAGIC}\t{FORMAT_VERSION}\tpairs={pairs}\n" + "\t".join(COLUMNS) + "\n")

        def append(chunk: PairCorpus) -> None:
            nonlocal written
            if chunk.scores is None:
                raise ValueError("corpus has no scores to write")
            chunk.to_frame()[COLUMNS].to_csv(
                handle,
                sep="\t",
                index=False,
                header=False,
                float_format=SCORE_FORMAT,
                lineterminator="\n",
                quoting=csv.QUOTE_MINIMAL,
            )
            written += len(chunk)

        yield append
        if written != pairs:
            raise ValueError(f"{path}: {written} pairs written, {pairs} announced")


def read_labels(
    path: str | Path, score_range: tuple[float, float] | None = None, purpose: str = ""
) -> PairCorpus:
    """Reads a pseudo-label file, checking its version, header, pair count, sentences and
    scores; with ``score_range`` every score must lie in it (``purpose`` says why, for the
    message: a cosine target of 5.0 is an error, not something to clip silently).

    Raises:
        DataError: a missing, unreadable, non-UTF-8, foreign, newer, truncated, empty or
            otherwise damaged file, naming the line where it can.
    """
    path = Path(path)
    text = read_text(path)  # missing, unreadable, non-UTF-8 (with its line) or empty
    expected = _pair_count(path, text.split("\n", 1)[0])
    (chunk,) = _checked_chunks(path, io.StringIO(text), expected, None, score_range, purpose)
    return chunk


def label_count(path: str | Path) -> int:
    """The pair count a label file's first line announces (the file is not read further)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return _pair_count(path, handle.readline())
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    except UnicodeDecodeError:
        raise DataError(path, "not valid UTF-8", 1) from None


def read_label_chunks(
    path: str | Path,
    chunk_pairs: int,
    score_range: tuple[float, float] | None = None,
    purpose: str = "",
) -> Iterator[PairCorpus]:
    """A pseudo-label file as chunks of at most ``chunk_pairs`` pairs, read as they are needed
    (memory holds one chunk); the checks of :func:`read_labels`, each raised when reached."""
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            expected = _pair_count(path, handle.readline())
            handle.seek(0)
            yield from _checked_chunks(path, handle, expected, chunk_pairs, score_range, purpose)
    except UnicodeDecodeError:
        raise DataError(path, "not valid UTF-8") from None
    except OSError as err:
        raise DataError(path, f"cannot be read ({err.strerror or type(err).__name__})") from None


def _pair_count(path: Path, line: str) -> int:
    """The pair count that line 1 announces, after checking it is a label file's first line."""
    first = line.removeprefix("\ufeff").rstrip("\r\n").split("\t")
    if len(first) != 3 or first[0] != MAGIC or not first[2].startswith("pairs="):
        raise DataError(path, f"not a transenc pseudo-label file (line 1 should start {MAGIC})", 1)
    if first[1] != str(FORMAT_VERSION):
        raise DataError(path, f"pseudo-label format {first[1]} is not supported (expected 1)", 1)
    count = first[2].removeprefix("pairs=")
    if count.startswith("-") and count[1:].isdigit():
        raise DataError(path, f"pair count {count} on line 1 must be a positive whole number", 1)
    if not count.isdigit():
        raise DataError(path, f"pair count {quoted(count)} on line 1 is not a number", 1)
    if int(count) == 0:
        raise DataError(path, "holds no pairs", 1)
    return int(count)


def _checked_chunks(path, source, expected, chunk_pairs, score_range, purpose):
    """The rows after line 1 of ``source``, checked, as corpora of ``chunk_pairs`` pairs (all
    in one with ``None``)."""
    try:
        frames = pd.read_csv(
            source,
            sep="\t",
            skiprows=1,
            keep_default_na=False,
            dtype={"sentence1": str, "sentence2": str},
            quoting=csv.QUOTE_MINIMAL,
            chunksize=chunk_pairs or expected,
        )
        seen = 0
        for frame in frames:
            if list(frame.columns) != COLUMNS:
                raise DataError(path, f"header must be {', '.join(COLUMNS)}", 2)
            yield _checked(path, frame, seen + 3, score_range, purpose)
            seen += len(frame)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        problem = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataError(path, f"damaged pseudo-label file ({problem})") from None
    if seen != expected:
        raise DataError(path, f"truncated: {seen} of {expected} pairs")


def _checked(path, frame, first_line, score_range, purpose) -> PairCorpus:
    """One frame of label rows as a corpus, after checking sentences and scores; the frame's
    first row is line ``first_line`` of the file."""
    for column in ("sentence1", "sentence2"):
        empty = np.flatnonzero(frame[column].str.strip().eq("").to_numpy())
        if len(empty):
            raise DataError(path, f"{column} is empty", int(empty[0]) + first_line)
    scores = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(scores))
    if len(bad):
        raise DataError(
            path,
            f"score {quoted(frame['score'].iloc[bad[0]])} is not a number",
            int(bad[0]) + first_line,
        )
    if score_range is not None:
        low, high = score_range
        outside = np.flatnonzero((scores < low) | (scores > high))
        if len(outside):
            raise DataError(
                path,
                f"score {scores[outside[0]]:g} is outside [{low:g}, {high:g}]"
                + (f" ({purpose})" if purpose else ""),
                int(outside[0]) + first_line,
            )
    return PairCorpus.from_pairs(list(frame.sentence1), list(frame.sentence2), scores, str(path))


def cosine_to_target(scores: np.ndarray, label_map: str) -> np.ndarray:
    """Cosine labels as BCE targets in [0, 1]: ``clip`` to [0, 1], or ``minmax`` rescaling."""
    scores = np.asarray(scores, dtype=np.float64)
    if label_map == "clip":
        return np.clip(scores, 0.0, 1.0)
    if label_map == "minmax":
        low, high = scores.min(), scores.max()
        return np.full_like(scores, 0.5) if high <= low else (scores - low) / (high - low)
    raise ValueError(f"unknown label map {label_map!r}")


def rank_agreement(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman of two score arrays; 0 where one side is constant (it ranks nothing, and
    Spearman is undefined there)."""
    from scipy.stats import spearmanr

    if np.ptp(first) == 0 or np.ptp(second) == 0:
        return 0.0
    return float(spearmanr(first, second).statistic)


def mix_labels(cross: PairCorpus, bi: PairCorpus, cross_weight: float) -> PairCorpus:
    """``cross_weight`` x cross-encoder score + (1 - ``cross_weight``) x bi-encoder cosine, pair
    by pair; both label files must hold the same pairs in the same order."""
    return combine_labels([cross, bi], np.array([cross_weight, 1 - cross_weight]))


# how the labels of several sources (models, frozen teachers) are weighted when combined
LABEL_WEIGHTINGS = ("equal", "agreement")


def source_weights(scores: list[np.ndarray], weighting: str | list[float]) -> np.ndarray:
    """One weight per source, summing to 1: ``equal``; ``agreement`` (each source in proportion
    to its mean Spearman with the other sources, so a source the others contradict counts less;
    with two sources this is equal); or fixed numbers, one per source, normalised."""
    count = len(scores)
    if count == 1:
        return np.ones(1)
    if isinstance(weighting, str):
        if weighting == "equal" or count < 3:
            return np.full(count, 1.0 / count)
        if weighting != "agreement":
            raise ValueError(f"unknown label weighting {weighting!r}")
        from scipy.stats import spearmanr

        matrix = np.atleast_2d(spearmanr(np.stack(scores, axis=1)).statistic)
        agreement = (matrix.sum(axis=1) - 1) / (count - 1)
        raw = np.clip(agreement, 1e-6, None)
    else:
        if len(weighting) != count:
            raise TransencError(
                f"label_weights has {len(weighting)} numbers for {count} label sources "
                "(models first, then teachers)"
            )
        raw = np.asarray(weighting, dtype=np.float64)
    return raw / raw.sum()


def combine_labels(sources: list[PairCorpus], weights: np.ndarray) -> PairCorpus:
    """The weighted sum of several sources' scores for the same pairs, pair by pair."""
    first = sources[0]
    for other in sources[1:]:
        if other.pairs != first.pairs:
            raise DataError(first.name, f"pairs differ from those of {other.name}")
    scores = np.sum([w * s.scores for w, s in zip(weights, sources, strict=True)], axis=0)
    return first.with_scores(scores)


def scores_for_pairs(path: str | Path, pairs: list[tuple[str, str]]) -> np.ndarray:
    """The label file's score of each of ``pairs``, matched in either order (to score a label
    file on a benchmark's pairs)."""
    labels = read_labels(path)
    score_of = {}
    for (first, second), score in zip(labels.pairs, labels.scores, strict=True):
        score_of[first, second] = score
        score_of.setdefault((second, first), score)
    missing = sum(pair not in score_of for pair in pairs)
    if missing:
        raise DataError(path, f"{missing} of the {len(pairs)} pairs asked for are not in the file")
    return np.array([score_of[pair] for pair in pairs])
