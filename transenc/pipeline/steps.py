"""The shipped steps of a bootstrap run, each registered once (:mod:`.registry`).

Before round 1 (phase ``start``): ``eval-start`` scores the starting models, ``label-teacher``
has each frozen teacher label the corpus once, ``label-start`` has each starting model, frozen,
label it once (the recipe's ``start_teacher``), ``contrastive`` runs SimCSE. A round (phase
``round``, the recipe's ``[round] steps``): ``label-bi``, ``train-cross``, ``label-cross``,
``mix-labels``, ``train-bi``, and ERNIE-Search's cascade ``train-late``, ``label-late``. After
every round (phase ``after``): ``eval``.

Each step builds its stage's config by keyword and hands it to the runner, which names the
stage, finds its manifest and derives its seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from transenc import distributed, objectives
from transenc.atomic import write_text_atomic
from transenc.labels import label_count
from transenc.models import resolve_model
from transenc.pipeline import rundir
from transenc.pipeline.config import selection_sets
from transenc.pipeline.names import (
    BI_LABELS,
    BI_POOL_DIR,
    BI_POOL_LABELS,
    BI_TARGETS,
    CONTRASTIVE_DIR,
    CROSS_LABELS,
    CROSS_POOL_DIR,
    CROSS_POOL_LABELS,
    GIVEN_PAIRS,
    LATE_LABELS,
    METRICS_FILE,
    MINED_DIR,
    MINED_PAIRS,
    START_DIR,
    TEACHERS_DIR,
    model_dir_name,
    start_teacher_name,
)
from transenc.pipeline.registry import Step, register
from transenc.stages import (
    contrastive,
    evaluation,
    label,
    mine,
    mix,
    train_bi,
    train_cross,
    train_late,
)
from transenc.stages.declare import stage_for
from transenc.stages.learn_labels import checks_run

# --- shared pieces -----------------------------------------------------------------------------


def label_with(
    context, step, number, folder, kind, models, output, extra=None, weights=None, pairs=None
):
    """One labelling stage: ``models`` (plus ``extra`` label files; by default the frozen
    teachers of that kind) score the corpus (or ``pairs``) into ``output``."""
    recipe = context.recipe
    config = label.LabelConfig(
        models=list(models),
        pairs=str(pairs or context.pairs),
        output=output,
        kind=kind,
        both_orders=kind == "cross" and recipe.cross_label_both_orders,
        batch_size=recipe.label_batch_size,
        precision=recipe.label_precision,
        show_progress=context.config.show_progress,
        extra_labels=dict(_teachers_of(context, kind, models) if extra is None else extra),
        weights=recipe.label_weights if weights is None else weights,
        source_names=[model_dir_name(kind, k, len(models)) for k in range(len(models))],
        chunk_pairs=context.config.label_chunk_pairs,
        cache_sentences=context.config.cache_sentences,
    )
    leaf = f"label-{kind}" if pairs is None else f"label-{kind}-{Path(output).stem}"
    context.runner.run_stage(step, number, folder, leaf, label, config)
    return output


def _teachers_of(context, kind: str, models) -> dict:
    """The frozen label sources of a ``kind`` labelling of the corpus by ``models``: the
    teachers, and the starting models' own labels wherever the models labelling are no longer
    the start."""
    teachers = dict(context.teacher_labels.get(kind, {}))
    if kind == "bi" and list(models) != context.start_bis:
        teachers.update(context.start_labels)
    return teachers


def train_each(context, state, step, kind, module, make_config) -> list[str]:
    """One training stage per model, in ``round-N/KIND[-k]``; ``make_config(k, output, seed)``
    builds model k's stage config."""
    outputs = []
    for k in range(context.count):
        output = state.folder / model_dir_name(kind, k, context.count)
        seed = context.runner.seed(step, state.number, k)
        config = make_config(k, output, seed)
        context.runner.run_stage(
            step, state.number, state.folder, f"train-{output.name}", module, config
        )
        outputs.append(str(output))
    return outputs


def named(kind: str, paths: list[str]) -> list[tuple[str, str, str]]:
    """(row name, kind, path) for models of one kind: ``bi`` or ``bi-1``, ``bi-2``."""
    return [(model_dir_name(kind, k, len(paths)), kind, p) for k, p in enumerate(paths)]


def evaluate_models(context, step, number, folder, models, tasks) -> dict:
    """Scores of every (name, kind, path) in ``models`` on ``tasks``, in ``folder/metrics.json``;
    models unchanged since the stage last ran keep their recorded scores."""
    runner = context.runner
    gold = context.gold
    eval_config = evaluation.RoundEvalConfig(
        models={name: path for name, _, path in models},
        kinds={name: kind for name, kind, _ in models},
        gold={name: s.source for name, s in gold.items()},
        tasks=sorted(tasks) + sorted(gold),
        data=str(context.config.eval_data),
        output=folder / METRICS_FILE,
        benchmarks=tasks,
        gold_sets=gold,
        show_progress=context.config.show_progress,
    )
    stage = stage_for(eval_config, f"{folder.name}/eval", folder / "eval.manifest.json")

    def work() -> dict:
        if not runner.forced:  # forcing asks for everything again, scores included
            eval_config.known = evaluation.unchanged_scores(stage)  # before it is rewritten
        return evaluation.run(eval_config)

    return runner.step(stage, number, step, work)


def add_rows(context, label_text: str, metrics: dict) -> None:
    context.table.update({f"{label_text} {name}": row for name, row in metrics.items()})


# --- before the corpus is read -----------------------------------------------------------------


def mine_step(context, state) -> None:
    """``bootstrap --sentences``: the corpus is mined from the sentences by every model and bi
    teacher together (the mean of their cosines: the neighbours they agree on). ``--augment``:
    the given pairs (copied to ``mined/given.tsv``) and the pairs mined from their sentences."""
    config, recipe = context.config, context.recipe
    if not config.mines:
        return
    folder = context.out / MINED_DIR
    given = folder / GIVEN_PAIRS if config.augment else None
    if given is not None:
        distributed.main_first(lambda: _write_given(given, config.given_corpus))
    mine_config = mine.MineConfig(
        sentences=Path(config.sentences) if config.sentences else None,
        models=[*state.bis, *bi_teachers(context)],
        output=folder / MINED_PAIRS,
        pairs=given,
        column=config.sentence_column,
        neighbours=config.neighbours,
        random=config.random_partners,
        max_pairs=config.mine_max_pairs,
        seed=context.runner.seed("mine", 0),
        batch_size=recipe.label_batch_size,
        precision=recipe.label_precision,
        show_progress=config.show_progress,
    )
    context.runner.run_stage("mine", 0, folder, "mine", mine, mine_config)


def _write_given(path: Path, corpus) -> None:
    text = rundir.pairs_text(corpus)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_text_atomic(path, text)


# --- before round 1 ----------------------------------------------------------------------------


def eval_start(context, state) -> None:
    if not context.benchmarks and not context.gold:
        return
    config = context.config
    teachers = [
        (f"teacher-{k + 1}", kind, path)
        for k, (kind, path) in enumerate(zip(config.teacher_kinds, context.teachers, strict=True))
    ]
    models = named("bi", state.bis) + teachers
    folder = context.out / START_DIR
    add_rows(
        context,
        "start",
        evaluate_models(context, "eval-start", 0, folder, models, context.benchmarks),
    )


def label_frozen(context, step: str, name: str, model: str, kind: str) -> Path:
    """A frozen model labels the corpus once, into ``teachers/NAME.KIND_labels.tsv`` (it never
    changes, so neither do its labels)."""
    folder = context.out / TEACHERS_DIR
    output = folder / f"{name}.{kind}_labels.tsv"
    config = label.LabelConfig(
        models=[model],
        pairs=str(context.pairs),
        output=output,
        kind=kind,
        both_orders=kind == "cross" and context.recipe.cross_label_both_orders,
        batch_size=context.recipe.label_batch_size,
        precision=context.recipe.label_precision,
        show_progress=context.config.show_progress,
        chunk_pairs=context.config.label_chunk_pairs,
        cache_sentences=context.config.cache_sentences,
    )
    context.runner.run_stage(step, 0, folder, f"label-{name}", label, config)
    return output


def bi_teachers(context) -> list[str]:
    """The frozen teachers that are bi-encoders, resolved."""
    kinds = context.config.teacher_kinds
    return [t for t, k in zip(context.teachers, kinds, strict=True) if k == "bi"]


def label_teacher(context, state) -> None:
    """Each frozen teacher labels the corpus once."""
    for k, (kind, teacher) in enumerate(
        zip(context.config.teacher_kinds, context.teachers, strict=True)
    ):
        name = f"teacher-{k + 1}"
        context.teacher_labels[kind][name] = label_frozen(
            context, "label-teacher", name, teacher, kind
        )


def label_start(context, state) -> None:
    """The recipe's ``start_teacher``: each starting model, frozen, labels the corpus once, so
    that a SimCSE stage or an earlier round that moved the models away from what the user
    started with does not take the start's view out of the labels. Skipped where no labelling
    could differ from the start's (one round, no SimCSE stage: round 1's models are the start)."""
    context.start_bis = list(state.bis)
    recipe = context.recipe
    if not recipe.start_teacher or not (recipe.contrastive or recipe.rounds > 1):
        return
    for k, model in enumerate(state.bis):
        name = start_teacher_name(k, context.count)
        context.start_labels[name] = label_frozen(context, "label-start", name, model, "bi")


def mine_pool(context, state) -> None:
    """``[cross] pair_pool`` above 1: the corpus's own sentences mined once into the pairs the
    cross-encoder trains on (the corpus's pairs first, as they are, then nearest neighbours and
    random partners by the starting models and any bi-encoder teachers, none repeated)."""
    pool = context.recipe.cross_pair_pool
    if pool > 1:
        context.cross_pool = mined_pool(context, pool, "mine-pool", CROSS_POOL_DIR)


def mine_bi_pool(context, state) -> None:
    """``[bi] unchecked_pair_pool`` above 1, on a corpus too small for the bi-encoder's stage
    to check itself on held-back pairs: the pool it trains on instead, mined as the
    cross-encoder's."""
    pool = context.recipe.bi_unchecked_pair_pool
    if pool > 1 and not bi_checked_on_corpus(context):
        context.bi_pool = mined_pool(context, pool, "mine-bi-pool", BI_POOL_DIR)


def bi_checked_on_corpus(context) -> bool:
    """Whether every bi-encoder's stage, on the corpus's pairs alone, would check itself on
    held-back pairs (keep_best, and at least its ``min_checked_pairs`` held back)."""
    recipe = context.recipe
    return all(
        checks_run(context.settings(k, "bi"), len(context.corpus), recipe.held_back)
        for k in range(context.count)
    )


def mined_pool(context, multiple: float, step: str, folder_name: str) -> Path:
    """``multiple`` times the corpus's pairs: its own, then mined from its sentences."""
    corpus = context.corpus
    extra = round((multiple - 1) * len(corpus))
    neighbours = mine.neighbours_for(extra, len(corpus.sentences))
    config, recipe = context.config, context.recipe
    folder = context.out / folder_name
    mine_config = mine.MineConfig(
        sentences=None,
        models=[*context.start_bis, *bi_teachers(context)],
        output=folder / MINED_PAIRS,
        pairs=context.pairs,
        neighbours=neighbours,
        random=mine.DEFAULT_RANDOM,
        max_pairs=extra,
        seed=context.runner.seed(step, 0),
        batch_size=recipe.label_batch_size,
        precision=recipe.label_precision,
        show_progress=config.show_progress,
    )
    context.runner.run_stage(step, 0, folder, "mine", mine, mine_config)
    return folder / MINED_PAIRS


def contrastive_step(context, state) -> None:
    if context.recipe.contrastive:
        folder = context.out / CONTRASTIVE_DIR
        outputs = []
        for k, model in enumerate(state.bis):
            output = folder / model_dir_name("bi", k, context.count)
            config = contrastive.ContrastiveConfig(
                model=model,
                pairs=str(context.pairs),
                output=output,
                settings=context.settings(k, "contrastive_training"),
                seed=context.runner.seed("contrastive", 0, k),
                show_progress=context.config.show_progress,
            )
            context.runner.run_stage("contrastive", 0, folder, output.name, contrastive, config)
            outputs.append(str(output))
        state.bis = outputs
    context.initial_bis = list(state.bis)


# --- a round -----------------------------------------------------------------------------------


def label_bi(context, state) -> None:
    state.bi_labels = label_with(
        context, "label-bi", state.number, state.folder, "bi", state.bis, state.folder / BI_LABELS
    )
    if context.cross_pool is not None:
        state.cross_train_labels = label_pool(context, state, context.cross_pool, CROSS_POOL_LABELS)
    if context.bi_pool is not None:
        state.bi_pool_labels = label_pool(context, state, context.bi_pool, BI_POOL_LABELS)


def label_pool(context, state, pool: Path, name: str) -> Path:
    """A mined pool labelled by the bi labels' sources in the same order; the frozen ones
    (whose label files hold the corpus only) encode its sentences here."""
    frozen = bi_teachers(context)
    if context.start_labels and state.bis != context.start_bis:
        frozen += context.start_bis
    return label_with(
        context,
        "label-bi",
        state.number,
        state.folder,
        "bi",
        [*state.bis, *frozen],
        state.folder / name,
        extra={},
        pairs=pool,
    )


def label_cross(context, state) -> None:
    state.cross_labels = label_with(
        context,
        "label-cross",
        state.number,
        state.folder,
        "cross",
        state.crosses,
        state.folder / CROSS_LABELS,
    )
    state.targets = state.cross_labels


def train_cross_step(context, state) -> None:
    # continue from last round's cross-encoders; round 1 starts from the bi-encoders' weights
    # or from the recipe's cross_start (a larger body, a reranker trained elsewhere)
    cross_start = context.recipe.cross_start
    first = state.bis if cross_start == "bi" else [resolve_model(cross_start)] * context.count
    starts = state.crosses or first
    state.crosses = train_each(
        context,
        state,
        "train-cross",
        "cross",
        train_cross,
        lambda k, output, seed: train_cross.TrainCrossConfig(
            model=starts[k],
            labels=state.cross_train_labels or state.bi_labels,
            output=output,
            label_map=context.recipe.label_map,
            both_orders=True,
            loss=context.recipe.cross_loss,
            loss_params=context.recipe.cross_loss_params,
            settings=context.settings(k, "cross"),
            seed=seed,
            held_back=context.recipe.held_back,
            show_progress=context.config.show_progress,
        ),
    )


def train_late_step(context, state) -> None:
    # continue from last round's late-interaction models; round 1 builds them from the
    # bi-encoders
    starts = state.lates or state.bis
    recipe = context.recipe
    state.lates = train_each(
        context,
        state,
        "train-late",
        "late",
        train_late,
        lambda k, output, seed: train_late.TrainLateConfig(
            model=starts[k],
            labels=state.cross_labels,
            output=output,
            settings=context.settings(k, "late"),
            seed=seed,
            held_back=recipe.held_back,
            show_progress=context.config.show_progress,
            loss=recipe.late_loss,
            loss_params=recipe.late_loss_params,
        ),
    )


def label_late(context, state) -> None:
    """The late-interaction models' labels, mixed with the cross-encoders' by the recipe's
    ``late_label_weight``: the bi-encoders' targets."""
    weight = context.recipe.late_label_weight
    extra, weights = {}, None
    if weight < 1:
        extra = {"cross": state.cross_labels}
        weights = [weight / len(state.lates)] * len(state.lates) + [1 - weight]
    state.late_labels = label_with(
        context,
        "label-late",
        state.number,
        state.folder,
        "late",
        state.lates,
        state.folder / LATE_LABELS,
        extra,
        weights,
    )
    state.targets = state.late_labels


def cross_label_weight(context, state) -> float:
    """The cross-encoders' share of the bi-encoders' targets this round: the recipe's
    ``cross_label_weight``, or its ``unchecked_cross_label_weight`` where a cross-encoder's
    stage had too few held-back pairs to check it (nothing vouches for its labels there)."""
    recipe = context.recipe
    if recipe.unchecked_cross_label_weight == "same":
        return recipe.cross_label_weight
    pairs = label_count(state.cross_train_labels or state.bi_labels)
    checked = all(
        checks_run(context.settings(k, "cross"), pairs, recipe.held_back)
        for k in range(context.count)
    )
    return recipe.cross_label_weight if checked else recipe.unchecked_cross_label_weight


def mix_labels(context, state) -> None:
    weight = cross_label_weight(context, state)
    if weight >= 1:  # pure cross labels, as published: nothing to mix
        return
    if weight == 0 and state.bi_pool_labels is not None:
        # [bi] unchecked_pair_pool: the pool's bi labels are the targets, the corpus's first
        state.targets = state.bi_pool_labels
        return
    output = state.folder / BI_TARGETS
    # the targets so far: the cross-encoder's labels, or after label-late the cascade's
    config = mix.MixConfig(
        cross=state.targets, bi=state.bi_labels, output=output, cross_weight=weight
    )
    context.runner.run_stage("mix-labels", state.number, state.folder, "mix-labels", mix, config)
    state.targets = output


def train_bi_step(context, state) -> None:
    recipe = context.recipe
    starts = {"initial": context.initial_bis, "start": context.start_bis}.get(
        recipe.bi_round_start, state.bis
    )
    # objectives that need the live teacher get this model's cross-encoder
    live_teacher = objectives.get(recipe.bi_loss, "bi").needs == "teacher"
    state.bis = train_each(
        context,
        state,
        "train-bi",
        "bi",
        train_bi,
        lambda k, output, seed: train_bi.TrainBiConfig(
            model=starts[k],
            labels=state.targets,
            output=output,
            settings=context.settings(k, "bi"),
            seed=seed,
            held_back=recipe.held_back,
            show_progress=context.config.show_progress,
            loss=recipe.bi_loss,
            loss_params=recipe.bi_loss_params,
            dual_reg=recipe.bi_dual_reg,
            start_anchor=recipe.bi_start_anchor,
            teacher=state.crosses[k] if live_teacher else None,
        ),
    )


def _live_teacher(recipe) -> tuple[str, ...]:
    return ("crosses",) if objectives.get(recipe.bi_loss, "bi").needs == "teacher" else ()


# --- after every round -------------------------------------------------------------------------


def eval_round(context, state) -> None:
    tasks = {**context.benchmarks, **(context.stsb_dev or {})}
    if not tasks and not context.gold:
        return
    models = named("bi", state.bis) + named("cross", state.crosses) + named("late", state.lates)
    metrics = evaluate_models(context, "eval", state.number, state.folder, models, tasks)
    add_rows(context, f"round {state.number}", metrics)
    selecting = ["stsb-dev"] if context.stsb_dev is not None else []
    selecting += selection_sets(context.config, context.gold)
    if selecting:  # the round is chosen on these: the bi-encoders' mean over them
        context.dev_scores[state.number] = float(
            np.mean([v[s] for k, v in metrics.items() if k.startswith("bi") for s in selecting])
        )


# --- the registry entries ----------------------------------------------------------------------

for _step in (
    Step("mine", "before", mine_step),
    Step("eval-start", "start", eval_start),
    Step("label-teacher", "start", label_teacher),
    Step("label-start", "start", label_start),
    Step("contrastive", "start", contrastive_step),
    Step("mine-pool", "start", mine_pool),
    Step("mine-bi-pool", "start", mine_bi_pool),
    Step("label-bi", "round", label_bi, gives=("bi_labels",)),
    Step("train-cross", "round", train_cross_step, ("bi_labels",), ("crosses",)),
    Step("label-cross", "round", label_cross, ("crosses",), ("cross_labels", "targets")),
    # a no-op at cross_label_weight 1; after label-late it mixes the cascade's targets
    Step("mix-labels", "round", mix_labels, ("bi_labels", "targets"), ("targets",)),
    Step("train-bi", "round", train_bi_step, ("targets",), ("bis",), 100, _live_teacher),
    # ERNIE-Search's cascade: cross -> late interaction -> bi
    Step("train-late", "round", train_late_step, ("cross_labels",), ("lates",), 50),
    Step("label-late", "round", label_late, ("lates", "cross_labels"), ("late_labels", "targets")),
    Step("eval", "after", eval_round),
):
    register(_step)
