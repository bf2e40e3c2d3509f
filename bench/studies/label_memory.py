"""Benchmark: peak memory while labelling 10k, 100k and 300k pairs, streamed in chunks with a
bounded embedding cache against all at once (how labelling worked before it streamed).

The pairs are synthesised from the STS sentences, each sentence made new by a pair number, so
that a corpus of N pairs has 2N distinct sentences and nothing is shared between chunks (the
worst case for memory). Each labelling runs in a fresh process (``transenc label``, the embedded
all-MiniLM-L6-v2, precision auto) whose peak resident memory is read from the kernel.

    python -m bench.studies.label_memory --data-dir ../shared/data/sts
    python -m bench.studies.label_memory --quick    # 2k and 10k pairs
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import RESULTS_DIR, arguments, record
from transenc.data.sts import load_transductive_pool
from transenc.embedding_cache import DEFAULT_CACHE_SENTENCES

SIZES = (10_000, 100_000, 300_000)
QUICK_SIZES = (2_000, 10_000)
CHUNK_PAIRS = 50_000


def synthesise(sentences: list[str], pairs: int, path: Path, seed: int = 0) -> Path:
    import pandas as pd

    rng = random.Random(seed)
    rows = [
        (f"{rng.choice(sentences)} ({k})", f"{rng.choice(sentences)} ({k})") for k in range(pairs)
    ]
    # through pandas: STS sentences hold quotes, which a TSV must quote
    pd.DataFrame(rows, columns=["sentence1", "sentence2"]).to_csv(path, sep="\t", index=False)
    return path


def label_peak(corpus: Path, out: Path, chunk_pairs: int, cache: int) -> tuple[float, float]:
    """Peak RSS (GiB) and wall seconds of ``transenc label`` on ``corpus`` in a fresh process."""
    command = [
        sys.executable,
        "-m",
        "transenc",
        "label",
        "--pairs",
        str(corpus),
        "--out",
        str(out),
        "-m",
        "default",
        "--precision",
        "auto",
        "--no-progress",
        "--chunk-pairs",
        str(chunk_pairs),
        "--cache-sentences",
        str(cache),
    ]
    started = time.time()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.time() - started
    # the largest child this process has had: call it once per process (see _measured)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20, seconds


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    for mode in dict.fromkeys(r["mode"] for r in rows):
        points = [(r["pairs"], r["peak_rss_gib"]) for r in rows if r["mode"] == mode]
        axis.plot(*zip(*points, strict=True), marker="o", label=mode)
    axis.set_xlabel("pairs labelled")
    axis.set_ylabel("peak resident memory (GiB)")
    axis.set_title("transenc label, all-MiniLM-L6-v2")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    sentences = load_transductive_pool(args.data_dir).sentences
    sizes = QUICK_SIZES if args.quick else SIZES
    modes = {
        f"streamed ({CHUNK_PAIRS:,} pairs a chunk, cache {DEFAULT_CACHE_SENTENCES:,})": (
            CHUNK_PAIRS,
            DEFAULT_CACHE_SENTENCES,
        ),
        "all at once (as before)": (None, 0),
    }
    rows = []
    with tempfile.TemporaryDirectory(prefix="transenc-label-memory-") as tmp:
        for mode, (chunk, cache) in modes.items():
            for size in sizes:
                corpus = synthesise(sentences, size, Path(tmp) / f"pairs-{size}.tsv")
                peak, seconds = _measured(corpus, Path(tmp) / "labels.tsv", chunk or size, cache)
                rows.append(
                    {
                        "mode": mode,
                        "pairs": size,
                        "distinct_sentences": 2 * size,
                        "peak_rss_gib": round(peak, 2),
                        "seconds": round(seconds, 1),
                    }
                )
                print(rows[-1], flush=True)
    name = "label_memory" + ("-quick" if args.quick else "")
    plot(rows, RESULTS_DIR / f"{name}.png")
    record("label_memory", {"rows": rows, "plot": f"bench/results/{name}.png"}, args.quick)


def _measured(corpus: Path, out: Path, chunk_pairs: int, cache: int) -> tuple[float, float]:
    """:func:`label_peak` run from a fresh interpreter, so that the peak is this point's alone."""
    code = (
        "import json, sys; from pathlib import Path; "
        "from bench.studies.label_memory import label_peak; "
        f"print(json.dumps(label_peak(Path({str(corpus)!r}), Path({str(out)!r}), "
        f"{chunk_pairs}, {cache})))"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    peak, seconds = done.stdout.strip().splitlines()[-1].strip("[]").split(",")
    return float(peak), float(seconds)


if __name__ == "__main__":
    main()
