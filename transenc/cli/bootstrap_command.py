"""``bootstrap``: the whole loop from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from transenc import interrupts
from transenc.checkpoints import DEFAULT_CHECKPOINT_MINUTES
from transenc.cli import parse_tasks, progress_wanted, recipe_from, say, user_errors
from transenc.cli.app import app
from transenc.cli.data_commands import (
    ColumnOption,
    MaxPairsOption,
    NeighboursOption,
    RandomOption,
)
from transenc.cli.options import (
    CacheSentencesOption,
    ChunkPairsOption,
    DataDirOption,
    ProgressOption,
    RecipeOption,
    SeedOption,
)
from transenc.data.readers import DEFAULT_CHUNK_PAIRS
from transenc.data.sts import STS_TASKS
from transenc.embedding_cache import DEFAULT_CACHE_SENTENCES
from transenc.stages.mine import DEFAULT_NEIGHBOURS, DEFAULT_RANDOM

ModelOption = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help="Starting bi-encoder: a folder, hub id, 'default' (all-MiniLM-L6-v2) or 'mpnet' "
        "(all-mpnet-base-v2, see fetch-model); repeat for mutual distillation.",
    ),
]


@app.command()
def bootstrap(
    out: Annotated[Path, typer.Option(file_okay=False, help="Run directory (resumable).")],
    pairs: Annotated[
        str | None,
        typer.Option(
            help="Unlabeled pairs: a file, an STS data dir, 'pool', 'eval-pairs' or 'stsb:train'."
        ),
    ] = None,
    sentences: Annotated[
        Path | None,
        typer.Option(
            dir_okay=False,
            help="Or plain sentences (see mine-pairs): the run mines its pairs from them first.",
        ),
    ] = None,
    augment: Annotated[
        bool | None,
        typer.Option(
            "--augment/--no-augment",
            help="With --pairs: also mine pairs from their own sentences (--neighbours, "
            "--random) and train on both: more distinct pairs from the same text "
            "[default: the recipe's].",
        ),
    ] = None,
    column: ColumnOption = None,
    neighbours: NeighboursOption = DEFAULT_NEIGHBOURS,
    random: RandomOption = DEFAULT_RANDOM,
    mine_max_pairs: MaxPairsOption = 0,
    model: ModelOption = None,
    teacher: Annotated[
        list[str] | None,
        typer.Option(
            help="Frozen teacher (bi- or cross-encoder; repeatable): labels every round, "
            "never trained."
        ),
    ] = None,
    rounds: Annotated[int | None, typer.Option(min=1, help="Rounds [default: recipe's].")] = None,
    recipe: RecipeOption = None,
    eval_data: Annotated[
        Path | None,
        typer.Option(
            help="STS data dir, or 'sts' for the one found as --data-dir's default: evaluate "
            "both models after every round."
        ),
    ] = None,
    eval_tasks: Annotated[
        str, typer.Option(help="With --eval-data: the tasks to evaluate, comma-separated.")
    ] = ",".join(STS_TASKS),
    data_dir: DataDirOption = None,
    seed: SeedOption = None,
    contrastive: Annotated[
        bool | None,
        typer.Option("--contrastive/--no-contrastive", help="Run the SimCSE stage first."),
    ] = None,
    cross_start: Annotated[
        str | None,
        typer.Option(
            help="Where the cross-encoder starts: 'bi' (the bi-encoder's body, a fresh head), "
            "or a model: a folder, hub id or 'mpnet' (a larger body), or a cross-encoder "
            "trained elsewhere [default: the recipe's [cross] start].",
            show_default=False,
        ),
    ] = None,
    eval_gold: Annotated[
        list[str] | None,
        typer.Option(
            help="Your gold set (see `transenc eval --help`; NAME=FILE names it), evaluated at "
            "the start and after every round; repeatable."
        ),
    ] = None,
    select_on: Annotated[
        str,
        typer.Option(
            help="'last' round (no gold read), 'stsb-dev', or a gold file: the round whose "
            "bi-encoder scores best on it (reads that gold; recorded)."
        ),
    ] = "last",
    force_from: Annotated[
        str | None, typer.Option(help="Redo from this stage, e.g. round-2/train-cross.")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Accept a changed corpus, model list or recipe in --out.")
    ] = False,
    chunk_pairs: ChunkPairsOption = DEFAULT_CHUNK_PAIRS,
    cache_sentences: CacheSentencesOption = DEFAULT_CACHE_SENTENCES,
    checkpoint_minutes: Annotated[
        float,
        typer.Option(
            min=0,
            help="A training stage saves a checkpoint this often; after Ctrl-C the rerun "
            "resumes from it (0: no checkpoints, a cut-off stage starts again).",
        ),
    ] = DEFAULT_CHECKPOINT_MINUTES,
    progress: ProgressOption = None,
) -> None:
    """Run (or resume) the trans-encoder loop: bi -> cross -> bi, for several rounds."""
    from transenc import bootstrap as bootstrap_stage
    from transenc.evaluate import format_table

    progress = progress_wanted(progress)
    with user_errors():
        config = bootstrap_stage.BootstrapConfig(
            pairs=pairs or "",
            sentences=str(sentences) if sentences else None,
            augment=augment,
            sentence_column=column,
            neighbours=neighbours,
            random_partners=random,
            mine_max_pairs=mine_max_pairs,
            out=out,
            models=model or ["default"],
            teachers=teacher or [],
            recipe=recipe_from(recipe, rounds, seed, contrastive, cross_start),
            eval_data=eval_data,
            eval_tasks=parse_tasks(eval_tasks),
            data_dir=data_dir,
            select_on=select_on,
            eval_gold=eval_gold or [],
            force=force,
            force_from=force_from,
            show_progress=progress,
            label_chunk_pairs=chunk_pairs,
            cache_sentences=cache_sentences,
            checkpoint_minutes=checkpoint_minutes,
        )
        kept = f"the finished stages in {out}"
        with interrupts.announced(kept, lambda line: typer.echo(line, err=True)):
            result = bootstrap_stage.run(config, say=say)
    if result.table:
        typer.echo(format_table(with_gains(result.table)))
        typer.echo(bootstrap_stage.protocol_line(result))
    for label, row in result.fidelity.items():
        values = ", ".join(f"{name} {value:.4f}" for name, value in row.items())
        typer.echo(f"fidelity (label-free), {label}: {values}")
    typer.echo(f"report: {result.report}")
    for choice in result.deploy:  # the last word: what to use, from label-free signals
        typer.echo(choice.line())


def with_gains(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The per-round table plus, for every trained model, its last row minus its start row."""
    rows = dict(table)
    for label in table:
        if not label.startswith("start ") or label.startswith("start teacher"):
            continue
        name = label.removeprefix("start ")
        last = [row for row in table if row.endswith(f" {name}") and row != label]
        if last:
            rows[f"gain {name}"] = {
                task: table[last[-1]][task] - value
                for task, value in table[label].items()
                if task in table[last[-1]]
            }
    return rows
