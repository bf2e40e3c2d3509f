"""Study: time and peak memory of mining pairs from N sentences (``transenc.mining``).

The neighbour search runs on N random unit vectors of MiniLM's width (384), so its time and
memory are those of N real sentences' embeddings; encoding is timed on real sentences apart
(sentences per second of all-MiniLM-L6-v2), so the total for N sentences is the two added. A
size too large to run here is projected from the measured blocks.

    python -m bench.studies.mining_scale --sizes 100000 --project 1000000
"""

from __future__ import annotations

import argparse
import resource
import time

import torch

from bench.common import record
from transenc.mining import DEFAULT_BLOCK_COLS, DEFAULT_BLOCK_ROWS, mine


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def encode_rate(count: int = 2000) -> float:
    from transenc.models import load_bi_encoder, resolve_model

    model = load_bi_encoder(resolve_model("default"))
    words = "a man is playing guitar while the woman reads a long book in the park".split()
    sentences = [" ".join(words[k % 7 :] + words[: k % 5]) + f" {k}" for k in range(count)]
    started = time.time()
    model.encode(sentences, batch_size=64, normalize_embeddings=True)
    return count / (time.time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--project", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--neighbours", type=int, default=3)
    parser.add_argument("--random", type=int, default=1)
    args = parser.parse_args()
    rate = encode_rate()
    rows = []
    for n in args.sizes:
        embeddings = torch.nn.functional.normalize(torch.randn(n, 384), dim=1)
        started = time.time()
        mined = mine(embeddings, args.neighbours, args.random, seed=1)
        search = time.time() - started
        rows.append(
            {
                "sentences": n,
                "pairs": len(mined.first),
                "search_s": round(search, 1),
                "encode_s (MiniLM)": round(n / rate, 1),
                "total_s": round(search + n / rate, 1),
                "peak_rss_mib": round(peak_mib()),
                "measured": "yes",
            }
        )
        base_n, base_search = n, search
    for n in args.project:  # the search grows with n^2, encoding with n
        search = base_search * (n / base_n) ** 2
        embeddings_mib = n * 384 * 4 / 2**20
        block_mib = DEFAULT_BLOCK_ROWS * min(n, DEFAULT_BLOCK_COLS) * 4 / 2**20
        rows.append(
            {
                "sentences": n,
                "pairs": "",
                "search_s": round(search),
                "encode_s (MiniLM)": round(n / rate),
                "total_s": round(search + n / rate),
                "peak_rss_mib": f"about {round(embeddings_mib + block_mib + 1000)} (projected)",
                "measured": f"projected from {base_n}",
            }
        )
    record("mining_scale", {"rows": rows, "encode_sentences_per_s": round(rate, 1)})
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
