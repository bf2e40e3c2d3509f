"""Experiment: a bi-encoder's token embeddings as a late-interaction teacher (BERTScore-style
greedy matching, the middle step of ERNIE-Search's cascade) on the benchmark's pairs: how well
does it rank them alone, and does it add to a pseudo-label file as a third teacher?

    python -m bench.experiments.late_interaction [MODEL] [--mix LABELS.tsv]

Per pair: each token's best cosine in the other sentence, averaged per direction (recall and
precision over the sentences' word pieces, special tokens left out), then their harmonic mean.
With ``--mix``, the file's scores and the late-interaction scores are standardised (each to mean
0, sd 1) and mixed at a few weights.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from transenc.data.corpus import PairCorpus
from transenc.evaluate import format_table, load_tasks, spearman_of_scores
from transenc.labels import scores_for_pairs
from transenc.models import load_bi_encoder

WEIGHTS = (0.1, 0.2, 0.3)


def token_embeddings(model, sentences: list[str]) -> list[torch.Tensor]:
    """Unit-length embeddings of each sentence's word pieces, without [CLS] and [SEP]."""
    encoded = model.encode(sentences, output_value="token_embeddings", batch_size=128)
    lengths = [len(ids) for ids in model.tokenizer(sentences)["input_ids"]]
    return [
        # min(): encode() truncates to the model's max_seq_length, the tokenizer call does not
        torch.nn.functional.normalize(tokens.float()[1 : min(length, len(tokens)) - 1], dim=-1)
        for tokens, length in zip(encoded, lengths, strict=True)
    ]


def greedy_match_f1(first: torch.Tensor, second: torch.Tensor) -> float:
    if len(first) == 0 or len(second) == 0:
        return 0.0
    similarity = first @ second.T
    recall = similarity.max(dim=1).values.mean()
    precision = similarity.max(dim=0).values.mean()
    return float(2 * recall * precision / (recall + precision))


def standardised(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean()) / scores.std()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default="default")
    parser.add_argument("--mix", type=Path, help="a pseudo-label file over the benchmark pairs")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    args = parser.parse_args()

    tasks = load_tasks(args.data_dir)
    pairs = PairCorpus.concat(tasks.values())
    tokens = token_embeddings(load_bi_encoder(args.model), pairs.sentences)
    pair_indices = zip(pairs.index1, pairs.index2, strict=True)
    late = np.array([greedy_match_f1(tokens[i], tokens[j]) for i, j in pair_indices])
    rows = {"late interaction": spearman_of_scores(tasks, late)}
    if args.mix:
        mixed, late_standardised = (
            standardised(scores_for_pairs(args.mix, pairs.pairs)),
            standardised(late),
        )
        rows[str(args.mix)] = spearman_of_scores(tasks, mixed)
        for weight in WEIGHTS:
            rows[f"{weight} x late + {1 - weight:.1f} x file"] = spearman_of_scores(
                tasks, weight * late_standardised + (1 - weight) * mixed
            )
    print(format_table(rows))


if __name__ == "__main__":
    main()
