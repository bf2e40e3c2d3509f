"""``bootstrap``: the trans-encoder loop on disk, resumable, with mutual distillation.

Run directory (fixed names)::

    RUN_DIR/run.json              corpus checksum, models, teachers, recipe fingerprint,
                                  selection rule; per-task overlap and gold scores read
    RUN_DIR/recipe.toml           the resolved recipe
    RUN_DIR/pairs.tsv             the unlabeled training pairs, as read
    RUN_DIR/start/metrics.json    STS scores of the starting models (with --eval-data)
    RUN_DIR/teachers/teacher-k.{bi,cross}_labels.tsv   a frozen teacher's labels (--teacher)
    RUN_DIR/contrastive/bi[-k]/   SimCSE bi-encoder(s)
    RUN_DIR/round-N/bi_labels.tsv     bi-encoder cosines (weighted over models and teachers;
                                      each source's own beside it as bi_labels.SOURCE.tsv)
    RUN_DIR/round-N/cross[-k]/        cross-encoder(s) trained on them (BCE)
    RUN_DIR/round-N/cross_labels.tsv  cross-encoder scores (weighted as the bi labels)
    RUN_DIR/round-N/bi_targets.tsv    cross labels mixed with bi labels (cross_label_weight < 1)
    RUN_DIR/round-N/late[-k]/         with a cascade: late-interaction model(s) trained on the
                                      cross labels (recipe late_loss)
    RUN_DIR/round-N/late_labels.tsv   their MaxSim scores (mixed with the cross labels by
                                      late_label_weight): the bi-encoders' targets
    RUN_DIR/round-N/bi[-k]/           bi-encoder(s) trained on them (recipe bi_loss), from the
                                      previous round's bi-encoder or the initial one (recipe)
    RUN_DIR/round-N/metrics.json      STS scores after the round (with --eval-data)
    RUN_DIR/final/bi[-k]/, final/cross[-k]/, RUN_DIR/report.md, RUN_DIR/report.png

A round is the recipe's ``round_steps`` (by default label-bi, train-cross, label-cross,
mix-labels, train-bi), each a method ``step_*`` of :class:`_Loop`. Every stage writes a
manifest (``*.manifest.json``) built from its config's declaration after its outputs; rerunning
the same command skips stages whose manifest, inputs and outputs check out and redoes those
that do not (and the later ones whose inputs change with them). The ``-k`` suffixes appear
only with two or more ``--model``s.

A frozen teacher (``--teacher``, a bi- or cross-encoder) labels the corpus once; its labels join
every round's labelling step of its kind, weighted as the recipe's ``label_weights`` say, but it
is never trained: for budgets where training a larger model is too slow.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from transenc import distributed, evaluate, objectives
from transenc.atomic import atomic_dir, check_writable, write_text_atomic
from transenc.data.corpus import PairCorpus
from transenc.data.readers import DEFAULT_CHUNK_PAIRS, resolve_corpus
from transenc.data.sts import STS_TASKS, load_sts_task
from transenc.embedding_cache import DEFAULT_CACHE_SENTENCES
from transenc.errors import TransencError
from transenc.manifest import Stage, checksum
from transenc.models import (
    DEFAULT_MODEL,
    detect_kind,
    resolve_model,
)
from transenc.overlap import markdown as overlap_markdown
from transenc.overlap import overlap_by_task
from transenc.recipe import ROUND_STEPS, Recipe
from transenc.report_plot import plot_rounds
from transenc.stages import (
    contrastive,
    evaluation,
    label,
    mix,
    train_bi,
    train_cross,
    train_late,
)
from transenc.stages.declare import stage_for

logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
RECIPE_FILE = "recipe.toml"
PAIRS_FILE = "pairs.tsv"
REPORT_FILE = "report.md"
PLOT_FILE = "report.png"
METRICS_FILE = "metrics.json"
BI_LABELS = "bi_labels.tsv"
CROSS_LABELS = "cross_labels.tsv"
BI_TARGETS = "bi_targets.tsv"
LATE_LABELS = "late_labels.tsv"
START_DIR, CONTRASTIVE_DIR, FINAL_DIR, TEACHERS_DIR = "start", "contrastive", "final", "teachers"
# stages before round 1
ROUND_ZERO_KINDS = ("label-teacher", "contrastive")
STAGE_KINDS = (*ROUND_ZERO_KINDS, *ROUND_STEPS, "eval")
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
        eval_data: an STS data dir to evaluate on after every round, or ``None``.
        data_dir: the STS data dir that named corpora (``stsb:train``, ``pool``) come from.
        select_on: ``last`` (default: no gold label is read) or ``stsb-dev``.
        force: accept a changed corpus, model list or recipe under an existing run directory.
        force_from: redo this stage and all after it (``train-cross`` = round 1's,
            ``round-2/train-bi``, ``contrastive``, ...).
        eval_tasks: the tasks evaluated with ``eval_data``.
        label_chunk_pairs, cache_sentences: how labelling splits its work (pairs per chunk,
            bi-encoder embeddings kept across chunks); they bound memory, not the result.
    """

    pairs: str
    out: Path
    models: list[str] = field(default_factory=lambda: [DEFAULT_MODEL])
    teachers: list[str] = field(default_factory=list)
    recipe: Recipe = field(default_factory=Recipe)
    eval_data: Path | None = None
    data_dir: Path | None = None
    select_on: str = "last"
    force: bool = False
    force_from: str | None = None
    eval_tasks: tuple[str, ...] = STS_TASKS
    show_progress: bool = False
    corpus_options: dict = field(default_factory=dict)
    label_chunk_pairs: int = DEFAULT_CHUNK_PAIRS
    cache_sentences: int = DEFAULT_CACHE_SENTENCES

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        if self.out.exists() and not self.out.is_dir():
            raise TransencError(f"{self.out}: is a file, not a run directory")
        check_writable(self.out, "run directory")
        if not self.models:
            raise TransencError("give at least one --model")
        if self.select_on not in SELECTION_RULES:
            raise TransencError(
                f"--select-on {self.select_on!r} unknown; use one of {', '.join(SELECTION_RULES)}"
            )
        if self.select_on == "stsb-dev" and self.eval_data is None and self.data_dir is None:
            raise TransencError("--select-on stsb-dev needs --eval-data or --data-dir")
        if self.force_from is not None:
            parse_stage_ref(self.force_from, self.recipe.rounds)
        for model in self.models:
            if detect_kind(model) != "bi":
                raise TransencError(
                    f"{model}: bootstrap starts from bi-encoders, this is a cross-encoder"
                )
        self.teacher_kinds = [detect_kind(t) for t in self.teachers]
        weights = self.recipe.label_weights
        if isinstance(weights, list):
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


def protocol_line(result: BootstrapResult) -> str:
    """One line on what the run trained on and read: the protocol of the table above it."""
    settings = ", ".join(
        f"{task} {row['setting']} ({row['in_training']}/{row['pairs']})"
        for task, row in result.protocol.get("overlap", {}).items()
    )
    return (
        f"trained on {result.corpus}; evaluated pairs in it: {settings or 'not evaluated'}; "
        f"gold scores read: {result.protocol.get('gold_scores_read', 'none')}"
    )


def parse_stage_ref(ref: str, rounds: int) -> tuple[int, str]:
    """``round-2/train-bi`` -> (2, 'train-bi'); ``train-cross`` -> (1, ...);
    ``contrastive`` -> (0, 'contrastive')."""
    round_part, _, kind = ref.rpartition("/")
    number = 0 if kind in ROUND_ZERO_KINDS else 1
    if round_part:
        if not round_part.startswith("round-") or not round_part[6:].isdigit():
            raise TransencError(f"--force-from {ref!r}: expected round-N/STAGE")
        number = int(round_part[6:])
    if kind not in STAGE_KINDS or not 0 <= number <= rounds:
        raise TransencError(
            f"--force-from {ref!r} unknown; stages are {', '.join(ROUND_ZERO_KINDS)} and "
            f"round-N/{{{','.join(STAGE_KINDS[2:])}}} with N in 1..{rounds}"
        )
    return number, kind


def model_dir_name(kind: str, index: int, count: int) -> str:
    return kind if count == 1 else f"{kind}-{index + 1}"


# --- the run -----------------------------------------------------------------------------------


class _Runner:
    """Walks the stages in order, skipping finished ones, forcing from ``force_from`` on."""

    def __init__(self, config: BootstrapConfig, say: Callable[[str], None]):
        self.config = config
        self.say = say
        self.forced = False
        self.force_ref = (
            parse_stage_ref(config.force_from, config.recipe.rounds) if config.force_from else None
        )
        self.ran: list[str] = []
        self.skipped: list[str] = []
        self.seconds: dict[str, float] = {}  # wall time of every stage, this run or earlier

    def step(self, stage: Stage, round_number: int, kind: str, work: Callable[[], dict]) -> dict:
        if self.force_ref == (round_number, kind):
            self.forced = True
        # rank 0 decides, so that every process runs (or skips) the same stages
        problem = distributed.from_main(
            ("forced" if self.forced else stage.problem()) if distributed.is_main() else None
        )
        if problem is None:
            self.skipped.append(stage.name)
            self.say(f"[skip] {stage.name}: done earlier")
            self.seconds[stage.name] = stage.recorded_seconds()
            return stage.recorded_metrics()
        started = time.time()
        if problem != "not run yet":
            self.say(f"[redo] {stage.name}: {problem}")
        metrics = work()
        if distributed.is_main():
            self.seconds[stage.name] = stage.record(started, metrics)["seconds"]
        distributed.barrier()  # the next stage may read what rank 0 has just written
        self.ran.append(stage.name)
        summary = _summary(metrics)
        self.say(f"[done] {stage.name} in {time.time() - started:.0f}s: {summary}")
        return metrics

    def run_stage(self, module, config, name: str, manifest: Path, r: int, kind: str) -> dict:
        """Runs ``module.run(config)`` as a resumable stage whose manifest is built from the
        config's declaration (:mod:`transenc.stages.declare`)."""
        stage = stage_for(config, name, manifest)
        return self.step(stage, r, kind, lambda: _metrics(module.run(config)))


@dataclass
class _Round:
    """What the steps of a round hand each other: models and label files."""

    number: int
    folder: Path
    bis: list[str]
    crosses: list[str]
    bi_labels: Path | None = None
    cross_labels: Path | None = None
    targets: Path | None = None
    lates: list[str] = field(default_factory=list)
    late_labels: Path | None = None


class _Loop:
    """A bootstrap run's shared context; each round step is a method named after its kind."""

    def __init__(self, config: BootstrapConfig, runner: _Runner, teacher_labels: dict):
        self.config = config
        self.recipe = config.recipe
        self.runner = runner
        self.pairs = config.out / PAIRS_FILE
        self.count = len(config.models)
        self.teacher_labels = teacher_labels  # kind -> teacher name -> label file
        self.initial_bis: list[str] = []

    def walk(self, state: _Round) -> None:
        for kind in self.recipe.round_steps:
            getattr(self, "step_" + kind.replace("-", "_"))(state)

    def _label(
        self,
        state: _Round,
        kind: str,
        models: list[str],
        output: Path,
        extra: dict[str, Path] | None = None,
        weights: str | list[float] | None = None,
    ) -> Path:
        recipe = self.recipe
        config = label.LabelConfig(
            list(models),
            str(self.pairs),
            output,
            kind=kind,
            both_orders=kind == "cross" and recipe.cross_label_both_orders,
            batch_size=recipe.label_batch_size,
            precision=recipe.label_precision,
            show_progress=self.config.show_progress,
            extra_labels=dict(self.teacher_labels.get(kind, {}) if extra is None else extra),
            weights=recipe.label_weights if weights is None else weights,
            source_names=[model_dir_name(kind, k, len(models)) for k in range(len(models))],
            chunk_pairs=self.config.label_chunk_pairs,
            cache_sentences=self.config.cache_sentences,
        )
        self.runner.run_stage(
            label,
            config,
            f"round-{state.number}/label-{kind}",
            state.folder / f"label-{kind}.manifest.json",
            state.number,
            f"label-{kind}",
        )
        return output

    def step_label_bi(self, state: _Round) -> None:
        state.bi_labels = self._label(state, "bi", state.bis, state.folder / BI_LABELS)

    def step_label_cross(self, state: _Round) -> None:
        state.cross_labels = self._label(state, "cross", state.crosses, state.folder / CROSS_LABELS)
        state.targets = state.cross_labels

    def _train_each(self, state: _Round, kind: str, module, make_config) -> list[str]:
        """One training stage per model (``cross`` or ``bi``), in ``round-N/KIND[-k]``;
        ``make_config(k, output)`` builds model k's stage config."""
        outputs = []
        for k in range(self.count):
            output = state.folder / model_dir_name(kind, k, self.count)
            self.runner.run_stage(
                module,
                make_config(k, output),
                f"round-{state.number}/train-{output.name}",
                state.folder / f"train-{output.name}.manifest.json",
                state.number,
                f"train-{kind}",
            )
            outputs.append(str(output))
        return outputs

    def step_train_cross(self, state: _Round) -> None:
        # continue from last round's cross-encoders; round 1 starts from the bi-encoders' weights
        starts = state.crosses or state.bis
        seed = self.recipe.seed + 1000 * state.number
        state.crosses = self._train_each(
            state,
            "cross",
            train_cross,
            lambda k, output: train_cross.TrainCrossConfig(
                starts[k],
                state.bi_labels,
                output,
                self.recipe.label_map,
                True,
                self.recipe.settings_for(self.config.models[k], "cross"),
                seed + k,
                self.config.show_progress,
            ),
        )

    def step_train_late(self, state: _Round) -> None:
        # continue from last round's late-interaction models; round 1 builds them from the
        # bi-encoders
        starts = state.lates or state.bis
        seed = self.recipe.seed + 1000 * state.number + 50
        state.lates = self._train_each(
            state,
            "late",
            train_late,
            lambda k, output: train_late.TrainLateConfig(
                starts[k],
                state.cross_labels,
                output,
                self.recipe.settings_for(self.config.models[k], "late"),
                seed + k,
                self.config.show_progress,
                self.recipe.late_loss,
                self.recipe.late_loss_params,
            ),
        )

    def step_label_late(self, state: _Round) -> None:
        """The late-interaction models' labels, mixed with the cross-encoders' by the
        recipe's ``late_label_weight``: the bi-encoders' targets."""
        weight = self.recipe.late_label_weight
        extra, weights = {}, None
        if weight < 1:
            extra = {"cross": state.cross_labels}
            weights = [weight / len(state.lates)] * len(state.lates) + [1 - weight]
        output = state.folder / LATE_LABELS
        state.late_labels = self._label(state, "late", state.lates, output, extra, weights)
        state.targets = state.late_labels

    def step_mix_labels(self, state: _Round) -> None:
        weight = self.recipe.cross_label_weight
        if weight >= 1:  # pure cross labels, as published: nothing to mix
            return
        output = state.folder / BI_TARGETS
        # the targets so far: the cross-encoder's labels, or after label-late the cascade's
        config = mix.MixConfig(state.targets, state.bi_labels, output, weight)
        self.runner.run_stage(
            mix,
            config,
            f"round-{state.number}/mix-labels",
            state.folder / "mix-labels.manifest.json",
            state.number,
            "mix-labels",
        )
        state.targets = output

    def step_train_bi(self, state: _Round) -> None:
        recipe = self.recipe
        seed = recipe.seed + 1000 * state.number + 100
        starts = self.initial_bis if recipe.bi_round_start == "initial" else state.bis
        # objectives that need the live teacher get this model's cross-encoder
        live_teacher = objectives.get(recipe.bi_loss, "bi").needs == "teacher"
        state.bis = self._train_each(
            state,
            "bi",
            train_bi,
            lambda k, output: train_bi.TrainBiConfig(
                starts[k],
                state.targets,
                output,
                recipe.settings_for(self.config.models[k], "bi"),
                seed + k,
                self.config.show_progress,
                recipe.bi_loss,
                recipe.bi_loss_params,
                recipe.bi_dual_reg,
                state.crosses[k] if live_teacher else None,
            ),
        )


def run(config: BootstrapConfig, say: Callable[[str], None] | None = None) -> BootstrapResult:
    """Runs (or resumes) a bootstrap; ``say`` receives one line per stage."""
    say = say or logger.info
    if not distributed.is_main():
        say = _silent
    recipe, out = config.recipe, config.out
    corpus = distributed.main_first(lambda: _prepare_run_dir(config), lambda: _read_corpus(config))
    runner = _Runner(config, say)
    n = len(config.models)
    pairs_path = out / PAIRS_FILE
    benchmarks = (
        evaluate.load_tasks(config.eval_data, config.eval_tasks) if config.eval_data else None
    )
    table: dict[str, dict[str, float]] = {}
    dev_scores: dict[int, float] = {}
    stsb_dev = _stsb_dev(config)
    protocol = distributed.main_first(lambda: _record_protocol(config, corpus, benchmarks))
    say(
        f"corpus {corpus.name}: {len(corpus)} pairs, {len(corpus.sentences)} distinct sentences; "
        f"{n} model(s); {recipe.rounds} round(s); recipe {recipe.name}"
    )

    bis = [resolve_model(m) for m in config.models]
    teachers = [resolve_model(t) for t in config.teachers]
    teacher_names = [f"teacher-{k + 1}" for k in range(len(teachers))]
    if benchmarks:
        evaluated = _named("bi", bis) + list(
            zip(teacher_names, config.teacher_kinds, teachers, strict=True)
        )
        metrics = _evaluate_stage(runner, out / START_DIR, 0, evaluated, benchmarks, config)
        table.update(_rows("start", metrics))

    teacher_labels: dict[str, dict[str, Path]] = {"bi": {}, "cross": {}}
    for name, kind, teacher in zip(teacher_names, config.teacher_kinds, teachers, strict=True):
        output = out / TEACHERS_DIR / f"{name}.{kind}_labels.tsv"
        _teacher_step(runner, config, name, kind, teacher, pairs_path, output)
        teacher_labels[kind][name] = output

    if recipe.contrastive:
        outputs = []
        for k, model in enumerate(bis):
            output = out / CONTRASTIVE_DIR / model_dir_name("bi", k, n)
            cfg = contrastive.ContrastiveConfig(
                model,
                str(pairs_path),
                output,
                recipe.settings_for(config.models[k], "contrastive_training"),
                recipe.seed + k,
                show_progress=config.show_progress,
            )
            runner.run_stage(
                contrastive,
                cfg,
                f"contrastive/{output.name}",
                output.parent / f"{output.name}.manifest.json",
                0,
                "contrastive",
            )
            outputs.append(str(output))
        bis = outputs

    loop = _Loop(config, runner, teacher_labels)
    loop.initial_bis = list(bis)
    crosses: list[str] = []
    lates: list[str] = []
    for r in range(1, recipe.rounds + 1):
        state = _Round(r, out / f"round-{r}", bis, crosses, lates=lates)
        loop.walk(state)
        bis, crosses, lates = state.bis, state.crosses, state.lates
        if benchmarks or stsb_dev is not None:
            metrics = _evaluate_stage(
                runner,
                state.folder,
                r,
                _named("bi", bis) + _named("cross", crosses) + _named("late", lates),
                benchmarks or {},
                config,
                stsb_dev,
            )
            table.update(_rows(f"round {r}", metrics))
            if stsb_dev is not None:
                dev_scores[r] = float(
                    np.mean([v["stsb-dev"] for k, v in metrics.items() if k.startswith("bi")])
                )

    selected = (
        max(dev_scores, key=dev_scores.get) if config.select_on == "stsb-dev" else recipe.rounds
    )
    final_bi, final_cross = distributed.main_first(lambda: _publish_final(out, selected, n))
    report = distributed.main_first(
        lambda: _write_report(config, corpus, table, selected, dev_scores, runner, protocol)
    )
    say(f"final models (round {selected}): {', '.join(str(p) for p in final_bi + final_cross)}")
    return BootstrapResult(
        out,
        final_bi,
        final_cross,
        selected,
        table,
        report,
        runner.ran,
        runner.skipped,
        f"{corpus.name} ({len(corpus)} pairs)",
        protocol,
    )


# --- pieces ------------------------------------------------------------------------------------


def _read_corpus(config: BootstrapConfig) -> PairCorpus:
    """The run's training pairs: the corpus, sampled down to the recipe's ``max_pairs``."""
    corpus = resolve_corpus(config.pairs, config.data_dir, **config.corpus_options)
    corpus = corpus.sample(config.recipe.max_pairs, config.recipe.seed)
    if len(corpus) < 2:
        raise TransencError(f"{config.pairs}: need at least 2 pairs, found {len(corpus)}")
    return corpus


def _prepare_run_dir(config: BootstrapConfig) -> PairCorpus:
    """Reads the corpus, checks it and the recipe against an existing run, writes run files."""
    out, recipe = config.out, config.recipe
    corpus = _read_corpus(config)
    pairs_text = corpus.to_frame()[["sentence1", "sentence2"]].to_csv(
        sep="\t", index=False, lineterminator="\n"
    )
    identity = {
        "format": 1,
        "corpus": config.pairs,
        "corpus_pairs": len(corpus),
        "corpus_sha256": _sha256_text(pairs_text),
        "models": [_model_identity(m) for m in config.models],
        **({"teachers": [_model_identity(t) for t in config.teachers]} if config.teachers else {}),
        "recipe_sha256": recipe.fingerprint(),
        "select_on": config.select_on,
    }
    run_file = out / RUN_FILE
    if run_file.is_file():
        previous = json.loads(run_file.read_text())
        changed = [
            k
            for k in ("corpus_sha256", "models", "teachers", "recipe_sha256", "select_on")
            if previous.get(k, []) != identity.get(k, [])
        ]
        if changed and not config.force:
            what = {
                "corpus_sha256": "corpus",
                "models": "models",
                "teachers": "teachers",
                "recipe_sha256": "recipe",
                "select_on": "selection rule",
            }
            raise TransencError(
                f"{out}: this run directory was made with a different "
                f"{', '.join(what[c] for c in changed)}; use another --out, or --force to redo"
            )
    elif out.exists() and any(out.iterdir()):
        raise TransencError(f"{out}: exists and is not a transenc run directory")
    out.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    pairs_path = out / PAIRS_FILE
    if not pairs_path.is_file() or pairs_path.read_text(encoding="utf-8") != pairs_text:
        write_text_atomic(pairs_path, pairs_text)
    write_text_atomic(out / RECIPE_FILE, recipe.to_toml())
    write_text_atomic(run_file, json.dumps(identity, indent=2) + "\n")
    return corpus


def _teacher_step(runner, config, name, kind, teacher, pairs_path, output) -> None:
    """A frozen teacher labels the corpus once (it never changes, so neither do its labels)."""
    recipe = config.recipe
    label_config = label.LabelConfig(
        [teacher],
        str(pairs_path),
        output,
        kind=kind,
        both_orders=kind == "cross" and recipe.cross_label_both_orders,
        batch_size=recipe.label_batch_size,
        precision=recipe.label_precision,
        show_progress=config.show_progress,
        chunk_pairs=config.label_chunk_pairs,
        cache_sentences=config.cache_sentences,
    )
    runner.run_stage(
        label,
        label_config,
        f"{TEACHERS_DIR}/label-{name}",
        output.parent / f"label-{name}.manifest.json",
        0,
        "label-teacher",
    )


def _remove_leftovers(out: Path) -> None:
    """Deletes half-written files and folders a killed run left under temporary names."""
    for leftover in sorted(out.rglob(".*.tmp"), reverse=True):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)


def _stsb_dev(config: BootstrapConfig) -> dict[str, PairCorpus] | None:
    if config.select_on != "stsb-dev":
        return None
    return {"stsb-dev": load_sts_task(config.eval_data or config.data_dir, "stsb", "dev")}


def _named(kind: str, paths: list[str]) -> list[tuple[str, str, str]]:
    """(row name, kind, path) for a round's models of one kind: ``bi`` or ``bi-1``, ``bi-2``."""
    return [(model_dir_name(kind, k, len(paths)), kind, p) for k, p in enumerate(paths)]


def _evaluate_stage(runner, folder, r, models, benchmarks, config, extra=None) -> dict:
    """STS scores of every (name, kind, path) in ``models``, in ``folder/metrics.json``."""
    tasks = {**benchmarks, **(extra or {})}
    eval_config = evaluation.RoundEvalConfig(
        models={name: path for name, _, path in models},
        kinds={name: kind for name, kind, _ in models},
        tasks=sorted(tasks),
        data=str(config.eval_data),
        output=folder / METRICS_FILE,
        benchmarks=tasks,
        show_progress=config.show_progress,
    )
    stage = stage_for(eval_config, f"{folder.name}/eval", folder / "eval.manifest.json")

    def work() -> dict:
        if not runner.forced:  # forcing asks for everything again, scores included
            eval_config.known = evaluation.unchanged_scores(stage)  # before the stage rewrites it
        return evaluation.run(eval_config)

    return runner.step(stage, r, "eval", work)


def _rows(label: str, metrics: dict) -> dict[str, dict[str, float]]:
    return {f"{label} {name}": scores for name, scores in metrics.items()}


def _publish_final(out: Path, selected: int, n: int) -> tuple[list[Path], list[Path]]:
    """Copies the selected round's models to ``final/`` (atomically, only when they differ);
    a cascade's late-interaction models too."""
    finals: dict[str, list[Path]] = {"bi": [], "cross": [], "late": []}
    for kind in ("bi", "cross", "late"):
        for k in range(n):
            name = model_dir_name(kind, k, n)
            source, target = out / f"round-{selected}" / name, out / FINAL_DIR / name
            if kind == "late" and not source.is_dir():
                continue
            if not (target.is_dir() and checksum(target) == checksum(source)):
                with atomic_dir(target) as tmp:
                    shutil.copytree(source, tmp, dirs_exist_ok=True)
            finals[kind].append(target)
    return finals["bi"], finals["cross"]


def _record_protocol(config: BootstrapConfig, corpus: PairCorpus, benchmarks) -> dict:
    """What a quality claim about this run must say, added to ``run.json``: how many of each
    evaluated task's pairs the training corpus holds, and whether any gold score was read."""
    protocol = {
        "gold_scores_read": (
            "STS-B dev scores, to select the round" if config.select_on == "stsb-dev" else "none"
        ),
        "overlap": overlap_by_task(corpus, benchmarks) if benchmarks else {},
    }
    run_file = config.out / RUN_FILE
    identity = json.loads(run_file.read_text())
    if {k: identity.get(k) for k in protocol} != protocol:
        write_text_atomic(run_file, json.dumps({**identity, **protocol}, indent=2) + "\n")
    return protocol


def _write_report(config, corpus, table, selected, dev_scores, runner, protocol) -> Path:
    lines = [
        "# transenc bootstrap report",
        "",
        f"- corpus: `{config.pairs}` ({len(corpus)} pairs, "
        f"{len(corpus.sentences)} distinct sentences)",
        f"- models: {', '.join(f'`{m}`' for m in config.models)}"
        + (" (mutual distillation: labels averaged over models)" if len(config.models) > 1 else ""),
        *(
            [f"- frozen teachers: {', '.join(f'`{t}`' for t in config.teachers)} (never trained)"]
            if config.teachers
            else []
        ),
        f"- recipe: `{config.recipe.name}` (resolved in `{RECIPE_FILE}`), "
        f"rounds: {config.recipe.rounds}",
        f"- selection: `{config.select_on}`; final models from round {selected}"
        + (
            f" (STS-B dev by round: {', '.join(f'{r}: {v:.2f}' for r, v in dev_scores.items())})"
            if dev_scores
            else " (no gold label was read during training)"
        ),
        f"- stages run this time: {len(runner.ran)}, skipped (done earlier): {len(runner.skipped)}",
        "",
    ]
    if table:
        lines += ["## Spearman x100 per round", "", evaluate.markdown_table(table), ""]
    plot = plot_rounds(table, config.out / PLOT_FILE) if table else None
    if plot is not None:
        lines += [f"![Spearman per round]({PLOT_FILE})", ""]
    if runner.seconds:
        lines += [
            "## Wall time per stage",
            "",
            "| stage | seconds |",
            "|---|---|",
            *[f"| {name} | {seconds:.0f} |" for name, seconds in runner.seconds.items()],
            f"| total | {sum(runner.seconds.values()):.0f} |",
            "",
        ]
    if protocol["overlap"]:
        lines += [
            "## Training pairs in each evaluated task",
            "",
            f"Gold scores read: {protocol['gold_scores_read']}.",
            "",
            overlap_markdown(protocol["overlap"]),
            "",
        ]
    path = config.out / REPORT_FILE
    write_text_atomic(path, "\n".join(lines))
    return path


def _metrics(result) -> dict:
    """A stage result's numbers, notes and per-source numbers (paths and lists dropped) for its
    manifest."""
    kept = {}
    for key, value in vars(result).items():
        if isinstance(value, float):
            kept[key] = round(value, 4)
        elif isinstance(value, (int, str)):
            kept[key] = value
        elif isinstance(value, dict) and value:
            kept[key] = value
    return kept


def _model_identity(model: str) -> str:
    return (
        model if model == DEFAULT_MODEL or not Path(model).exists() else str(Path(model).resolve())
    )


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _summary(metrics: dict) -> str:
    parts = []
    for key, value in metrics.items():
        if isinstance(value, dict) and evaluate.AVERAGE in value:  # an evaluation, per model
            parts.append(f"{key} avg {value[evaluate.AVERAGE]:.2f}")
        elif isinstance(value, dict):  # label weights by source
            parts.append(f"{key} " + " ".join(f"{k}={_fmt(v)}" for k, v in value.items()))
        else:
            parts.append(f"{key} {_fmt(value)}")
    return ", ".join(parts)


def _silent(line: str) -> None:
    """What processes other than rank 0 say: nothing (rank 0 speaks for the run)."""


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
