"""A user's gold sets: graded pairs, binary pairs and reranking lists, read and checked.

A gold file's kind is read from its columns:

- graded pairs (``sentence1``, ``sentence2``, ``score``): any finite score;
- binary pairs (``sentence1``, ``sentence2``, ``label``): each label 0 or 1;
- reranking lists (JSONL: ``query``, ``positive`` list, ``negative`` list), neither list empty.

TSV, CSV and JSONL are read for pairs (the corpus readers: TSV with or without csv quoting),
JSONL for reranking. The STS tasks are gold sets too: ``--gold stsb`` (or ``sts12`` ..
``sickr``) is that task's test split, ``--gold sts`` all seven. A malformed file is one line
naming the file, the line and the problem.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from transenc.data.corpus import PairCorpus
from transenc.data.readers import EXTENSION_FORMATS, read_pair_file
from transenc.data.sts import STS_TASKS, default_data_dir, load_sts_task
from transenc.data.textfile import json_records, stream_lines
from transenc.errors import DataError, TransencError, quoted

GRADED, BINARY, RERANKING = "graded", "binary", "reranking"
# the metric each kind is judged by first, then the others it reports (all x100)
METRICS = {
    GRADED: ("spearman", "pearson"),
    BINARY: ("ap", "f1"),
    RERANKING: ("map", "mrr@10", "ndcg@10"),
}
ALL_STS = "sts"


@dataclass(frozen=True)
class RerankQuery:
    query: str
    positives: list[str]
    negatives: list[str]


@dataclass
class GoldSet:
    """One gold set: ``pairs`` (graded or binary, gold in ``pairs.scores``) or ``queries``."""

    name: str
    kind: str
    source: str
    pairs: PairCorpus | None = None
    queries: list[RerankQuery] = field(default_factory=list)
    spec: str = ""  # what the user gave (a file, NAME=FILE, an STS task): --select-on names it

    @property
    def primary(self) -> str:
        return METRICS[self.kind][0]

    def corpus(self) -> PairCorpus:
        """The pairs a model scores for this set: its pairs, or every (query, document)."""
        if self.pairs is not None:
            return self.pairs
        first, second, relevant = [], [], []
        for item in self.queries:
            for document, label in [(p, 1.0) for p in item.positives] + [
                (n, 0.0) for n in item.negatives
            ]:
                first.append(item.query)
                second.append(document)
                relevant.append(label)
        return PairCorpus.from_pairs(first, second, relevant, name=self.name)

    def size(self) -> int:
        return len(self.pairs) if self.pairs is not None else len(self.queries)


def read_gold(spec: str | Path, data_dir: str | Path | None = None) -> list[GoldSet]:
    """The gold set(s) ``spec`` names: a file, an STS task (``stsb``), or ``sts`` (all seven)."""
    text = str(spec)
    if not Path(text).is_file() and text.lower() in (*STS_TASKS, ALL_STS):
        root = Path(data_dir) if data_dir is not None else default_data_dir()
        tasks = STS_TASKS if text.lower() == ALL_STS else (text.lower(),)
        return [_sts_set(root, task) for task in tasks]
    path = Path(text)
    if path.is_dir():
        raise TransencError(f"{path}: a folder, not a gold file (.tsv, .csv or .jsonl)")
    if not path.is_file():
        raise TransencError(
            f"{path}: gold file not found (nor an STS task: {', '.join((*STS_TASKS, ALL_STS))})"
        )
    columns = _columns(path)
    name = path.stem
    if "query" in columns:
        return [GoldSet(name, RERANKING, str(path), queries=_read_reranking(path))]
    if "score" in columns and "label" in columns:
        raise DataError(path, "has both a score and a label column; keep the one to evaluate", 1)
    if "score" in columns:
        pairs = read_pair_file(path, score="score")
        return [_checked_size(GoldSet(name, GRADED, str(path), pairs=pairs))]
    if "label" in columns:
        pairs = read_pair_file(path, score="label")
        _check_binary(path, pairs)
        return [_checked_size(GoldSet(name, BINARY, str(path), pairs=pairs))]
    raise DataError(
        path,
        "missing column 'score' (graded pairs) or 'label' (binary pairs), or key 'query' "
        "(reranking)",
        1,
    )


def read_gold_sets(specs: list[str], data_dir: str | Path | None = None) -> dict[str, GoldSet]:
    """Every set the specs name, by name. A spec may name its set (``NAME=FILE``); a file's set
    is otherwise named by its stem, or by its folder and stem where two stems are the same."""
    named = [spec.partition("=") if _is_named(spec) else ("", "", spec) for spec in specs]
    stems = [Path(path).stem for name, _, path in named if not name and Path(path).is_file()]
    sets: dict[str, GoldSet] = {}
    for spec, (name, _, path) in zip(specs, named, strict=True):
        for gold in read_gold(path, data_dir):
            if name:
                gold.name = name
            elif Path(path).is_file() and stems.count(gold.name) > 1:
                gold.name = f"{Path(path).resolve().parent.name}/{gold.name}"
            gold.spec = spec
            if gold.name in sets:
                raise TransencError(f"gold set {gold.name!r} is named twice; name one NAME=FILE")
            sets[gold.name] = gold
    return sets


def _is_named(spec: str) -> bool:
    name, sep, path = spec.partition("=")
    return bool(sep and name and not Path(spec).exists() and "/" not in name)


def _sts_set(root: Path, task: str) -> GoldSet:
    pairs = load_sts_task(root, task)
    return _checked_size(GoldSet(task, GRADED, f"{root} ({task})", pairs=pairs))


def _checked_size(gold: GoldSet) -> GoldSet:
    if gold.size() < 2:
        raise DataError(gold.source, f"has {gold.size()} pair(s); a gold set needs at least 2")
    if gold.kind == BINARY and len(set(gold.pairs.scores.tolist())) < 2:
        raise DataError(gold.source, "every label is the same; binary gold needs both 0 and 1")
    return gold


def _columns(path: Path) -> list[str]:
    """The header's column names, or the first JSON record's keys."""
    fmt = EXTENSION_FORMATS.get(path.suffix.lower())
    if fmt == "jsonl":
        for _, record in json_records(path):
            return list(record)
    elif fmt in ("tsv", "csv"):
        for line in stream_lines(path):
            if line.strip():
                delimiter = "\t" if fmt == "tsv" else ","
                return [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]
    else:
        raise DataError(path, "a gold file is .tsv, .csv or .jsonl")
    raise DataError(path, "file is empty")


def _check_binary(path: Path, pairs: PairCorpus) -> None:
    bad = [k for k, v in enumerate(pairs.scores) if v not in (0.0, 1.0)]
    if bad:
        line = _data_line(path, bad[0])
        raise DataError(path, f"label {quoted(pairs.scores[bad[0]])} is not 0 or 1", line)


def _data_line(path: Path, row: int) -> int | None:
    """The file line of data row ``row`` (0-based; blank lines skipped), for a message."""
    seen = -1
    offset = 0 if path.suffix.lower() == ".jsonl" else 1  # the header
    for number, line in enumerate(stream_lines(path), start=1):
        if number <= offset or not line.strip():
            continue
        seen += 1
        if seen == row:
            return number
    return None


def _read_reranking(path: Path) -> list[RerankQuery]:
    queries = []
    for number, record in json_records(path):
        missing = [k for k in ("query", "positive", "negative") if k not in record]
        if missing:
            raise DataError(path, f"missing key {', '.join(map(repr, missing))}", number)
        query = record["query"]
        if not isinstance(query, str) or not query.strip():
            raise DataError(path, "query must be a non-empty string", number)
        lists = {}
        for key in ("positive", "negative"):
            items = record[key]
            if not isinstance(items, list) or not items:
                raise DataError(path, f"{key} must be a non-empty list of texts", number)
            if not all(isinstance(t, str) and t.strip() for t in items):
                raise DataError(path, f"{key} holds an empty or non-text entry", number)
            lists[key] = [t.strip() for t in items]
        queries.append(RerankQuery(query.strip(), lists["positive"], lists["negative"]))
    if not queries:
        raise DataError(path, "no queries")
    return queries
