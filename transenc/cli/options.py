"""Options several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from transenc.data.readers import DEFAULT_CHUNK_PAIRS
from transenc.embedding_cache import DEFAULT_CACHE_SENTENCES

RecipeOption = Annotated[
    str | None, typer.Option(help="Shipped recipe name or a TOML file [default: published].")
]
SeedOption = Annotated[int | None, typer.Option(help="Random seed [default: recipe's].")]
DataDirOption = Annotated[
    Path | None, typer.Option(help="STS data dir for named corpora [default: as for eval-sts].")
]
ProgressOption = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Show progress bars [default: only when the output is a terminal, so that a log "
        "file holds lines, not carriage returns].",
        show_default=False,
    ),
]
ChunkPairsOption = Annotated[
    int, typer.Option(min=1, help="Labelling: pairs read, scored and written at a time.")
]
CacheSentencesOption = Annotated[
    int,
    typer.Option(
        min=0,
        help="Labelling: bi-encoder embeddings kept for sentences that recur across chunks "
        "(about 1.5 KiB each for MiniLM); past it they are recomputed.",
    ),
]
DEFAULTS = {"chunk_pairs": DEFAULT_CHUNK_PAIRS, "cache_sentences": DEFAULT_CACHE_SENTENCES}
