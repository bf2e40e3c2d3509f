"""The peer's data folder, written from transenc's own STS loaders so that both read the same
pairs with the same gold.

The peer's ``src/data.py`` downloads ``STS_data.zip`` and ``stsbenchmark.tsv.gz`` unless they
are already in ``data/``; writing them first keeps it offline and unchanged:

- ``data/STS_data/en/{2012..2016}.test.tsv``: score, sentence1, sentence2 (every scored pair of
  the year, as transenc's ``sts12`` .. ``sts16``), and ``2012_to_2016.test.tsv``, all of them;
- ``data/STS_data/en/SICK_annotated.txt``: SICK with its ``SemEval_set`` column (TRAIN, TRIAL,
  TEST);
- ``data/stsbenchmark.tsv.gz``: STS-B as sentence-transformers distributes it (split, genre,
  dataset, year, sid, score, sentence1, sentence2);
- a pair file ``sentence1||sentence2`` per line for ``--custom_corpus_path``.

Every file is tab-separated without quoting, as the peer reads it (``csv.QUOTE_NONE``).
"""

from __future__ import annotations

import gzip
from pathlib import Path

from transenc.data.corpus import PairCorpus
from transenc.data.sts import load_sts_task

YEARS = {f"sts{yy}": f"20{yy}" for yy in range(12, 17)}
SICK_SETS = {"train": "TRAIN", "trial": "TRIAL", "test": "TEST"}
PAIR_SEPARATOR = "||"


def _check_field(text: str) -> str:
    # the peer splits on tabs without quoting: a tab or newline inside a sentence would shift
    # every column after it
    if "\t" in text or "\n" in text:
        raise ValueError(f"sentence with a tab or newline cannot be written for the peer: {text!r}")
    return text


def _score_rows(corpus: PairCorpus) -> list[str]:
    return [
        f"{score}\t{_check_field(a)}\t{_check_field(b)}"
        for (a, b), score in zip(corpus.pairs, corpus.scores, strict=True)
    ]


def write_sts_folder(sts_dir: Path, peer_root: Path) -> dict[str, int]:
    """Writes the peer's ``data/`` under ``peer_root``; returns the pair count of each file."""
    english = peer_root / "data" / "STS_data" / "en"
    english.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    everything: list[str] = []
    for task, year in YEARS.items():
        rows = _score_rows(load_sts_task(sts_dir, task))
        (english / f"{year}.test.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        everything += rows
        counts[year] = len(rows)
    (english / "2012_to_2016.test.tsv").write_text("\n".join(everything) + "\n", encoding="utf-8")

    sick = ["pair_ID\tsentence_A\tsentence_B\trelatedness_score\tSemEval_set"]
    for split, label in SICK_SETS.items():
        corpus = load_sts_task(sts_dir, "sickr", split)
        for number, ((a, b), score) in enumerate(zip(corpus.pairs, corpus.scores, strict=True)):
            sick.append(f"{split}-{number}\t{_check_field(a)}\t{_check_field(b)}\t{score}\t{label}")
        counts[f"sick-{split}"] = len(corpus)
    (english / "SICK_annotated.txt").write_text("\n".join(sick) + "\n", encoding="utf-8")

    stsb = ["split\tgenre\tdataset\tyear\tsid\tscore\tsentence1\tsentence2"]
    for split in ("train", "dev", "test"):
        corpus = load_sts_task(sts_dir, "stsb", split)
        for number, ((a, b), score) in enumerate(zip(corpus.pairs, corpus.scores, strict=True)):
            stsb.append(
                f"{split}\t-\t-\t-\t{number}\t{score}\t{_check_field(a)}\t{_check_field(b)}"
            )
        counts[f"stsb-{split}"] = len(corpus)
    with gzip.open(peer_root / "data" / "stsbenchmark.tsv.gz", "wt", encoding="utf-8") as handle:
        handle.write("\n".join(stsb) + "\n")
    return counts


def write_pair_file(corpus: PairCorpus, path: Path) -> PairCorpus:
    """Writes ``corpus`` for ``--custom_corpus_path`` and returns the pairs the peer will read:
    it skips a line that does not split into exactly two parts on ``||``, so such pairs are
    left out here and the caller trains transenc on the same ones."""
    keep = [
        i
        for i, (a, b) in enumerate(corpus.pairs)
        if PAIR_SEPARATOR not in a and PAIR_SEPARATOR not in b and a.strip() and b.strip()
    ]
    kept = corpus.select(keep)
    lines = [f"{_check_field(a)}{PAIR_SEPARATOR}{_check_field(b)}" for a, b in kept.pairs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return kept
