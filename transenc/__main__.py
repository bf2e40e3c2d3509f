"""``python -m transenc`` runs the command line."""

from transenc.cli import app

app()
