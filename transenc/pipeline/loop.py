"""``bootstrap``: the trans-encoder loop, its inputs checked first, its steps from the registry.

The steps before round 1 run once, then every round runs the recipe's round steps and the
steps that close a round (its evaluation); see :mod:`transenc.pipeline.steps`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from transenc import distributed, evaluate
from transenc.models import resolve_model
from transenc.pipeline import deploy, registry, rundir
from transenc.pipeline.config import (
    BootstrapConfig,
    BootstrapResult,
    check_models_load,
    gold_sets_of,
    stsb_dev_of,
)
from transenc.pipeline.report import write_fidelity, write_report
from transenc.pipeline.runner import Runner
from transenc.pipeline.state import RunContext, RunState
from transenc.stages.learn_labels import held_back_count

logger = logging.getLogger(__name__)


def run(config: BootstrapConfig, say: Callable[[str], None] | None = None) -> BootstrapResult:
    """Runs (or resumes) a bootstrap; ``say`` receives one line per stage."""
    say = (say or logger.info) if distributed.is_main() else _silent
    recipe, out = config.recipe, config.out
    # every input is read and checked before the run directory is created or changed
    benchmarks = (
        evaluate.load_tasks(config.eval_data, config.eval_tasks) if config.eval_data else {}
    )
    context = RunContext(config, Runner(config, say), None, benchmarks, stsb_dev_of(config))
    context.gold = gold_sets_of(config, benchmarks)
    context.teachers = check_models_load(config)
    state = RunState(bis=[resolve_model(m) for m in config.models])
    if config.mines:  # the pairs come from a first stage: mined (from sentences, or beside pairs)
        distributed.main_first(lambda: rundir.check_sentences(config))
        for name in registry.names("before"):
            context.runner.run_step(name, context, state)
    corpus = context.corpus = rundir.read_corpus(config)
    distributed.main_first(lambda: rundir.prepare(config, corpus))
    protocol = distributed.main_first(
        lambda: rundir.record_protocol(config, corpus, benchmarks, context.gold)
    )
    say(
        f"corpus {corpus.name}: {len(corpus)} pairs, {len(corpus.sentences)} distinct sentences; "
        f"{context.count} model(s); {recipe.rounds} round(s); recipe {recipe.name}"
    )
    for name in registry.names("start"):
        context.runner.run_step(name, context, state)
    for _ in range(recipe.rounds):
        state.next_round(out)
        for name in [*recipe.round_steps, *registry.names("after")]:
            context.runner.run_step(name, context, state)

    scores = context.dev_scores
    selected = max(scores, key=scores.get) if config.select_on != "last" else recipe.rounds
    final_bi, final_cross = distributed.main_first(
        lambda: rundir.publish_final(out, selected, context.count)
    )
    fidelity = distributed.main_first(lambda: write_fidelity(out, recipe.rounds, context.count))
    choices = distributed.main_first(
        lambda: deploy.recommend(
            out,
            fidelity,
            selected,
            final_bi,
            final_cross,
            config.models,
            held_back_count(len(corpus), recipe.held_back) if context.bi_pool else None,
        )
    )
    report = distributed.main_first(
        lambda: write_report(
            config,
            corpus,
            context.table,
            selected,
            scores,
            context.runner,
            protocol,
            fidelity,
            choices,
        )
    )
    say(f"final models (round {selected}): {', '.join(str(p) for p in final_bi + final_cross)}")
    runner = context.runner
    return BootstrapResult(
        out,
        final_bi,
        final_cross,
        selected,
        context.table,
        report,
        runner.ran,
        runner.skipped,
        f"{corpus.name} ({len(corpus)} pairs)",
        protocol,
        fidelity,
        dict(runner.seconds),
        choices,
    )


def _silent(line: str) -> None:
    """What processes other than rank 0 say: nothing (rank 0 speaks for the run)."""
