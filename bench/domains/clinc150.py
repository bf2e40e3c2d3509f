"""CLINC150 as a pair domain: the adaptation study's larger domain (issue 40).

Source: Larson et al. 2019, "An Evaluation Dataset for Intent Classification and Out-of-Scope
Prediction", github ``clinc/oos-eval`` (``data/data_full.json``, ``data/domains.json``),
licence CC BY 3.0 (the repository's LICENSE). 23,700 virtual-assistant queries in 150 intents of
10 domains (banking, travel, kitchen ...): not tweets, biomedical or relatedness data.

The release has no pairs, only intents, so the gold is derived: two queries match (1) when they
share an intent. Built here, never committed:

- ``sentences_train.txt``: the in-scope train split's queries (15,000, for adapting; no intent
  written anywhere a run reads);
- ``gold.tsv`` (``sentence1``, ``sentence2``, ``label``): each in-scope *test* query (4,500)
  with one partner from the test split, chosen by a seeded hash as one in three each: a query
  of the same intent (1), of another intent of the same domain (0, the hard negatives), of
  another domain (0). No test query is a train query;
- ``SOURCE.md``: where it came from, the counts and the overlap with STS/SICK where a copy is
  given.

``python -m bench.domains.clinc150 --source DIR_OR_GIT_DIR [--out runs/data/clinc150]``: the
source is a checkout of the repository or its git directory (a snapshot; read at
``--commit``, default HEAD); with a URL it is cloned first (needs a network).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

URL = "https://github.com/clinc/oos-eval"
LICENCE = "CC BY 3.0 (Creative Commons Attribution 3.0 Unported; the repository's LICENSE)"
FILES = ("data/data_full.json", "data/domains.json")
KINDS = ("same intent", "same domain", "other domain")


def read_source(source: str, commit: str = "HEAD") -> tuple[dict, dict, str]:
    """(data_full, domains, where): from a checkout, a git directory or a URL to clone."""
    if "://" in source:  # cloned into a scratch folder, read, and the clone removed
        with tempfile.TemporaryDirectory(prefix="clinc150-") as scratch:
            subprocess.run(["git", "clone", "--quiet", source, scratch], check=True)
            data, domains, where = read_source(scratch, commit)
        return data, domains, where.replace(scratch, source)
    path = Path(source)
    if all((path / name).is_file() for name in FILES):
        texts = [(path / name).read_text() for name in FILES]
        where = str(path)
    else:  # a git directory (a bare snapshot has no work tree)
        texts = [
            subprocess.run(
                ["git", "--git-dir", str(path), "show", f"{commit}:{name}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for name in FILES
        ]
        rev = subprocess.run(
            ["git", "--git-dir", str(path), "rev-parse", commit],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        where = f"{path} at {rev}"
    data, domains = (json.loads(text) for text in texts)
    return data, domains, where


def _bucket(text: str, seed: int) -> int:
    return hashlib.sha256(f"{seed}:{text}".encode()).digest()[0] % len(KINDS)


def gold_pairs(test: list[tuple[str, str]], domain_of: dict[str, str], seed: int = 0):
    """Each distinct test query with one partner (a frame of sentence1, sentence2, label, kind):
    the kind by a seeded hash of the query, the partner by a seeded generator; no query with
    itself, each unordered pair once."""
    queries = list(dict.fromkeys(test))
    by_intent: dict[str, list[str]] = {}
    by_domain: dict[str, list[tuple[str, str]]] = {}
    for text, intent in queries:
        by_intent.setdefault(intent, []).append(text)
        by_domain.setdefault(domain_of[intent], []).append((text, intent))
    rng = np.random.default_rng(seed)
    seen, rows = set(), []
    for text, intent in queries:
        kind = _bucket(text, seed)
        domain = domain_of[intent]
        if kind == 0:
            candidates = [other for other in by_intent[intent] if other != text]
        elif kind == 1:
            candidates = [other for other, i in by_domain[domain] if i != intent]
        else:
            candidates = [other for other, i in queries if domain_of[i] != domain]
        if not candidates:
            continue
        partner = candidates[int(rng.integers(len(candidates)))]
        key = tuple(sorted((text, partner)))
        if key in seen:
            continue
        seen.add(key)
        rows.append((text, partner, int(kind == 0), KINDS[kind]))
    return pd.DataFrame(rows, columns=["sentence1", "sentence2", "label", "kind"])


def build(data: dict, domains: dict, out: Path, seed: int = 0, exclude=frozenset()) -> dict:
    """Writes ``sentences_train.txt`` and ``gold.tsv`` under ``out``, leaving out the queries
    in ``exclude`` (lower-cased: those STS or SICK share); returns the counts."""
    out.mkdir(parents=True, exist_ok=True)
    domain_of = {intent: domain for domain, intents in domains.items() for intent in intents}
    kept = [(text, intent) for text, intent in data["test"] if text.strip().lower() not in exclude]
    test_texts = {text for text, _ in kept}
    train = [  # inductive: no test query
        text
        for text in dict.fromkeys(text for text, _ in data["train"])
        if text not in test_texts and text.strip().lower() not in exclude
    ]
    test = kept
    (out / "sentences_train.txt").write_text("\n".join(train) + "\n")
    gold = gold_pairs(test, domain_of, seed)
    gold[["sentence1", "sentence2", "label"]].to_csv(out / "gold.tsv", sep="\t", index=False)
    everything = {text for split in data.values() for text, _ in split}
    return {
        "train_sentences": len(train),
        "gold_pairs": len(gold),
        "gold_positive": int(gold.label.sum()),
        "gold_kinds": gold.kind.value_counts().to_dict(),
        "distinct_queries": len(everything),
        "intents": len(domain_of),
        "domains": len(domains),
    }


def sts_shared(sentences: set[str], sts_dir: Path) -> set[str] | None:
    """Those of ``sentences`` (lower-cased, stripped) that occur as a field of any file under
    ``sts_dir`` (the STS and SICK copy; None where there is none)."""
    if not sts_dir.is_dir():
        return None
    wanted = {s.strip().lower() for s in sentences}
    found = set()
    for path in sts_dir.rglob("*"):
        if path.is_file() and path.suffix.lower() in {".txt", ".tsv", ".csv", ""}:
            for line in path.read_text(errors="replace").lower().splitlines():
                for field in line.split("\t"):
                    if field.strip() in wanted:
                        found.add(field.strip())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=URL, help="a checkout, a git directory or a URL")
    parser.add_argument("--commit", default="HEAD", help="with a git directory: the commit")
    parser.add_argument("--out", type=Path, default=Path("runs/data/clinc150"))
    parser.add_argument("--sts-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data, domains, where = read_source(args.source, args.commit)
    everything = {text for split in data.values() for text, _ in split}
    shared = sts_shared(everything, args.sts_dir)
    counts = build(data, domains, args.out, args.seed, frozenset(shared or ()))
    left_out = sorted(shared) if shared is not None else "not checked: no STS/SICK copy"
    counts["shared_with_sts_sick_left_out"] = left_out
    (args.out / "SOURCE.md").write_text(
        f"# CLINC150 as pairs\n\nFrom {URL} ({where}); licence {LICENCE}.\n"
        f"Built by `python -m bench.domains.clinc150` (seed {args.seed}); the gold is derived "
        "from intents (same intent = 1).\n\n```\n" + json.dumps(counts, indent=2) + "\n```\n"
    )
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
