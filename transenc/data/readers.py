"""Readers for unlabeled (or pseudo-labelled) pair corpora, and the corpus spec resolver.

Supported files, chosen by extension unless ``fmt`` is given:
- ``.tsv`` / ``.csv``: a header row; sentence columns by name (``sentence1``/``sentence2``).
- ``.jsonl``: one JSON object per line with the same keys.
- ``.txt``: one pair per line as ``sentence one||sentence two``.

A corpus spec is a file, an STS data directory (its transductive pool), ``pool`` (the pool of
the data directory), ``eval-pairs`` (the pairs the STS evaluation scores, without their scores),
or a named subset such as ``stsb:train``, ``sickr:test`` or ``sts15``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from transenc.data.corpus import PairCorpus
from transenc.data.sts import (
    STS_TASKS,
    default_data_dir,
    load_evaluation_pairs,
    load_inductive_pairs,
    load_sts_task,
    load_transductive_pool,
)
from transenc.data.textfile import (
    clean_sentence,
    inner_suffix,
    json_records,
    parse_score,
    stream_lines,
)
from transenc.errors import DataError, quoted

FORMATS = ("tsv", "csv", "jsonl", "lines")
EXTENSION_FORMATS = {".tsv": "tsv", ".csv": "csv", ".jsonl": "jsonl", ".txt": "lines"}
LINES_SEPARATOR = "||"
DELIMITERS = {"tsv": "\t", "csv": ","}
# pairs read (and labelled) at a time from a corpus file: memory holds one chunk
DEFAULT_CHUNK_PAIRS = 50_000


def read_pair_file(
    path: str | Path,
    fmt: str | None = None,
    sentence1: str = "sentence1",
    sentence2: str = "sentence2",
    score: str | None = None,
) -> PairCorpus:
    """Reads sentence pairs (and optionally a score column) from a file.

    Args:
        path: the file.
        fmt: one of ``FORMATS``; inferred from the extension when ``None``.
        sentence1, sentence2: column (or JSON key) names of the two sentences.
        score: column of a numeric score to keep, or ``None`` for an unlabeled corpus.

    Raises:
        DataError: naming the file, the line and the problem.
    """
    path = Path(path)
    columns = [sentence1, sentence2] + ([score] if score else [])
    rows = list(_rows(path, fmt, columns))
    return _corpus(path, rows, columns)


def read_pair_chunks(
    path: str | Path,
    chunk_pairs: int,
    fmt: str | None = None,
    sentence1: str = "sentence1",
    sentence2: str = "sentence2",
) -> Iterator[PairCorpus]:
    """The unlabeled pairs of a file as corpora of at most ``chunk_pairs`` pairs each, read as
    they are needed: memory holds one chunk, however large the file. The same checks and
    messages as :func:`read_pair_file`, raised when the reader reaches the bad line."""
    path = Path(path)
    columns = [sentence1, sentence2]
    chunk: list[Row] = []
    for row in _rows(path, fmt, columns):
        chunk.append(row)
        if len(chunk) == chunk_pairs:
            yield _corpus(path, chunk, columns)
            chunk = []
    if chunk:
        yield _corpus(path, chunk, columns)


def format_of(path: Path) -> str | None:
    """The format a file's extension names, a compression suffix (``pairs.tsv.gz``) looked
    through."""
    return EXTENSION_FORMATS.get(inner_suffix(path))


def _rows(path: Path, fmt: str | None, columns: list[str]) -> Iterator[Row]:
    fmt = fmt or format_of(path)
    if fmt not in FORMATS:
        raise DataError(path, f"unknown file format; use one of {', '.join(FORMATS)} (--format)")
    if fmt == "lines":
        return _read_lines_format(path)
    if fmt == "jsonl":
        return _read_jsonl(path, columns)
    return _read_delimited(path, DELIMITERS[fmt], columns)


def _corpus(path: Path, rows: list[Row], columns: list[str]) -> PairCorpus:
    s1 = [clean_sentence(r[0], path, n, columns[0]) for n, r in rows]
    s2 = [clean_sentence(r[1], path, n, columns[1]) for n, r in rows]
    scores = [parse_score(r[2], path, n, columns[2]) for n, r in rows] if len(columns) > 2 else None
    return PairCorpus.from_pairs(s1, s2, scores, name=str(path))


def resolve_corpus(spec: str, data_dir: str | Path | None = None, **read_options) -> PairCorpus:
    """The unlabeled corpus a spec names: a file, an STS data dir, ``pool``, ``eval-pairs`` or
    ``task[:split]``.

    Named subsets drop gold scores; SemEval years include their unscored pairs.
    """
    path = Path(spec)
    if path.is_file():
        return read_pair_file(path, **read_options).without_scores()
    if path.is_dir():
        return load_transductive_pool(path)
    task, _, split = spec.partition(":")
    named = {
        "pool": load_transductive_pool,
        "eval-pairs": load_evaluation_pairs,
        "inductive": load_inductive_pairs,
    }
    if spec in named or task in STS_TASKS:
        root = Path(data_dir) if data_dir is not None else default_data_dir()
        if spec in named:
            return named[spec](root)
        return load_sts_task(root, task, split or "test", scored_only=False)
    raise DataError(
        spec,
        f"no such file or directory, and not a named corpus (pool, eval-pairs, inductive, "
        f"{', '.join(STS_TASKS)}, "
        "stsb:train, ...)",
    )


# --- formats ---------------------------------------------------------------------------------

Row = tuple[int, list[str]]  # (1-based line number, field values in the order asked for)
# the csv module refuses fields over 128 KiB by default; a long sentence is valid input (the
# model's max length truncates it), so allow any field a 32-bit size can hold
csv.field_size_limit(2**31 - 1)


def tsv_quoting(path: Path) -> int:
    """How a TSV file quotes: as csv writers do (a field in double quotes, ``""`` inside), or
    not at all, a ``"`` being part of the text (many released TSV files; a quote-aware read of
    those merges or splits their rows). Quote-aware unless that read gives a row whose field
    count differs from the header's, or a field spanning lines, while the plain read does not."""

    def consistent(quoting: int) -> bool:
        rows = csv.reader(stream_lines(path), delimiter="\t", quoting=quoting)
        width = None
        for fields in rows:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            width = width or len(fields)
            # a field spanning lines is a quote left open, far likelier than a sentence with
            # a line break in it
            if len(fields) != width or any("\n" in f for f in fields):
                return False
        return True

    if consistent(csv.QUOTE_MINIMAL) or not consistent(csv.QUOTE_NONE):
        return csv.QUOTE_MINIMAL
    return csv.QUOTE_NONE


def _read_delimited(path: Path, delimiter: str, columns: list[str]) -> Iterator[Row]:
    quoting = tsv_quoting(path) if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(stream_lines(path), delimiter=delimiter, quoting=quoting)
    fields = next(reader)
    while not fields:  # blank lines before the header
        fields = next(reader)
    header = [h.strip() for h in fields]
    missing = [c for c in columns if c not in header]
    if missing:
        other = "," if delimiter == "\t" else "\t"
        if len(header) == 1 and other in header[0]:
            name = "tab" if delimiter == "\t" else "comma"
            raise DataError(path, f"wrong delimiter: expected {name}-separated columns", 1)
        raise DataError(
            path,
            f"missing column {', '.join(map(repr, missing))} "
            f"(header has {', '.join(quoted(h) for h in header)})",
            1,
        )
    positions = [header.index(c) for c in columns]
    found = False
    for fields in reader:
        number = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line
        if len(fields) != len(header):
            problem = f"expected {len(header)} fields, found {len(fields)}"
            if len(fields) == 1:
                problem = "row has one sentence; " + problem
            raise DataError(path, problem, number)
        found = True
        yield number, [fields[p] for p in positions]
    if not found:
        raise DataError(path, "no pairs after the header")


def _read_jsonl(path: Path, columns: list[str]) -> Iterator[Row]:
    for number, record in json_records(path):
        missing = [c for c in columns if c not in record]
        if missing:
            raise DataError(path, f"missing key {', '.join(map(repr, missing))}", number)
        yield number, [str(record[c]) if record[c] is not None else "" for c in columns]


def _read_lines_format(path: Path) -> Iterator[Row]:
    for number, line in enumerate(stream_lines(path), start=1):
        line = line.rstrip("\n").removesuffix("\r")
        if not line.strip():
            continue
        first, sep, second = line.partition(LINES_SEPARATOR)
        if not sep:
            raise DataError(
                path,
                f"row has one sentence; expected 'sentence1{LINES_SEPARATOR}sentence2'",
                number,
            )
        yield number, [first, second]
