"""The one typer app every command module registers on."""

import typer

app = typer.Typer(
    name="transenc",
    help="Bootstrap better bi- and cross-encoders from unlabeled sentence pairs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
