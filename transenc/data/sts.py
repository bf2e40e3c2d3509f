"""Loaders for the STS benchmarks in their original release formats.

A data directory is laid out like the public releases (see ``../shared/data/sts/README.md``):
``STS/STS12-en-test`` .. ``STS/STS16-en-test`` (SemEval input/gold file pairs),
``stsbenchmark/sts-{train,dev,test}.csv`` and ``SICK/SICK_{train,trial,test_annotated}.txt``.
Tasks are named ``sts12 .. sts16, stsb, sickr``; every file is parsed by its documented schema
(SICK by header names), never by guessing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from transenc.data.corpus import PairCorpus
from transenc.data.textfile import clean_sentence, parse_score, read_lines
from transenc.errors import DataError, TransencError

logger = logging.getLogger(__name__)

STS_TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "sickr")
DATA_ENV_VAR = "TRANSENC_DATA"
DEFAULT_DATA_DIR = Path("data/sts")

SEMEVAL_DIRS = {f"sts{yy}": Path("STS") / f"STS{yy}-en-test" for yy in range(12, 17)}
STSB_DIR = Path("stsbenchmark")
STSB_SPLITS = ("train", "dev", "test")
SICK_DIR = Path("SICK")
SICK_FILES = {
    "train": "SICK_train.txt",
    "trial": "SICK_trial.txt",
    "test": "SICK_test_annotated.txt",
}
# STS-B rows: genre, file, year, id, score, sentence1, sentence2 [, source1, source2]
STSB_SCORE, STSB_S1, STSB_S2 = 4, 5, 6
SICK_COLUMNS = ("sentence_A", "sentence_B", "relatedness_score")


def default_data_dir() -> Path:
    """``$TRANSENC_DATA`` if set, else the per-user folder, the project's, the working
    directory's ``data/sts`` (:mod:`transenc.locations`)."""
    from transenc.locations import sts_data_dir

    return sts_data_dir()


def task_splits(task: str) -> tuple[str, ...]:
    """The splits a task has; the evaluation split is ``test`` for every task."""
    _check_task(task)
    if task == "stsb":
        return STSB_SPLITS
    if task == "sickr":
        return tuple(SICK_FILES)
    return ("test",)


def load_sts_task(
    data_dir: str | Path, task: str, split: str = "test", scored_only: bool = True
) -> PairCorpus:
    """One STS task as a :class:`PairCorpus` with gold scores.

    Args:
        data_dir: a directory laid out like the public releases.
        task: one of ``STS_TASKS``.
        split: ``test`` (the evaluation split), or ``train``/``dev`` for stsb, ``train``/``trial``
            for sickr.
        scored_only: keep only pairs with a gold score (evaluation). With ``False`` every pair
            is returned without scores (for unlabeled training corpora).

    Example:
        >>> corpus = load_sts_task("../shared/data/sts", "stsb")  # doctest: +SKIP
        >>> len(corpus)  # doctest: +SKIP
        1379
    """
    root = _check_data_dir(data_dir)
    if split not in task_splits(task):
        raise TransencError(
            f"task {task} has no split {split!r}; it has {', '.join(task_splits(task))}"
        )
    name = task if split == "test" else f"{task}:{split}"
    if task in SEMEVAL_DIRS:
        corpus = _load_semeval_year(root / SEMEVAL_DIRS[task], task, scored_only)
    elif task == "stsb":
        corpus = _load_stsb(root / STSB_DIR / f"sts-{split}.csv", task)
    else:
        corpus = _load_sick(root / SICK_DIR / SICK_FILES[split], task)
    corpus = PairCorpus(corpus.sentences, corpus.index1, corpus.index2, corpus.scores, name)
    return corpus if scored_only else corpus.without_scores()


def load_transductive_pool(data_dir: str | Path) -> PairCorpus:
    """Trans-Encoder's unlabeled training pool: every pair of STS12-16 (scored or not), all
    STS-B splits and all of SICK, labels dropped, repeated pairs removed."""
    parts = [
        load_sts_task(data_dir, task, split, scored_only=False)
        for task in STS_TASKS
        for split in task_splits(task)
    ]
    pool = PairCorpus.concat(parts).deduplicated()
    return PairCorpus(pool.sentences, pool.index1, pool.index2, None, f"{data_dir}:pool")


def load_evaluation_pairs(data_dir: str | Path) -> PairCorpus:
    """The pairs ``eval-sts`` scores (STS12-16, STS-B test, SICK-R test), labels dropped and
    repeated pairs removed: the transductive setting restricted to the benchmark's own inputs.
    Which pairs a benchmark scores is known without reading any score."""
    parts = [load_sts_task(data_dir, task, "test") for task in STS_TASKS]
    pairs = PairCorpus.concat(parts).deduplicated()
    return PairCorpus(pairs.sentences, pairs.index1, pairs.index2, None, f"{data_dir}:eval-pairs")


def load_inductive_pairs(data_dir: str | Path) -> PairCorpus:
    """The transductive pool minus every pair ``eval-sts`` scores (in either sentence order):
    training on it, a model never sees an evaluated pair. Sentences may still recur (an
    evaluated sentence paired with another one), as in any corpus of the same domain."""
    pool, evaluated = load_transductive_pool(data_dir), load_evaluation_pairs(data_dir)
    seen = {frozenset(pair) for pair in evaluated.pairs}
    keep = [i for i, pair in enumerate(pool.pairs) if frozenset(pair) not in seen]
    return pool.select(keep, name=f"{data_dir}:inductive")


# --- internals -------------------------------------------------------------------------------


def _check_task(task: str) -> None:
    if task not in STS_TASKS:
        raise TransencError(f"unknown task {task!r}; known tasks: {', '.join(STS_TASKS)}")


def _check_data_dir(data_dir: str | Path) -> Path:
    root = Path(data_dir)
    if not root.is_dir():
        raise DataError(
            root,
            f"data directory not found (pass --data-dir or set ${DATA_ENV_VAR}; see docs/data.md)",
        )
    return root


def load_sts_sources(data_dir: str | Path, task: str) -> dict[str, PairCorpus]:
    """One SemEval year (``sts12`` .. ``sts16``) source by source (``MSRvid``, ``headlines``,
    ...), each with its scored pairs, named ``TASK/SOURCE``: the genres a year pools.

    Example:
        >>> sources = load_sts_sources("../shared/data/sts", "sts16")  # doctest: +SKIP
        >>> sorted(sources)[0]  # doctest: +SKIP
        'answer-answer'
    """
    root = _check_data_dir(data_dir)
    if task not in SEMEVAL_DIRS:
        raise TransencError(f"task {task} has no sources; {', '.join(SEMEVAL_DIRS)} have them")
    return {
        source: corpus for source, corpus in _semeval_sources(root / SEMEVAL_DIRS[task], task, True)
    }


def _load_semeval_year(folder: Path, task: str, scored_only: bool) -> PairCorpus:
    """All sub-datasets of one SemEval year pooled (the usual 'all' setting)."""
    return PairCorpus.concat(
        [corpus for _, corpus in _semeval_sources(folder, task, scored_only)], name=task
    )


def _semeval_sources(folder: Path, task: str, scored_only: bool):
    """(source, its pairs) for each sub-dataset of one SemEval year, in file-name order.

    Each sub-dataset X has ``*.input.X.txt`` (tab-separated; STS16 adds two source columns)
    and ``*.gs.X.txt`` (one score per line, empty = unscored). Gold files without an input file
    (STS12 ``STS.gs.ALL.txt``, STS13 SMT, which is not redistributable) are skipped.
    """
    if not folder.is_dir():
        raise DataError(folder, f"folder for task {task} not found")
    inputs = sorted(folder.glob("*.input.*.txt"))
    if not inputs:
        raise DataError(folder, f"no *.input.*.txt files for task {task}")
    for gold_path in sorted(folder.glob("*.gs.*.txt")):
        if not gold_path.with_name(gold_path.name.replace(".gs.", ".input.", 1)).is_file():
            logger.debug("skipping %s: no input file", gold_path)
    for input_path in inputs:
        # STS.input.surprise.OnWN.txt -> surprise.OnWN
        source = input_path.name.split(".input.", 1)[1].removesuffix(".txt")
        rows = _read_semeval_input(input_path)
        name = f"{task}/{source}"
        if not scored_only:
            yield (
                source,
                PairCorpus.from_pairs([a for a, _ in rows], [b for _, b in rows], None, name=name),
            )
            continue
        gold_path = input_path.with_name(input_path.name.replace(".input.", ".gs.", 1))
        gold = read_lines(gold_path) if gold_path.is_file() else None
        if gold is None:
            raise DataError(gold_path, f"gold file for {input_path.name} not found")
        if len(gold) != len(rows):
            raise DataError(gold_path, f"{len(gold)} gold lines for {len(rows)} input pairs")
        s1: list[str] = []
        s2: list[str] = []
        scores: list[float] = []
        for number, (text, (a, b)) in enumerate(zip(gold, rows, strict=True), start=1):
            if not text.strip():
                continue  # an unscored pair
            scores.append(parse_score(text, gold_path, number))
            s1.append(a)
            s2.append(b)
        yield source, PairCorpus.from_pairs(s1, s2, scores, name=name)


def _read_semeval_input(path: Path) -> list[tuple[str, str]]:
    rows = []
    for number, line in enumerate(read_lines(path), start=1):
        fields = line.split("\t")
        if len(fields) < 2:
            raise DataError(path, _one_field_problem(line), number)
        a = clean_sentence(fields[0], path, number, "1")
        b = clean_sentence(fields[1], path, number, "2")
        rows.append((a, b))
    return rows


def _load_stsb(path: Path, task: str) -> PairCorpus:
    """STS-B: tab-separated, no header, **no quoting** (sentences contain bare quotes)."""
    s1, s2, scores = [], [], []
    for number, line in enumerate(read_lines(path), start=1):
        fields = line.split("\t")
        if len(fields) <= STSB_S2:
            if len(fields) == 1:
                raise DataError(path, _one_field_problem(line), number)
            raise DataError(
                path,
                f"expected 7 tab-separated fields (genre, file, year, id, score, sentence1, "
                f"sentence2), found {len(fields)}",
                number,
            )
        scores.append(parse_score(fields[STSB_SCORE], path, number))
        s1.append(clean_sentence(fields[STSB_S1], path, number, "sentence1"))
        s2.append(clean_sentence(fields[STSB_S2], path, number, "sentence2"))
    return PairCorpus.from_pairs(s1, s2, scores, name=task)


def _load_sick(path: Path, task: str) -> PairCorpus:
    """SICK: tab-separated with a header; columns are found by name."""
    lines = read_lines(path)
    header = lines[0].split("\t")
    missing = [c for c in SICK_COLUMNS if c not in header]
    if missing:
        if len(header) == 1:
            raise DataError(path, _one_field_problem(lines[0]), 1)
        raise DataError(path, f"header lacks column(s) {', '.join(missing)}", 1)
    a_col, b_col, score_col = (header.index(c) for c in SICK_COLUMNS)
    s1, s2, scores = [], [], []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(header):
            raise DataError(
                path, f"expected {len(header)} tab-separated fields, found {len(fields)}", number
            )
        scores.append(parse_score(fields[score_col], path, number))
        s1.append(clean_sentence(fields[a_col], path, number, "sentence_A"))
        s2.append(clean_sentence(fields[b_col], path, number, "sentence_B"))
    return PairCorpus.from_pairs(s1, s2, scores, name=task)


def _one_field_problem(line: str) -> str:
    if "," in line or ";" in line or "|" in line:
        return "no tab found: wrong delimiter? (this file must be tab-separated)"
    return "row has one sentence; expected two tab-separated sentences"
