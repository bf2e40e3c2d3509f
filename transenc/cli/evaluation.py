"""``eval``, ``eval-sts`` and ``pairs-info``: scoring a model, describing a corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from transenc.cli import parse_tasks, progress_wanted, user_errors
from transenc.cli.app import app
from transenc.data.sts import STS_TASKS

ModelArgument = Annotated[
    str,
    typer.Argument(help="Model folder, Hugging Face id, 'default' (all-MiniLM-L6-v2) or 'mpnet'."),
]
KindOption = Annotated[str, typer.Option(help="auto (from the folder's files), bi, cross or late.")]
DataDir = Annotated[
    Path | None,
    typer.Option(
        help="STS data directory [default: $TRANSENC_DATA, else ~/.local/share/transenc/sts, "
        "else the project's data/sts]."
    ),
]
BatchOption = Annotated[int, typer.Option(min=1, help="Encoding batch size.")]
MaxLengthOption = Annotated[
    int | None, typer.Option(min=1, help="Truncate inputs to this many tokens.")
]
OrdersOption = Annotated[
    bool,
    typer.Option(
        "--both-orders/--one-order",
        help="Cross-encoders: average the scores of (s1, s2) and (s2, s1), as bootstrap "
        "does, or score (s1, s2) only.",
    ),
]
TrainPairsOption = Annotated[
    str | None,
    typer.Option(
        help="The corpus the model was trained on: say how many of each set's pairs it "
        "holds (transductive, partly, inductive)."
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option(dir_okay=False, help="Write metrics as JSON to this file.")
]
ProgressOption = Annotated[bool, typer.Option(help="Show progress bars.")]


@app.command("eval")
def eval_gold(
    model: ModelArgument,
    gold: Annotated[
        list[str],
        typer.Option(
            help="A gold file (TSV/CSV/JSONL: sentence1, sentence2 and score for graded pairs, "
            "or label 0/1 for binary pairs; JSONL query, positive, negative lists for "
            "reranking) or an STS task (stsb, sickr, ..., sts for all seven); repeatable."
        ),
    ],
    kind: KindOption = "auto",
    data_dir: DataDir = None,
    batch_size: BatchOption = 64,
    max_seq_length: MaxLengthOption = None,
    both_orders: OrdersOption = True,
    train_pairs: TrainPairsOption = None,
    output: OutputOption = None,
    progress: ProgressOption = None,
) -> None:
    """Score a bi-, cross- or late-interaction model on your own gold sets: Spearman (graded),
    average precision (binary) or MAP (reranking) x100, with their other metrics."""
    from transenc import evaluate, gold_eval

    progress = progress_wanted(progress)
    with user_errors():
        config = gold_eval.GoldEvalConfig(
            model=model,
            gold=gold,
            kind=kind,
            data_dir=data_dir,
            batch_size=batch_size,
            max_seq_length=max_seq_length,
            both_orders=both_orders,
            train_pairs=train_pairs,
            output=output,
            show_progress=progress,
        )
        result = gold_eval.run(config)
    typer.echo(f"model: {result.model} ({result.kind}-encoder)")
    rows = {}
    for name, metrics in result.metrics.items():
        about = result.sets[name]
        rows[name] = {"kind": about["kind"], "size": about["size"], **metrics}
        if result.overlap:
            rows[name]["setting"] = result.overlap[name]["setting"]
    typer.echo(evaluate.format_table(rows))
    typer.echo("size: pairs (graded, binary) or queries (reranking); the first metric is primary")
    if config.output:
        typer.echo(f"written: {config.output}")


@app.command("eval-sts")
def eval_sts(
    model: ModelArgument,
    kind: KindOption = "auto",
    data_dir: DataDir = None,
    tasks: Annotated[
        str, typer.Option(help=f"Comma-separated tasks out of {','.join(STS_TASKS)}.")
    ] = ",".join(STS_TASKS),
    batch_size: BatchOption = 64,
    max_seq_length: MaxLengthOption = None,
    both_orders: OrdersOption = True,
    train_pairs: TrainPairsOption = None,
    output: OutputOption = None,
    progress: ProgressOption = None,
) -> None:
    """Spearman x100 of a bi- or cross-encoder on STS12-16, STS-B test and SICK-R test."""
    from transenc import evaluate

    progress = progress_wanted(progress)
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
