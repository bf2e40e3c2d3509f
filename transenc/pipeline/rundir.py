"""The run directory: its identity (what it was made from), its set-up, and the final models.

``run.json`` records the corpus checksum, the models, the teachers, the recipe's fingerprint
and the selection rule; a rerun under the same directory with any of them changed is refused
unless forced. Nothing is written here before every input has been checked
(:func:`transenc.pipeline.config.check_inputs`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from transenc.atomic import atomic_dir, write_text_atomic
from transenc.data.corpus import PairCorpus
from transenc.data.readers import resolve_corpus
from transenc.errors import TransencError
from transenc.manifest import checksum
from transenc.models import DEFAULT_MODEL
from transenc.overlap import overlap_by_task
from transenc.pipeline.names import (
    FINAL_DIR,
    MINED_DIR,
    PAIRS_FILE,
    RECIPE_FILE,
    RUN_FILE,
    model_dir_name,
    round_dir,
)

RUN_FORMAT = 1
# identity key -> what the refusal calls it
IDENTITY = {
    "corpus_sha256": "corpus",
    "models": "models",
    "teachers": "teachers",
    "recipe_sha256": "recipe",
    "select_on": "selection rule",
    "sentences": "sentences to mine",
    "augment": "pairs to augment",
}


def read_corpus(config) -> PairCorpus:
    """The run's training pairs: the corpus, sampled down to the recipe's ``max_pairs``."""
    corpus = resolve_corpus(config.pairs, config.data_dir, **config.corpus_options)
    corpus = corpus.sample(config.recipe.max_pairs, config.recipe.seed)
    if len(corpus) < 2:
        raise TransencError(f"{config.pairs}: need at least 2 pairs, found {len(corpus)}")
    return corpus


def pairs_text(corpus: PairCorpus) -> str:
    return corpus.to_frame()[["sentence1", "sentence2"]].to_csv(
        sep="\t", index=False, lineterminator="\n"
    )


def identity_of(config, corpus: PairCorpus) -> dict:
    teachers = [model_identity(t) for t in config.teachers]
    return {
        "format": RUN_FORMAT,
        "corpus": config.pairs,
        "corpus_pairs": len(corpus),
        "corpus_sha256": hashlib.sha256(pairs_text(corpus).encode("utf-8")).hexdigest(),
        "models": [model_identity(m) for m in config.models],
        **({"teachers": teachers} if teachers else {}),
        "recipe_sha256": config.recipe.fingerprint(),
        "select_on": config.select_on,
        **({"sentences": sentences_identity(config)} if config.sentences else {}),
        **({"augment": augment_identity(config)} if config.augment else {}),
    }


def sentences_identity(config) -> dict:
    """What the pairs of ``bootstrap --sentences`` are mined from and how."""
    return {
        "file": model_identity(config.sentences),
        "sha256": checksum(config.sentences),
        "column": config.sentence_column,
        "neighbours": config.neighbours,
        "random": config.random_partners,
        "max_pairs": config.mine_max_pairs,
    }


def augment_identity(config) -> dict:
    """What the pairs of ``bootstrap --augment`` join and how more are mined."""
    return {
        "pairs": config.given_pairs,
        "sha256": hashlib.sha256(pairs_text(config.given_corpus).encode("utf-8")).hexdigest(),
        "neighbours": config.neighbours,
        "random": config.random_partners,
        "max_pairs": config.mine_max_pairs,
    }


def check_sentences(config) -> None:
    """Before mining writes into the run directory: the folder is new, or a run directory whose
    pairs were mined from the same sentences (or given pairs) the same way (unless forced)."""
    out = config.out
    run_file = out / RUN_FILE
    if run_file.is_file():
        key, identity = (
            ("augment", augment_identity(config))
            if config.augment
            else ("sentences", sentences_identity(config))
        )
        if json.loads(run_file.read_text()).get(key) != identity and not config.force:
            raise TransencError(
                f"{out}: this run directory was made with different {IDENTITY[key]} (or "
                "another way of mining them); use another --out, or --force to redo"
            )
    elif not _fresh(config):
        raise TransencError(f"{out}: exists and is not a transenc run directory")


def check_identity(config, identity: dict) -> None:
    """Refuses a run directory made from other inputs (unless forced), or a folder that is no
    run directory; writes nothing."""
    out = config.out
    run_file = out / RUN_FILE
    if run_file.is_file():
        previous = json.loads(run_file.read_text())
        changed = [k for k in IDENTITY if previous.get(k, []) != identity.get(k, [])]
        if changed and not config.force:
            raise TransencError(
                f"{out}: this run directory was made with a different "
                f"{', '.join(IDENTITY[c] for c in changed)}; use another --out, or --force to redo"
            )
    elif not _fresh(config):
        raise TransencError(f"{out}: exists and is not a transenc run directory")


def _fresh(config) -> bool:
    """The run directory does not exist, is empty, or holds only what this run's first stage
    (mining its pairs) wrote so far."""
    out = config.out
    own = {MINED_DIR} if config.mines else set()
    return not out.exists() or all(p.name in own for p in out.iterdir())


def prepare(config, corpus: PairCorpus) -> None:
    """Writes the run files (``run.json``, ``recipe.toml``, ``pairs.tsv``) once the corpus and
    the directory's identity check out; removes what a killed run left half-written."""
    out = config.out
    identity = identity_of(config, corpus)
    check_identity(config, identity)
    out.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out)
    text = pairs_text(corpus)
    pairs_path = out / PAIRS_FILE
    if not pairs_path.is_file() or pairs_path.read_text(encoding="utf-8") != text:
        write_text_atomic(pairs_path, text)
    write_text_atomic(out / RECIPE_FILE, config.recipe.to_toml())
    write_text_atomic(out / RUN_FILE, json.dumps(identity, indent=2) + "\n")


def record_protocol(config, corpus: PairCorpus, benchmarks, gold=None) -> dict:
    """What a quality claim about this run must say, added to ``run.json``: how many of each
    evaluated task's (and gold set's) pairs the training corpus holds, and whether any gold
    score was read."""
    gold = gold or {}
    read = "none"
    if config.select_on == "stsb-dev":
        read = "STS-B dev scores, to select the round"
    elif config.select_on != "last":
        names = [n for n, s in gold.items() if s.spec == config.select_on]
        read = f"gold set {', '.join(names)} ({config.select_on}), to select the round"
    evaluated = {**(benchmarks or {}), **{name: s.corpus() for name, s in gold.items()}}
    protocol = {
        "gold_scores_read": read,
        "overlap": overlap_by_task(corpus, evaluated) if evaluated else {},
    }
    run_file = config.out / RUN_FILE
    identity = json.loads(run_file.read_text())
    if {k: identity.get(k) for k in protocol} != protocol:
        write_text_atomic(run_file, json.dumps({**identity, **protocol}, indent=2) + "\n")
    return protocol


def remove_leftovers(out: Path) -> None:
    """Deletes half-written files and folders a killed run left under temporary names."""
    for leftover in sorted(out.rglob(".*.tmp"), reverse=True):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def publish_final(out: Path, selected: int, n: int) -> tuple[list[Path], list[Path]]:
    """Copies the selected round's models to ``final/`` (atomically, only when they differ);
    a cascade's late-interaction models too."""
    finals: dict[str, list[Path]] = {"bi": [], "cross": [], "late": []}
    for kind in finals:
        for k in range(n):
            name = model_dir_name(kind, k, n)
            source, target = out / round_dir(selected) / name, out / FINAL_DIR / name
            if kind == "late" and not source.is_dir():
                continue
            if not (target.is_dir() and checksum(target) == checksum(source)):
                with atomic_dir(target) as tmp:
                    shutil.copytree(source, tmp, dirs_exist_ok=True)
            finals[kind].append(target)
    return finals["bi"], finals["cross"]


def model_identity(model: str) -> str:
    return (
        model if model == DEFAULT_MODEL or not Path(model).exists() else str(Path(model).resolve())
    )
