"""The ``transenc`` command line: a thin typer layer over the library.

Each command validates its options, builds a config, calls one library function and prints a
summary. User errors (:class:`TransencError`) become one line on stderr and exit status 2.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from transenc.data.sts import STS_TASKS
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
    """Turns a TransencError into one line on stderr and exit status 2."""
    try:
        yield
    except TransencError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_USER_ERROR) from None


def parse_tasks(value: str) -> tuple[str, ...]:
    return tuple(t.strip().lower() for t in value.split(",") if t.strip())


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    """transenc: Trans-Encoder style self-distillation for sentence-pair models."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # transformers prints a load report for every fresh head; that is expected here.
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()


@app.command("eval-sts")
def eval_sts(
    model: Annotated[
        str, typer.Argument(help="Model folder, Hugging Face id, or 'default' (all-MiniLM-L6-v2).")
    ],
    kind: Annotated[
        str, typer.Option(help="auto (from the folder's files), bi or cross.")
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
        bool, typer.Option(help="Cross-encoders: average the scores of (s1, s2) and (s2, s1).")
    ] = False,
    output: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Write metrics as JSON to this file.")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Spearman x100 of a bi- or cross-encoder on STS12-16, STS-B test and SICK-R test."""
    from transenc import evaluate

    if not progress:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
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
        )
        result = evaluate.run(config)
    typer.echo(f"model: {result.model} ({result.kind}-encoder)   data: {result.data_dir}")
    pairs = {**result.pairs, evaluate.AVERAGE: sum(result.pairs.values())}
    typer.echo(evaluate.format_table({"spearman": result.spearman, "pairs": pairs}))
    if result.output:
        typer.echo(f"metrics written to {result.output}")


@app.command("pairs-info")
def pairs_info(
    corpus: Annotated[
        str,
        typer.Argument(
            help="A pair file (.tsv/.csv/.jsonl/.txt), an STS data dir, 'pool', or "
            "a named subset such as 'stsb:train'."
        ),
    ],
    data_dir: Annotated[
        Path | None, typer.Option(help="STS data directory for 'pool' and named subsets.")
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
