"""``mine-pairs``: plain sentences into the pairs the loop learns from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from transenc.cli import progress_wanted, user_errors
from transenc.cli.app import app
from transenc.cli.options import ProgressOption

SentencesArgument = Annotated[
    Path,
    typer.Argument(
        dir_okay=False,
        help="Sentences: a .txt file (one a line), or TSV/CSV/JSONL with a 'sentence' or 'text' "
        "column; .gz for any.",
    ),
]
ColumnOption = Annotated[
    str | None, typer.Option(help="The sentence column [default: sentence, else text].")
]
NeighboursOption = Annotated[
    int, typer.Option(min=0, help="Nearest neighbours each sentence is paired with (cosine).")
]
RandomOption = Annotated[int, typer.Option(min=0, help="Random partners of each sentence.")]
MaxPairsOption = Annotated[
    int, typer.Option(min=0, help="Keep a seeded random subset of at most this many (0: all).")
]


@app.command("mine-pairs")
def mine_pairs_command(
    sentences: SentencesArgument,
    out: Annotated[Path, typer.Option(dir_okay=False, help="Pair file to write (TSV).")],
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Bi-encoder(s) whose cosine finds the neighbours; several: their mean cosine.",
        ),
    ] = None,
    column: ColumnOption = None,
    neighbours: NeighboursOption = 3,
    random: RandomOption = 1,
    max_pairs: MaxPairsOption = 0,
    seed: Annotated[int, typer.Option(help="Seed of the random partners and the cap.")] = 42,
    batch_size: Annotated[int, typer.Option(min=1, help="Encoding batch size.")] = 64,
    precision: Annotated[str, typer.Option(help="fp32, bf16 or auto.")] = "fp32",
    search: Annotated[
        str,
        typer.Option(
            help="Neighbour search: torch (blocked matmul) or faiss (its exact index; needs "
            "faiss-cpu; slower on a small CPU)."
        ),
    ] = "torch",
    progress: ProgressOption = None,
) -> None:
    """Pair every distinct sentence with its nearest neighbours and with random partners, so
    that the pairs span the similarity range; writes a corpus `bootstrap --pairs` reads."""
    from transenc.stages import mine

    progress = progress_wanted(progress)
    with user_errors():
        result = mine.run(
            mine.MineConfig(
                sentences=sentences,
                models=model or ["default"],
                output=out,
                column=column,
                neighbours=neighbours,
                random=random,
                max_pairs=max_pairs,
                seed=seed,
                batch_size=batch_size,
                precision=precision,
                search=search,
                show_progress=progress,
            )
        )
    typer.echo(result.summary())
