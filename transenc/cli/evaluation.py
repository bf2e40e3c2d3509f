"""``eval-sts`` and ``pairs-info``: scoring a model, describing a corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from transenc.cli import parse_tasks, quiet_progress_bars, user_errors
from transenc.cli.app import app
from transenc.data.sts import STS_TASKS


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
