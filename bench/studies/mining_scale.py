"""Study: time and peak memory of mining pairs from N sentences (``transenc.mining``).

The neighbour search runs on N random unit vectors of MiniLM's width (384), so its time and
memory are those of N real sentences' embeddings; encoding is timed on real sentences apart
(sentences per second of all-MiniLM-L6-v2), so the total for N sentences is the two added. A
size too large to run here is projected: its search time from the largest measured size (it
grows with n^2), its peak memory along the line through the two largest (the embeddings and
the pairs grow with n; the similarity block does not once n passes its 65,536 columns, so
both sizes should).

Each size runs with each ``--searches`` (torch's blocked matmul; FAISS's exact index where
installed). The peak memory is the process's (``ru_maxrss``), so each size and search runs in
a fresh process of its own.

    python -m bench.studies.mining_scale --sizes 70000 100000 --project 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch

from bench.common import record
from transenc.errors import TransencError
from transenc.mining import SEARCHES, check_search, mine


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


def _linear(points: list[tuple[int, float]], n: int) -> float:
    """The line through the last two (size, peak) points at ``n``: the embeddings and the
    pairs grow with the sentences, the similarity block does not (one point: through 0)."""
    if len(points) < 2:
        size, peak = points[-1]
        return peak * n / size
    (n1, p1), (n2, p2) = points[-2:]
    return p2 + (p2 - p1) / (n2 - n1) * (n - n2)


def _has_faiss() -> bool:
    try:
        check_search("faiss")
    except TransencError:
        return False
    return True


def measure(n: int, search: str, neighbours: int, random_partners: int) -> dict:
    """Mining N random unit vectors of MiniLM's width with one search: time, pairs, peak RSS."""
    embeddings = torch.nn.functional.normalize(
        torch.randn(n, 384, generator=torch.Generator().manual_seed(0)), dim=1
    )
    started = time.time()
    mined = mine(embeddings, neighbours, random_partners, seed=1, search=search)
    return {
        "pairs": len(mined.first),
        "search_s": round(time.time() - started, 1),
        "peak_rss_mib": round(peak_mib()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # both above the similarity block's 65,536 columns, so that the line between them is the
    # memory that grows with n (the embeddings, the pairs), not the block filling up
    parser.add_argument("--sizes", type=int, nargs="+", default=[70_000, 100_000])
    parser.add_argument("--project", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--neighbours", type=int, default=3)
    parser.add_argument("--random", type=int, default=1)
    parser.add_argument("--searches", nargs="+", default=["torch", "faiss"], choices=SEARCHES)
    parser.add_argument("--one", nargs=2, metavar=("N", "SEARCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a child process: one measurement, printed as JSON
        print(json.dumps(measure(int(args.one[0]), args.one[1], args.neighbours, args.random)))
        return
    rate = encode_rate()
    rows = []
    for search in args.searches:
        peaks: list[tuple[int, float]] = []
        if search == "faiss" and not _has_faiss():
            print("faiss is not installed: its rows are left out")
            continue
        for n in args.sizes:
            child = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.studies.mining_scale",
                    "--one",
                    str(n),
                    search,
                    "--neighbours",
                    str(args.neighbours),
                    "--random",
                    str(args.random),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            measured = json.loads(child.stdout.strip().splitlines()[-1])
            rows.append(
                {
                    "search": search,
                    "sentences": n,
                    "pairs": measured["pairs"],
                    "search_s": measured["search_s"],
                    "encode_s (MiniLM)": round(n / rate, 1),
                    "total_s": round(measured["search_s"] + n / rate, 1),
                    "peak_rss_mib": measured["peak_rss_mib"],
                    "measured": "yes",
                }
            )
            base_n, base_search = n, measured["search_s"]
            peaks.append((n, measured["peak_rss_mib"]))
        for n in args.project:  # the search grows with n^2, encoding with n
            search_s = base_search * (n / base_n) ** 2
            projected = _linear(peaks, n)
            rows.append(
                {
                    "search": search,
                    "sentences": n,
                    "pairs": "",
                    "search_s": round(search_s),
                    "encode_s (MiniLM)": round(n / rate),
                    "total_s": round(search_s + n / rate),
                    "peak_rss_mib": f"about {round(projected)} (projected)",
                    "measured": f"projected: time from {base_n} (n^2), memory from "
                    f"{' and '.join(str(size) for size, _ in peaks[-2:])} (linear)",
                }
            )
    record("mining_scale", {"rows": rows, "encode_sentences_per_s": round(rate, 1)})
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
