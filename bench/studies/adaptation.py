"""Study: adapting all-MiniLM-L6-v2 to domains outside STS, against sentence-transformers' own
unsupervised methods, from the same start, in one invocation.

Domains (``../shared/data/domains``; their README says where each comes from):

- ``mqp``: medical patient questions, binary. Split by source question (a seeded hash of the
  first sentence): adapt on one half's unlabeled pairs, evaluate on the other half's gold.
- ``ukp``: argument sentences on 28 technology topics, binary (``gold.tsv``) and graded
  (``gold_graded.tsv``). Split by topic (a seeded hash of the topic).
- ``parade``: computer-science definitions, graded 0-3: adapt on a seeded 2,500 of the 7,550
  unlabeled train pairs (``PARADE_PAIRS``, for CPU time), evaluate on the test split (no pair
  shared).
- ``clinc150``: virtual-assistant queries (the larger domain: 23,695 distinct queries), built
  under ``--built-dir`` by ``python -m bench.domains.clinc150`` (source, licence and the derived
  gold: its docstring). Adapt on a seeded 2,500 (``CLINC_PAIRS``) of the pairs the start model
  mines from the 15,000 train queries (a user's retrieval candidates; no intent read), evaluate
  on 4,490 pairs of test queries, binary (same intent).

Rows, each from all-MiniLM-L6-v2 unless it says otherwise; no row reads a gold label in training:

- ``zero-shot``: the model as it is; ``mpnet``: all-mpnet-base-v2 as it is;
- ``simcse``: unsupervised SimCSE (MultipleNegativesRankingLoss on (s, s)) on the adapt side's
  sentences, 1 epoch, batch 64, lr 3e-5 (transenc's contrastive stage);
- ``tsdae``: TSDAE (DenoisingAutoEncoderLoss, 60% of words deleted, tied decoder) on the same
  sentences, 1 epoch, batch 8, lr 3e-5 (its documented settings);
- ``transenc``: ``bootstrap --recipe adapt-first --no-contrastive`` on the adapt side's pairs
  (``bench/recipes/adapt-first.toml``: ``adapt`` as first shipped);
  ``transenc-mpnet``: the same with ``--teacher mpnet``; ``transenc-contrastive``: the same
  with the SimCSE stage first (the ``simcse`` row's training, then the loop); ``transenc-mined``:
  ``bootstrap --sentences --recipe adapt`` on the adapt side's sentences (pairs mined by MiniLM,
  3 neighbours and 1 random partner each), the README's "your data" path with the shipped
  recipe. Experiments of issue 24, each a recipe in
  ``bench/recipes`` with the SimCSE stage first: ``transenc-cross-floor``
  (``adapt-cross-floor``: the cross-encoder trains at least 500 steps) and
  ``transenc-keep-best`` (``adapt-keep-best``: larger budgets, each training stage keeping the
  weights with the best held-back fidelity, no gold read; ``transenc-keep-best-mpnet``: the
  same with ``--teacher mpnet``) and ``transenc-capped``
  (``adapt-capped``: ``adapt-keep-best`` whose step floors stop at 20 and 7 passes over the
  pairs, without checks under 50 held-back pairs); ``transenc-augmented``: ``adapt-capped`` with
  ``bootstrap --augment``: the adapt side's pairs plus pairs mined from their sentences (3
  neighbours and 1 random partner each, by MiniLM: more distinct pairs, the same sentences);
  ``transenc-augmented-even``: the same with at most as many mined pairs as given ones
  (``--max-pairs`` set to the adapt side's pair count: a seeded subset of the mined pairs, so
  that the user's own pairs are never outnumbered);
  ``transenc-mutual``: two models, all-MiniLM-L6-v2 and all-mpnet-base-v2, trained together
  (``--model default --model mpnet``: mutual distillation) with ``adapt-mutual-probe``
  (``adapt-capped`` with step floors of 250 and 150, to fit MPNet on a CPU); MPNet's
  models are scored as ``bi-mpnet`` and ``cross-mpnet``.
- ``transenc-adapt``: ``bootstrap --recipe adapt`` on the adapt side's pairs, the recipe exactly
  as shipped (since issue 40 the settings of ``adapt-anchored``);
  ``transenc-no-simcse`` (``adapt-no-simcse``): no SimCSE stage at all (recorded first as
  ``transenc-adapt``, while that was the shipped recipe; the records say so in their note);
  ``transenc-anchored`` (``adapt-anchored``): the SimCSE stage shapes the labels only, beside the
  start model's, and the bi-encoder trains from the start model; ``transenc-pool``
  (``adapt-pool4``): the cross-encoder trains on 4x the pairs, mined from the corpus's sentences;
  ``transenc-no-cross-targets`` (``adapt-no-cross-targets``): ``adapt-anchored`` whose
  bi-encoder learns the round's bi labels only (the start's and the SimCSE model's cosines), not
  the cross-encoder's; ``transenc-cross-start``: the same recipe with the cross-encoder starting
  from ``--cross-start`` (a cross-encoder trained elsewhere, such as
  ``bench.experiments.other_domain_cross``'s on STS-B and SICK gold: labels from another domain,
  none from this one, or ``bench.experiments.start_distilled_cross``'s: the start model's
  cosines on other domains' sentences), recorded under ``cross_start``;
  ``transenc-cross-start-pool``: ``transenc-pool-listnet`` with that warm start;
  ``transenc-unchecked-short``
  (``adapt-unchecked-short``): ``adapt-no-cross-targets`` with the bi-encoder's step floor capped
  at 2 passes (for corpora too small for held-back checks); ``transenc-vouched``
  (``adapt-vouched``, the shipped ``adapt`` since): ``adapt-anchored`` whose cross-encoder's
  labels join the bi-encoder's targets only where its stage checked it on held-back pairs;
  ``transenc-pool-bce`` and ``transenc-pool-listnet`` (``adapt-pool-bce``, ``adapt-pool-listnet``):
  ``adapt-no-cross-targets`` with the cross-encoder on a 4x pair pool, trained with ``bce`` or
  with the ranking objective ``listnet``; ``transenc-pool-listnet-last``
  (``adapt-pool-listnet-last``): the latter keeping its cross-encoder's last weights, not
  stopping on the pool's held-back checks; ``transenc-bi-pool`` (``adapt-bi-pool``): the shipped
  recipe whose bi-encoder, on a corpus too small to check its stage, trains on a 4x pool of
  mined pairs (``[bi] unchecked_pair_pool``); ``transenc-pool16-listnet``
  (``adapt-pool16-listnet``): ``transenc-pool-listnet`` on a 16x pool, the curve's last CPU point;
  ``transenc-pool-lambdaloss`` (``adapt-pool-lambdaloss``): ``transenc-pool-listnet`` with the
  ranking objective ``lambdaloss`` in place of ``listnet``.

``--reuse-stages ROW`` starts each new run from a copy of ``ROW``'s run of the same domain and
seed: the stages whose settings and inputs are unchanged are skipped by bootstrap's resume (a
paired comparison that retrains only what the new row changes; the record names ``ROW`` under
``reused_stages_of``, and its ``train_seconds`` still count the reused stages, as the recipe
costs them).

STS sources as domains (``--sts-genres``; inductive): each source of STS12-16 (MSRvid,
headlines, answers-forums, ...) split into halves by a seeded hash of the pair; adapt on one
half's unlabeled pairs (or, with ``transenc-mined``, its sentences), evaluate on the other half's
gold. A sentence may sit in both halves (a pair is held out, not its sentences). Recorded as
``sts_genres``, one domain per source (``sts12-MSRvid``, ...).

Each finished row appends a record; rerunning skips recorded (domain, row, seed) and resumes
an interrupted bootstrap. ``--rebuild`` runs recorded rows again and records nothing: it makes
the run folders that the analysis studies read (``bi_drift``, ``bi_pool``, ``combinations``)
where ``--out`` lost them, e.g. on a fresh checkout. ``python -m bench.report`` tabulates the
records in BENCHMARKS.md.

    python -m bench.studies.adaptation --seeds 1 2 3 --out runs/adapt \\
        --domains-dir ../shared/data/domains
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import time
from pathlib import Path

import pandas as pd

from bench.common import RESULTS_DIR, record

# rows of issues 40 and 41 that run their recipe's own SimCSE setting: row -> bench recipe
# (bench/recipes/adapt-NAME.toml)
OWN_SIMCSE_RECIPES = {
    "transenc-anchored": "anchored",
    "transenc-pool": "pool4",
    "transenc-no-simcse": "no-simcse",
    "transenc-no-cross-targets": "no-cross-targets",
    "transenc-cross-start": "no-cross-targets",
    "transenc-cross-start-pool": "pool-listnet",
    "transenc-unchecked-short": "unchecked-short",
    "transenc-vouched": "vouched",
    "transenc-pool-bce": "pool-bce",
    "transenc-pool-listnet": "pool-listnet",
    "transenc-pool-listnet-last": "pool-listnet-last",
    "transenc-bi-pool": "bi-pool",
    "transenc-pool16-listnet": "pool16-listnet",
    "transenc-pool-lambdaloss": "pool-lambdaloss",
}
DOMAINS = ("mqp", "ukp", "parade", "clinc150")
ROWS = (
    "zero-shot",
    "mpnet",
    "transenc",
    "simcse",
    "tsdae",
    "transenc-mpnet",
    "transenc-contrastive",
    "transenc-mined",
    "transenc-cross-floor",
    "transenc-keep-best",
    "transenc-keep-best-mpnet",
    "transenc-capped",
    "transenc-augmented",
    "transenc-augmented-even",
    "transenc-mutual",
    "transenc-adapt",
    *OWN_SIMCSE_RECIPES,
)
# the recipe the rows without one of their own ran with: `adapt` as first shipped
RECIPE = str(Path(__file__).parents[1] / "recipes" / "adapt-first.toml")
# rows that run another recipe than RECIPE (experiments of issue 24, kept under bench/recipes)
ROW_RECIPES = {
    **{
        row: str(Path(__file__).parents[1] / "recipes" / f"adapt-{recipe}.toml")
        for row, recipe in (
            ("transenc-cross-floor", "cross-floor"),
            ("transenc-keep-best", "keep-best"),
            ("transenc-keep-best-mpnet", "keep-best"),
            ("transenc-capped", "capped"),
            ("transenc-augmented", "capped"),
            ("transenc-augmented-even", "capped"),
            ("transenc-mutual", "mutual-probe"),
            *OWN_SIMCSE_RECIPES.items(),
        )
    },
    # the README's "your data" path: sentences in, the shipped recipe as a user runs it
    "transenc-mined": "adapt",
    # the shipped recipe on the given pairs, exactly as shipped (its own SimCSE setting)
    "transenc-adapt": "adapt",
}
# rows that run their recipe's own SimCSE setting rather than the row's
AS_SHIPPED_ROWS = ("transenc-adapt", *OWN_SIMCSE_RECIPES)
# rows whose loop starts with the SimCSE stage
CONTRASTIVE_ROWS = (
    "transenc-contrastive",
    *(row for row in ROW_RECIPES if row not in AS_SHIPPED_ROWS),
)
# rows that train on the given pairs and pairs mined from their sentences (bootstrap --augment)
AUGMENTED_ROWS = ("transenc-augmented", "transenc-augmented-even")
# rows with all-mpnet-base-v2 as a frozen teacher (bootstrap --teacher mpnet)
TEACHER_ROWS = ("transenc-mpnet", "transenc-keep-best-mpnet")
# rows whose cross-encoder starts from --cross-start
CROSS_START_ROWS = ("transenc-cross-start", "transenc-cross-start-pool")
# PARADE's adapt side: a seeded subset of its 7,550 train pairs (0: all), to fit a 2-core CPU
PARADE_PAIRS = 2500
# CLINC150's adapt side: pairs mined from its 15,000 train queries by the start model (3
# neighbours and 1 random partner each, as `mine-pairs`), a seeded subset of this many
CLINC_PAIRS = 2500


def _half(key: str, seed: int = 0) -> int:
    return hashlib.sha256(f"{seed}:{key}".encode()).digest()[0] % 2


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", quoting=3, keep_default_na=False)


def mined_pairs(sentences: Path, out: Path, count: int) -> pd.DataFrame:
    """The start model's mined pairs of ``sentences`` (a seeded ``count`` of them), mined once
    into ``out`` (a name that carries ``count``) and read back after: the same pairs for every
    row and seed."""
    if not out.is_file():
        from transenc.stages import mine

        mine.run(
            mine.MineConfig(
                sentences=sentences,
                models=["default"],
                output=out,
                neighbours=3,
                random=1,
                max_pairs=count,
                seed=0,
                precision="fp32",  # the same neighbours whatever the CPU
            )
        )
    return _read(out)


def prepare(domain: str, root: Path, out: Path, built: Path = Path("runs/data")) -> dict:
    """Writes the domain's adapt pairs, adapt sentences and eval gold file(s) under ``out``
    (``root``: the shared domains; ``built``: those built by ``bench.domains``)."""
    out.mkdir(parents=True, exist_ok=True)
    if domain == "clinc150":
        source = built / "clinc150"
        if not (source / "gold.tsv").is_file():
            raise SystemExit(
                f"{source}/gold.tsv: not built; run python -m bench.domains.clinc150 --out {source}"
            )
        adapt = mined_pairs(
            source / "sentences_train.txt", out / f"mined_pairs.{CLINC_PAIRS}.tsv", CLINC_PAIRS
        )
        golds = {"clinc150": _read(source / "gold.tsv")}
        split = "train queries (pairs mined by the start model) -> test queries' derived gold"
    elif domain == "parade":
        adapt = _read(root / "parade" / "gold_train.tsv")
        if PARADE_PAIRS and len(adapt) > PARADE_PAIRS:  # CPU time: a seeded subset
            adapt = adapt.sample(PARADE_PAIRS, random_state=0).sort_index()
        golds = {"parade": _read(root / "parade" / "gold.tsv")}
        split = "train split -> test split"
    elif domain == "mqp":
        frame = _read(root / "mqp" / "gold.tsv")
        side = frame.sentence1.map(_half)
        adapt, golds = frame[side == 0], {"mqp": frame[side == 1]}
        split = "source-question halves (seeded hash of the first sentence)"
    else:
        raw = _read(root / "ukp_aspect" / "raw" / "UKP_ASPECT.tsv")
        topic = {
            (a.strip(), b.strip()): t
            for t, a, b in zip(raw.topic, raw.sentence_1, raw.sentence_2, strict=True)
        }
        golds = {}
        for name, file in (("ukp", "gold.tsv"), ("ukp-graded", "gold_graded.tsv")):
            frame = _read(root / "ukp_aspect" / file)
            keys = [
                topic.get((a, b), topic.get((b, a), a))
                for a, b in zip(frame.sentence1, frame.sentence2, strict=True)
            ]
            side = pd.Series([_half(k) for k in keys], index=frame.index)
            golds[name] = frame[side == 1]
            if name == "ukp":
                adapt = frame[side == 0]
        split = "topic halves (seeded hash of the topic)"
    adapt[["sentence1", "sentence2"]].to_csv(out / "adapt_pairs.tsv", sep="\t", index=False)
    sentences = list(dict.fromkeys([*adapt.sentence1, *adapt.sentence2]))
    (out / "adapt_sentences.txt").write_text("\n".join(sentences) + "\n")
    gold_files = {}
    for name, frame in golds.items():
        path = out / f"gold_{name}.tsv"
        frame.to_csv(path, sep="\t", index=False)
        gold_files[name] = str(path)
    return {
        "pairs": str(out / "adapt_pairs.tsv"),
        "sentences": str(out / "adapt_sentences.txt"),
        "gold": gold_files,
        "adapt_pairs": len(adapt),
        "adapt_sentences": len(sentences),
        "split": split,
    }


def sts_genre_domains(sts_dir: Path, tasks=("sts12", "sts13", "sts14", "sts15", "sts16")):
    """{domain name: its scored pairs} for every STS12-16 source (``sts14-tweet-news``)."""
    from transenc.data import load_sts_sources

    return {
        f"{task}-{source}": corpus
        for task in tasks
        for source, corpus in load_sts_sources(sts_dir, task).items()
    }


def prepare_genre(name: str, corpus, out: Path) -> dict:
    """A source's halves by a seeded hash of the pair: the adapt side's pairs and sentences,
    the other side's gold, written under ``out`` as :func:`prepare` writes a domain."""
    out.mkdir(parents=True, exist_ok=True)
    frame = corpus.to_frame()
    side = [_half(f"{a}\t{b}") for a, b in zip(frame.sentence1, frame.sentence2, strict=True)]
    side = pd.Series(side, index=frame.index)
    adapt, gold = frame[side == 0], frame[side == 1]
    adapt[["sentence1", "sentence2"]].to_csv(out / "adapt_pairs.tsv", sep="\t", index=False)
    sentences = list(dict.fromkeys([*adapt.sentence1, *adapt.sentence2]))
    (out / "adapt_sentences.txt").write_text("\n".join(sentences) + "\n")
    path = out / f"gold_{name}.tsv"
    gold.to_csv(path, sep="\t", index=False)
    return {
        "pairs": str(out / "adapt_pairs.tsv"),
        "sentences": str(out / "adapt_sentences.txt"),
        "gold": {name: str(path)},
        "adapt_pairs": len(adapt),
        "adapt_sentences": len(sentences),
        "split": "pair halves (seeded hash of the pair)",
        "benchmark": "sts_genres",
        "group": "sts-genres",  # its runs' folder under --out
    }


def evaluate(model: str, gold: dict[str, str]) -> dict:
    from transenc import gold_eval

    result = gold_eval.run(gold_eval.GoldEvalConfig(model=model, gold=list(gold.values())))
    return {name: result.metrics[Path(path).stem] for name, path in gold.items()}


def train_simcse(sentences: str, output: Path, seed: int) -> str:
    from transenc.stages import contrastive
    from transenc.train_settings import contrastive_defaults

    output.parent.mkdir(parents=True, exist_ok=True)
    corpus = output.parent / "sentence_pairs.tsv"  # the contrastive stage reads a pair corpus
    lines = Path(sentences).read_text().splitlines()
    pd.DataFrame({"sentence1": lines, "sentence2": lines}).to_csv(corpus, sep="\t", index=False)
    settings = contrastive_defaults()
    settings.precision = "auto"
    contrastive.run(
        contrastive.ContrastiveConfig(
            model="default", pairs=str(corpus), output=output, settings=settings, seed=seed
        )
    )
    return str(output)


def train_tsdae(sentences: str, output: Path, seed: int) -> str:
    from sentence_transformers.sentence_transformer.losses import DenoisingAutoEncoderLoss

    from transenc.models import load_bi_encoder, resolve_model
    from transenc.train_settings import TrainSettings
    from transenc.training import fit, save_model, seed_everything

    lines = Path(sentences).read_text().splitlines()
    rng = random.Random(seed)

    def damaged(text: str) -> str:  # TSDAE's noise: 60% of the words deleted
        words = text.split()
        kept = [w for w in words if rng.random() > 0.6]
        return " ".join(kept or [rng.choice(words)])

    seed_everything(seed)
    model = load_bi_encoder(resolve_model("default"))
    loss = DenoisingAutoEncoderLoss(model, tie_encoder_decoder=True)
    settings = TrainSettings(
        epochs=1,
        batch_size=8,
        learning_rate=3e-5,
        warmup_ratio=0.0,
        max_length=128,
        precision="auto",
    )
    fit(
        model,
        {"damaged": [damaged(s) for s in lines], "original": lines},
        loss,
        settings,
        seed,
        False,
    )
    save_model(model, output, "# TSDAE baseline (bench.studies.adaptation)\n")
    return str(output)


def row_config(data: dict, folder: Path, seed: int, row: str, cross_start: str | None = None):
    """The bootstrap a transenc row runs (a ``BootstrapConfig``), from the prepared domain."""
    from transenc import bootstrap
    from transenc.recipe import load_recipe

    mined = row == "transenc-mined"
    return bootstrap.BootstrapConfig(
        pairs="" if mined else data["pairs"],
        sentences=data["sentences"] if mined else None,
        # bootstrap --augment: the adapt side's pairs and, beside them, pairs mined from their
        # sentences (3 neighbours and 1 random partner each, by the start model)
        augment=row in AUGMENTED_ROWS,
        # transenc-augmented-even: no more mined pairs than given ones
        mine_max_pairs=data["adapt_pairs"] if row == "transenc-augmented-even" else 0,
        out=folder,
        models=["default", "mpnet"] if row == "transenc-mutual" else ["default"],
        teachers=["mpnet"] if row in TEACHER_ROWS else [],
        # the rows say whether the SimCSE stage runs, whatever the recipe's default, except
        # those that run the recipe as shipped
        recipe=load_recipe(ROW_RECIPES.get(row, RECIPE)).with_overrides(
            seed=seed,
            contrastive=None if row in AS_SHIPPED_ROWS else row in CONTRASTIVE_ROWS,
            cross_start=cross_start if row in CROSS_START_ROWS else None,
        ),
    )


def train_transenc(
    data: dict, folder: Path, seed: int, row: str, cross_start: str | None = None
) -> tuple[dict, dict]:
    """Runs the row's bootstrap; returns its final models and what the run says about itself
    (label-free fidelity, wall time of its stages including any run it resumed)."""
    from transenc import bootstrap

    config = row_config(data, folder, seed, row, cross_start)
    result = bootstrap.run(config, say=print)
    models = {"bi": str(result.final_bi[0]), "cross": str(result.final_cross[0])}
    if len(result.final_bi) > 1:  # transenc-mutual: MPNet's models beside MiniLM's
        models.update(
            {"bi-mpnet": str(result.final_bi[1]), "cross-mpnet": str(result.final_cross[1])}
        )
    about = {
        "recipe": config.recipe.name,
        "recipe_fingerprint": config.recipe.fingerprint(),
        "fidelity": result.fidelity,
        "stage_seconds": round(sum(result.stage_seconds.values()), 1),
        # what the run said to deploy (label-free), for the deploy rule's judging
        "deploy": [choice.line() for choice in result.deploy],
    }
    if config.recipe.cross_start != "bi":
        about["cross_start"] = config.recipe.cross_start
    if config.teachers:
        about["teachers"] = list(config.teachers)
    if config.augment:
        about["trained_pairs"] = len(_read(folder / "pairs.tsv"))
    return models, about


def done(domain: str, row: str, seed: int, benchmark: str = "adaptation") -> bool:
    path = RESULTS_DIR / f"{benchmark}.jsonl"
    if not path.is_file():
        return False
    for line in path.read_text().splitlines():
        figures = json.loads(line)["figures"]
        if (figures["domain"], figures["row"], figures["seed"]) == (domain, row, seed):
            return True
    return False


UNTRAINED_ROWS = ("zero-shot", "mpnet")


def benchmark_of(data: dict, record_as: str | None) -> str:
    """Where a prepared domain's rows are recorded: an STS source's own benchmark, else
    ``--record-as`` or ``adaptation``."""
    return data.get("benchmark", record_as or "adaptation")


def planned(
    seeds: list[int],
    rows: list[str],
    prepared: dict,
    record_as: str | None = None,
    rebuild: bool = False,
):
    """(domain, row, seed) still to run, row by row over the domains (every domain gets the first
    rows before any gets the last). An untrained row runs once, as seed 1, whichever seeds were
    asked for: an invocation for seed 2 alone must not score the start model again. ``rebuild``
    plans recorded rows too."""
    for seed in seeds:
        for row in rows:
            for domain, data in prepared.items():
                benchmark = benchmark_of(data, record_as)
                row_seed = 1 if row in UNTRAINED_ROWS else seed
                if row in UNTRAINED_ROWS and seed != seeds[0]:
                    continue
                if not rebuild and done(domain, row, row_seed, benchmark):
                    print(f"[skip] {domain} {row} seed {row_seed}: recorded")
                    continue
                yield domain, row, row_seed


def reuse_stages(
    source: Path, folder: Path, data: dict, row: str, seed: int, cross_start: str | None
) -> bool:
    """Seeds a new run's ``folder`` with a copy of ``source`` (another row's run of the same
    domain and seed), its ``run.json`` naming the new row's recipe, so that bootstrap's resume
    skips every stage whose settings and inputs the new recipe leaves as they were."""
    if folder.exists() or not (source / "run.json").is_file():
        return False
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.checkpoints"))
    run_file = folder / "run.json"
    about = json.loads(run_file.read_text())
    recipe = row_config(data, folder, seed, row, cross_start).recipe
    about["recipe_sha256"] = recipe.fingerprint()
    run_file.write_text(json.dumps(about, indent=2) + "\n")
    return True


def run_row(
    domain: str,
    row: str,
    seed: int,
    data: dict,
    out: Path,
    reuse: str | None = None,
    cross_start: str | None = None,
) -> dict:
    folder = out / domain / f"{row}-seed{seed}"
    started = time.time()
    if reuse and row not in UNTRAINED_ROWS and row not in ("simcse", "tsdae"):
        source = out / domain / f"{reuse}-seed{seed}"
        reused = reuse_stages(source, folder, data, row, seed, cross_start)
        reuse = reuse if reused or (folder / "run.json").is_file() else None
    models: dict[str, str] = {}
    about: dict = {}
    if row == "zero-shot":
        models = {"bi": "default"}
    elif row == "mpnet":
        models = {"bi": "mpnet"}
    elif row == "simcse":
        models = {"bi": train_simcse(data["sentences"], folder / "bi", seed)}
    elif row == "tsdae":
        models = {"bi": train_tsdae(data["sentences"], folder / "bi", seed)}
    else:
        models, about = train_transenc(data, folder, seed, row, cross_start)
    # a resumed bootstrap's own stage times count the invocation that ran them
    trained = about.pop("stage_seconds", None) or time.time() - started
    scores = {kind: evaluate(path, data["gold"]) for kind, path in models.items()}
    return {
        "domain": domain,
        "row": row,
        "seed": seed,
        "trained_on": "none"
        if row in UNTRAINED_ROWS
        else (
            "the adapt side's sentences"
            if row in ("simcse", "tsdae", "transenc-mined")
            else "the adapt side's unlabeled pairs"
            + (" and pairs mined from its sentences" if row in AUGMENTED_ROWS else "")
            + (" (no more than the given pairs)" if row == "transenc-augmented-even" else "")
        ),
        "evaluated": f"the other side's gold ({data['split']})",
        "gold_read_in_training": "none",
        "adapt_pairs": data["adapt_pairs"],
        "adapt_sentences": data["adapt_sentences"],
        "train_seconds": round(trained, 1),
        "scores": scores,
        **about,
        **({"reused_stages_of": reuse} if reuse else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", nargs="*", default=list(DOMAINS), choices=DOMAINS)
    parser.add_argument(
        "--sts-genres",
        nargs="*",
        metavar="SOURCE",
        help="also adapt on STS12-16 sources as domains (all of them, or those named: "
        "sts12-MSRvid ...)",
    )
    parser.add_argument("--sts-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=ROWS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--domains-dir", type=Path, default=Path("../shared/data/domains"))
    parser.add_argument(
        "--built-dir",
        type=Path,
        default=Path("runs/data"),
        help="the domains built by bench.domains (clinc150: python -m bench.domains.clinc150)",
    )
    parser.add_argument("--out", type=Path, default=Path("runs/adapt"))
    parser.add_argument(
        "--record-as",
        help="record the domains' rows under this benchmark instead of adaptation (a GPU "
        "machine's seeds apart from the CPU's: adaptation_gpu)",
    )
    parser.add_argument(
        "--reuse-stages",
        metavar="ROW",
        choices=ROWS,
        help="start each new run from a copy of ROW's run of the same domain and seed, so "
        "that only the stages the new row changes train",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="run recorded rows again into --out and record nothing (the run folders that "
        "the analysis studies read)",
    )
    parser.add_argument(
        "--cross-start",
        help="rows transenc-cross-start and transenc-cross-start-pool: the cross-encoder (folder "
        "or hub id) their runs start from",
    )
    args = parser.parse_args()
    if set(CROSS_START_ROWS) & set(args.rows) and not args.cross_start:
        parser.error(f"rows {' and '.join(CROSS_START_ROWS)} need --cross-start")
    prepared = {d: prepare(d, args.domains_dir, args.out / d, args.built_dir) for d in args.domains}
    if args.sts_genres is not None:
        genres = sts_genre_domains(args.sts_dir)
        unknown = sorted(set(args.sts_genres) - set(genres))
        if unknown:
            parser.error(f"unknown STS source(s) {', '.join(unknown)}; known: {', '.join(genres)}")
        for name in args.sts_genres or genres:
            prepared[name] = prepare_genre(name, genres[name], args.out / "sts-genres" / name)
    plan = planned(args.seeds, args.rows, prepared, args.record_as, args.rebuild)
    for domain, row, seed in plan:
        data = prepared[domain]
        benchmark = benchmark_of(data, args.record_as)
        figures = run_row(
            domain,
            row,
            seed,
            data,
            args.out / data.get("group", ""),
            args.reuse_stages,
            args.cross_start,
        )
        if not args.rebuild:
            record(benchmark, figures)
        print(json.dumps(figures["scores"]))


if __name__ == "__main__":
    main()
