"""Benchmark: the machine's matmul ceiling (GFLOP/s, torch) and the fraction labelling reaches.

Ceiling: square matrix products in fp32 and bf16 (the best of a few sizes). Labelling: the
embedded bi-encoder over the distinct sentences of the STS pool (or a sample) with
:func:`transenc.scoring.bi_scores`; its work is counted from the tokens the model really
processes (each sentence padded to the longest of its batch, as sentence-transformers batches
them), at 2 FLOPs per multiply-add of every linear layer plus attention's two products.

    python -m bench.suite.ceiling --data-dir ../shared/data/sts [--quick]
"""

from __future__ import annotations

import numpy as np
import torch
from sentence_transformers import SentenceTransformer

from bench.common import arguments, record, show, timed
from transenc.data.corpus import PairCorpus
from transenc.data.readers import resolve_corpus
from transenc.models import default_model_path
from transenc.scoring import bi_scores

BATCH_SIZE = 64


def matmul_gflops(dtype: torch.dtype, size: int, seconds: float = 2.0) -> float:
    a = torch.randn(size, size, dtype=dtype)
    b = torch.randn(size, size, dtype=dtype)
    torch.matmul(a, b)  # warm up
    _, elapsed = timed(lambda: torch.matmul(a, b))
    repeats = max(1, int(seconds / max(elapsed, 1e-6)))
    _, elapsed = timed(lambda: [torch.matmul(a, b) for _ in range(repeats)])
    return 2 * size**3 * repeats / elapsed / 1e9


def token_batches(model, sentences: list[str]) -> list[np.ndarray]:
    """Each batch's token lengths as encode() runs it: sorted by length, padded per batch."""
    tokenizer = model.tokenizer
    lengths = np.array(
        [min(len(ids), model.max_seq_length) for ids in tokenizer(sentences)["input_ids"]]
    )
    order = np.argsort([-len(s) for s in sentences], kind="stable")  # encode() sorts so too
    batches = [lengths[order[i : i + BATCH_SIZE]] for i in range(0, len(order), BATCH_SIZE)]
    return batches


def encoder_flops(model, sentences: list[str]) -> float:
    config = model[0].auto_model.config
    hidden, layers, inner = config.hidden_size, config.num_hidden_layers, config.intermediate_size
    batches = token_batches(model, sentences)
    total = 0.0
    for batch in batches:
        tokens, seq = len(batch) * batch.max(), batch.max()
        linear = 2 * tokens * (4 * hidden * hidden + 2 * hidden * inner)  # QKVO + feed-forward
        attention = 2 * 2 * tokens * seq * hidden  # QK^T and AV
        total += layers * (linear + attention)
    return total


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    threads = torch.get_num_threads()
    sizes = (256, 512, 1024) if args.quick else (256, 512, 1024, 2048)
    ceiling = {
        name: round(max(matmul_gflops(dtype, n) for n in sizes), 1)
        for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16))
    }
    corpus = resolve_corpus("pool", args.data_dir)
    if args.quick:
        corpus = corpus.sample(3000, seed=0)
    model = SentenceTransformer(str(default_model_path()), device="cpu")
    model.encode(["warm up"])
    sentences = list(corpus.sentences)
    flops = encoder_flops(model, sentences)
    pairs = PairCorpus.from_pairs(sentences, sentences)  # each sentence once
    rows = []
    for precision in ("fp32", "bf16"):
        _, seconds = timed(lambda p=precision: bi_scores(model, pairs, BATCH_SIZE, precision=p))
        achieved = flops / seconds / 1e9
        rows.append(
            {
                "precision": precision,
                "sentences": len(sentences),
                "seconds": round(seconds, 2),
                "achieved_gflops": round(achieved, 1),
                "ceiling_gflops": ceiling[precision],
                "fraction_of_ceiling": round(achieved / ceiling[precision], 3),
            }
        )
    figures = {
        "torch_threads": threads,
        "matmul_ceiling_gflops": ceiling,
        "model_gflop": round(flops / 1e9, 1),
        "rows": rows,
    }
    show(figures)
    record("ceiling", figures, args.quick)


if __name__ == "__main__":
    main()
