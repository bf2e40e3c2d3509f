"""A bootstrap run's configuration and result, and the checks made before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from transenc.atomic import check_writable
from transenc.checkpoints import DEFAULT_CHECKPOINT_MINUTES
from transenc.data.corpus import PairCorpus
from transenc.data.readers import DEFAULT_CHUNK_PAIRS, resolve_corpus
from transenc.data.sts import STS_TASKS, default_data_dir, load_sts_task
from transenc.embedding_cache import DEFAULT_CACHE_SENTENCES
from transenc.errors import TransencError
from transenc.models import DEFAULT_MODEL, detect_kind, load_model, resolve_model
from transenc.pipeline import registry
from transenc.pipeline.names import MINED_DIR, MINED_PAIRS
from transenc.pipeline.registry import parse_stage_ref
from transenc.recipe import Recipe
from transenc.stages.mine import DEFAULT_NEIGHBOURS, DEFAULT_RANDOM

SELECTION_RULES = ("last", "stsb-dev")


@dataclass
class BootstrapConfig:
    """A bootstrap run.

    Attributes:
        pairs: a corpus spec (file, STS data dir, ``pool``, ``stsb:train``, ...).
        out: the run directory.
        models: starting model(s); two or more run mutual distillation.
        teachers: frozen models (bi or cross) whose labels join every round's labelling step
            of their kind; never trained.
        recipe: hyper-parameters (see :class:`~transenc.recipe.Recipe`).
        eval_data: an STS data dir to evaluate on after every round (``sts``: the one
            :mod:`transenc.locations` finds), or ``None``.
        data_dir: the STS data dir that named corpora (``stsb:train``, ``pool``) come from.
        select_on: ``last`` (default: no gold label is read), ``stsb-dev``, or one of
            ``eval_gold`` (a gold file, added to ``eval_gold`` if missing): the round whose
            bi-encoders score best on it (recorded as reading gold).
        sentences: plain sentences to mine the pairs from (instead of ``pairs``): the run's
            first stage, ``mine`` (:mod:`transenc.stages.mine`), writes ``mined/pairs.tsv``.
        augment: with ``pairs``, the first stage also mines pairs from their own sentences and
            the run trains on both (``mined/pairs.tsv``): more distinct pairs from the same
            text; ``None``: the recipe's ``augment`` (moot with ``sentences``, where every pair
            is mined). ``given_pairs`` keeps the corpus spec it was given.
        sentence_column, neighbours, random_partners, mine_max_pairs: how they are read and
            paired (each sentence with its nearest neighbours and random partners).
        eval_gold: the user's gold sets (files, ``NAME=FILE``, STS task names), evaluated at
            the start and after every round beside (or instead of) ``eval_data``.
        force: accept a changed corpus, model list or recipe under an existing run directory.
        force_from: redo this stage and all after it (``train-cross`` = round 1's,
            ``round-2/train-bi``, ``contrastive``, ...).
        eval_tasks: the tasks evaluated with ``eval_data``.
        label_chunk_pairs, cache_sentences: how labelling splits its work (pairs per chunk,
            bi-encoder embeddings kept across chunks); they bound memory, not the result.
        checkpoint_minutes: how often a training stage saves a checkpoint that a rerun resumes
            from after an interrupt (0: never; a cut-off stage then starts again).
    """

    pairs: str
    out: Path
    models: list[str] = field(default_factory=lambda: [DEFAULT_MODEL])
    teachers: list[str] = field(default_factory=list)
    recipe: Recipe = field(default_factory=Recipe)
    eval_data: Path | None = None
    data_dir: Path | None = None
    select_on: str = "last"
    eval_gold: list[str] = field(default_factory=list)
    sentences: str | None = None
    augment: bool | None = None
    sentence_column: str | None = None
    neighbours: int = DEFAULT_NEIGHBOURS
    random_partners: int = DEFAULT_RANDOM
    mine_max_pairs: int = 0
    force: bool = False
    force_from: str | None = None
    eval_tasks: tuple[str, ...] = STS_TASKS
    show_progress: bool = False
    corpus_options: dict = field(default_factory=dict)
    label_chunk_pairs: int = DEFAULT_CHUNK_PAIRS
    cache_sentences: int = DEFAULT_CACHE_SENTENCES
    checkpoint_minutes: float = DEFAULT_CHECKPOINT_MINUTES

    def __post_init__(self) -> None:
        registry.check_recipe(self.recipe)
        self.out = Path(self.out)
        if self.out.exists() and not self.out.is_dir():
            raise TransencError(f"{self.out}: is a file, not a run directory")
        self.given_pairs = None
        if self.augment is None:
            self.augment = self.recipe.augment and self.sentences is None
        if self.augment:
            if self.sentences is not None or not self.pairs:
                raise TransencError(
                    "--augment mines more pairs from the sentences of --pairs; give --pairs "
                    "(with --sentences every pair is mined already)"
                )
            self.given_pairs, self.pairs = self.pairs, str(self.out / MINED_DIR / MINED_PAIRS)
        elif self.sentences is not None:
            if self.pairs:
                raise TransencError("give --pairs or --sentences, not both")
            if not Path(self.sentences).is_file():
                raise TransencError(f"{self.sentences}: sentence file not found")
            self.pairs = str(self.out / MINED_DIR / MINED_PAIRS)
        elif not self.pairs:
            raise TransencError("give --pairs (a pair corpus) or --sentences (to mine pairs from)")
        check_writable(self.out, "run directory")
        if not self.models:
            raise TransencError("give at least one --model")
        self.eval_gold = list(self.eval_gold)
        if self.select_on not in SELECTION_RULES and self.select_on not in self.eval_gold:
            name = self.select_on.partition("=")[2] or self.select_on
            if not Path(name).is_file() and name.lower() not in (*STS_TASKS, "sts"):
                raise TransencError(
                    f"--select-on {self.select_on!r}: not {', '.join(SELECTION_RULES)}, a gold "
                    "file, nor one of --eval-gold"
                )
            self.eval_gold.append(self.select_on)
        if self.select_on == "stsb-dev" and self.eval_data is None and self.data_dir is None:
            raise TransencError("--select-on stsb-dev needs --eval-data or --data-dir")
        if self.eval_data is not None and str(self.eval_data) == "sts":
            if not Path("sts").is_dir():  # the word, not a folder named so: the located data
                self.eval_data = default_data_dir()
        if self.eval_data is not None and not Path(self.eval_data).is_dir():
            raise TransencError(f"{self.eval_data}: --eval-data must be an STS data directory")
        if self.force_from is not None:
            parse_stage_ref(self.force_from, self.recipe.rounds)
        for model in self.models:
            if detect_kind(model) != "bi":
                raise TransencError(
                    f"{model}: bootstrap starts from bi-encoders, this is a cross-encoder"
                )
        self.teacher_kinds = [detect_kind(t) for t in self.teachers]
        self._check_label_weights()

    @property
    def mines(self) -> bool:
        """Whether the run's first stage mines (some of) its pairs."""
        return bool(self.sentences) or self.augment

    @cached_property
    def given_corpus(self) -> PairCorpus:
        """``--augment``'s given pairs, read once."""
        return resolve_corpus(self.given_pairs, self.data_dir, **self.corpus_options)

    def _check_label_weights(self) -> None:
        weights = self.recipe.label_weights
        if not isinstance(weights, list):
            return
        for kind in ("bi", "cross"):
            sources = len(self.models) + self.teacher_kinds.count(kind)
            if sources > 1 and sources != len(weights):
                raise TransencError(
                    f"recipe label_weights has {len(weights)} weights, but the {kind} "
                    f"labels have {sources} sources (models, then {kind} teachers)"
                )


@dataclass
class BootstrapResult:
    run_dir: Path
    final_bi: list[Path]
    final_cross: list[Path]
    selected_round: int
    table: dict[str, dict[str, float]]
    report: Path
    stages_run: list[str]
    stages_skipped: list[str]
    corpus: str = ""
    protocol: dict = field(default_factory=dict)
    fidelity: dict[str, dict[str, float]] = field(default_factory=dict)
    # wall time of every stage, from this invocation or the one that ran it before a resume
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # what to deploy, per trained model (transenc.pipeline.deploy), from label-free signals
    deploy: list = field(default_factory=list)


def check_models_load(config: BootstrapConfig) -> list[str]:
    """Every model and teacher loads (a damaged folder is refused now, not after the run
    directory is written); returns the teachers' resolved locations."""
    for model in config.models:
        load_model(resolve_model(model), "bi")
    teachers = [resolve_model(t) for t in config.teachers]
    for teacher, kind in zip(teachers, config.teacher_kinds, strict=True):
        load_model(teacher, kind)
    if config.recipe.cross_start != "bi":  # a warm start for the cross-encoder
        load_model(resolve_model(config.recipe.cross_start), "cross")
    return teachers


def gold_sets_of(config: BootstrapConfig, benchmarks: dict) -> dict:
    """The user's gold sets (``--eval-gold``), read and checked; a name an ``--eval-data`` task
    already has is refused (their columns would share a name)."""
    from transenc.gold import read_gold_sets

    sets = read_gold_sets(config.eval_gold, config.data_dir or config.eval_data)
    clash = sorted(set(sets) & set(benchmarks))
    if clash:
        raise TransencError(
            f"--eval-gold {', '.join(clash)}: already evaluated through --eval-data; "
            "give it once, or name it NAME=FILE"
        )
    return sets


def selection_sets(config: BootstrapConfig, gold: dict) -> list[str]:
    """The gold sets the round is selected on (``--select-on`` a gold set), by name."""
    return [name for name, s in gold.items() if s.spec == config.select_on]


def stsb_dev_of(config: BootstrapConfig) -> dict | None:
    """STS-B dev, the gold set ``--select-on stsb-dev`` picks the round on."""
    if config.select_on != "stsb-dev":
        return None
    return {"stsb-dev": load_sts_task(config.eval_data or config.data_dir, "stsb", "dev")}
