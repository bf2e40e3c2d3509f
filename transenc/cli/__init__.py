"""The ``transenc`` command line: a thin typer layer over the library.

Each command validates its options, builds a config, calls one library function and prints a
summary. User errors (:class:`TransencError`) become one line on stderr and exit status 2.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from transenc import distributed
from transenc.cli.app import app  # noqa: E402
from transenc.errors import TransencError

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


def progress_wanted(progress: bool | None) -> bool:
    """``--progress``/``--no-progress`` as given, else bars only on a terminal; without them
    the libraries' bars are silenced too."""
    wanted = sys.stderr.isatty() if progress is None else progress
    if not wanted:
        quiet_progress_bars()
    return wanted


def quiet_progress_bars() -> None:
    """``--no-progress``: also the libraries' own bars (loading and saving weights)."""
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    disable_progress_bars()
    os.environ["TQDM_DISABLE"] = "1"  # tqdm bars created from now on in processes started here
    # sentence-transformers' model card draws its own bar ("Computing widget examples") with a
    # tqdm imported before this option was read: that one bar is turned off where it is made
    from functools import partial

    from sentence_transformers.base import model_card

    model_card.tqdm = partial(model_card.tqdm, disable=True)


def recipe_from(
    recipe: str | None,
    rounds: int | None,
    seed: int | None,
    contrastive: bool | None,
    cross_start: str | None = None,
):
    """The recipe a command's ``--recipe`` names, with the options it overrides."""
    from transenc.recipe import load_recipe

    return load_recipe(recipe).with_overrides(
        rounds=rounds, seed=seed, contrastive=contrastive, cross_start=cross_start
    )


def parse_tasks(value: str) -> tuple[str, ...]:
    return tuple(t.strip().lower() for t in value.split(",") if t.strip())


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    device: Annotated[
        str, typer.Option(help="auto (CUDA when present), cpu or cuda: where models run.")
    ] = "auto",
    threads: Annotated[
        int | None,
        typer.Option(
            help="CPU compute threads [default: $TRANSENC_THREADS, else the cores free now].",
            show_default=False,
        ),
    ] = None,
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
        from transenc import threads as compute_threads

        count = compute_threads.apply(threads)
        logging.getLogger(__name__).info("compute threads: %d", count)
    if not distributed.is_main():
        # rank 0 speaks for the run; the others' progress, warnings and summaries would
        # repeat it (their errors still show)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        logging.getLogger().setLevel(logging.ERROR)
        quiet_progress_bars()
    # transformers prints a load report for every fresh head; that is expected here.
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()


# the commands register themselves on the app when their modules are imported, in the order
# `transenc --help` lists them
for _module in (
    "evaluation",
    "data_commands",
    "bootstrap_command",
    "stage_commands",
    "model_commands",
):
    importlib.import_module(f"transenc.cli.{_module}")

from transenc.cli.bootstrap_command import with_gains  # noqa: E402

__all__ = ["app", "with_gains"]
