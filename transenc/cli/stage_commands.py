"""One command per stage of the loop: ``contrastive``, ``label``, ``mix-labels``,
``train-cross``, ``train-bi``, ``train-late``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from transenc import objectives
from transenc.cli import progress_wanted, recipe_from, user_errors
from transenc.cli.app import app
from transenc.cli.options import (
    CacheSentencesOption,
    ChunkPairsOption,
    DataDirOption,
    ProgressOption,
    RecipeOption,
    SeedOption,
)
from transenc.data.readers import DEFAULT_CHUNK_PAIRS
from transenc.embedding_cache import DEFAULT_CACHE_SENTENCES


@app.command("contrastive")
def contrastive_command(
    pairs: Annotated[str, typer.Option(help="Corpus whose distinct sentences are trained on.")],
    out: Annotated[Path, typer.Option(file_okay=False, help="Output model folder.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Starting encoder.")] = "default",
    recipe: RecipeOption = None,
    data_dir: DataDirOption = None,
    seed: SeedOption = None,
) -> None:
    """SimCSE-style dropout contrastive training of a bi-encoder."""
    from transenc.stages import contrastive

    with user_errors():
        chosen = recipe_from(recipe, None, seed, None)
        result = contrastive.run(
            contrastive.ContrastiveConfig(
                model=model,
                pairs=pairs,
                output=out,
                settings=chosen.contrastive_training,
                seed=chosen.seed,
                data_dir=data_dir,
                show_progress=True,
            )
        )
    typer.echo(
        f"{result.output}: {result.sentences} sentences, loss {result.train_loss:.4f}, "
        f"{result.seconds:.0f}s"
    )


@app.command("label")
def label_command(
    pairs: Annotated[str, typer.Option(help="Corpus to label.")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Pseudo-label file to write (TSV).")],
    model: Annotated[
        list[str], typer.Option("--model", "-m", help="Model(s); several are averaged.")
    ],
    kind: Annotated[str, typer.Option(help="auto, bi, cross or late (MaxSim).")] = "auto",
    both_orders: Annotated[
        bool, typer.Option(help="Cross-encoders: average both pair orders.")
    ] = True,
    batch_size: Annotated[int, typer.Option(min=1, help="Batch size.")] = 64,
    precision: Annotated[
        str,
        typer.Option(
            help="fp32 (exact), bf16 (about 2x faster on CPUs with AMX or AVX512-BF16, much "
            "slower on others) or auto (bf16 only where the device has it)."
        ),
    ] = "fp32",
    data_dir: DataDirOption = None,
    chunk_pairs: ChunkPairsOption = DEFAULT_CHUNK_PAIRS,
    cache_sentences: CacheSentencesOption = DEFAULT_CACHE_SENTENCES,
    progress: ProgressOption = None,
) -> None:
    """Score every pair with a bi-encoder (cosine) or cross-encoder and write pseudo-labels.

    A corpus file is read, scored and written in chunks, so memory does not grow with it."""
    from transenc.stages import label

    progress = progress_wanted(progress)
    with user_errors():
        result = label.run(
            label.LabelConfig(
                models=model,
                pairs=pairs,
                output=out,
                kind=kind,
                both_orders=both_orders,
                batch_size=batch_size,
                precision=precision,
                data_dir=data_dir,
                show_progress=progress,
                chunk_pairs=chunk_pairs,
                cache_sentences=cache_sentences,
            )
        )
    typer.echo(
        f"{result.output}: {result.pairs} pairs labelled by {', '.join(result.kinds)} "
        f"(mean {result.mean:.3f}, std {result.std:.3f}), {result.seconds:.0f}s"
    )


@app.command("mix-labels")
def mix_labels_command(
    cross: Annotated[Path, typer.Option(dir_okay=False, help="Cross-encoder pseudo-label file.")],
    bi: Annotated[
        Path, typer.Option(dir_okay=False, help="Bi-encoder pseudo-label file, same pairs.")
    ],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Mixed pseudo-label file to write.")],
    cross_weight: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Weight of the cross score (recipes' cross_label_weight)."
        ),
    ],
) -> None:
    """Bi-encoder targets as bootstrap mixes them: w x cross + (1 - w) x bi, pair by pair."""
    from transenc.stages import mix

    with user_errors():
        mixed = mix.run(mix.MixConfig(cross=cross, bi=bi, output=out, cross_weight=cross_weight))
    typer.echo(
        f"{out}: {mixed.pairs} pairs, {cross_weight:g} x cross + {1 - cross_weight:g} x bi "
        f"(mean {mixed.mean:.3f})"
    )


@app.command("train-cross")
def train_cross_command(
    labels: Annotated[Path, typer.Option(dir_okay=False, help="Bi-encoder pseudo-label file.")],
    out: Annotated[Path, typer.Option(file_okay=False, help="Output cross-encoder folder.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Starting model.")] = "default",
    recipe: RecipeOption = None,
    label_map: Annotated[str | None, typer.Option(help="clip or minmax [recipe's].")] = None,
    seed: SeedOption = None,
) -> None:
    """bi -> cross: train a cross-encoder on cosine labels with the recipe's objective (binary
    cross-entropy unless its [cross] loss names another)."""
    from transenc.stages import train_cross

    with user_errors():
        chosen = recipe_from(recipe, None, seed, None)
        result = train_cross.run(
            train_cross.TrainCrossConfig(
                model=model,
                labels=labels,
                output=out,
                label_map=label_map or chosen.label_map,
                both_orders=True,
                settings=chosen.cross,
                seed=chosen.seed,
                # a recipe's keep_best checks the pairs its held_back keeps out
                held_back=chosen.held_back,
                show_progress=True,
                loss=chosen.cross_loss,
                loss_params=chosen.cross_loss_params,
            )
        )
    typer.echo(result.summary())


@app.command("train-bi")
def train_bi_command(
    labels: Annotated[Path, typer.Option(dir_okay=False, help="Cross-encoder pseudo-label file.")],
    out: Annotated[Path, typer.Option(file_okay=False, help="Output bi-encoder folder.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Starting bi-encoder.")] = "default",
    recipe: RecipeOption = None,
    seed: SeedOption = None,
    loss: Annotated[
        str | None,
        typer.Option(help=f"{', '.join(objectives.names('bi'))} (default: the recipe's bi_loss)."),
    ] = None,
    teacher: Annotated[
        str | None,
        typer.Option(help="The cross-encoder, for losses that need it live (virt, kl-inbatch)."),
    ] = None,
) -> None:
    """cross -> bi: train a bi-encoder on cross-encoder labels through its cosine."""
    from transenc.stages import train_bi

    with user_errors():
        chosen = recipe_from(recipe, None, seed, None)
        result = train_bi.run(
            train_bi.TrainBiConfig(
                model=model,
                labels=labels,
                output=out,
                settings=chosen.bi,
                seed=chosen.seed,
                # a recipe's keep_best checks the pairs its held_back keeps out
                held_back=chosen.held_back,
                show_progress=True,
                loss=loss or chosen.bi_loss,
                loss_params=chosen.bi_loss_params if loss in (None, chosen.bi_loss) else {},
                dual_reg=chosen.bi_dual_reg,
                start_anchor=chosen.bi_start_anchor,
                teacher=teacher,
            )
        )
    typer.echo(result.summary())


@app.command("train-late")
def train_late_command(
    labels: Annotated[Path, typer.Option(dir_okay=False, help="Cross-encoder pseudo-label file.")],
    out: Annotated[Path, typer.Option(file_okay=False, help="Output late-interaction folder.")],
    model: Annotated[
        str,
        typer.Option(
            "--model", "-m", help="Starting late-interaction model, or a bi-encoder to build one."
        ),
    ] = "default",
    recipe: RecipeOption = None,
    seed: SeedOption = None,
    loss: Annotated[
        str | None,
        typer.Option(
            help=f"{', '.join(objectives.names('late'))} (default: the recipe's late_loss)."
        ),
    ] = None,
) -> None:
    """cross -> late interaction: train a MaxSim (ColBERT-style) model on cross-encoder labels,
    the first step of ERNIE-Search's cascade; label with it by `transenc label` (kind late)."""
    from transenc.stages import train_late

    with user_errors():
        chosen = recipe_from(recipe, None, seed, None)
        result = train_late.run(
            train_late.TrainLateConfig(
                model=model,
                labels=labels,
                output=out,
                settings=chosen.late,
                seed=chosen.seed,
                # a recipe's keep_best checks the pairs its held_back keeps out
                held_back=chosen.held_back,
                show_progress=True,
                loss=loss or chosen.late_loss,
                loss_params=chosen.late_loss_params if loss in (None, chosen.late_loss) else {},
            )
        )
    typer.echo(result.summary())
