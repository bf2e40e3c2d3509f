"""Experiment: a teacher that does not descend from the pretrained model. Scores every pair of a
corpus by the TF-IDF cosine of its two sentences (words, or character 2-4-grams) and writes a
pseudo-label file, to mix into a round's targets with ``bench.experiments.label_quality``:

    python -m bench.experiments.lexical_teacher --pairs eval-pairs --out lexical-word.tsv
    python -m bench.experiments.label_quality "0.9*RUN/round-1/bi_targets.tsv+0.1*lexical-word.tsv"

The vectoriser is fitted on the corpus's own distinct sentences (no gold score is read).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from transenc.data import resolve_corpus
from transenc.labels import write_labels

ANALYZERS = {
    "word": {"analyzer": "word", "sublinear_tf": True},
    "char": {"analyzer": "char_wb", "ngram_range": (2, 4), "sublinear_tf": True},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", default="eval-pairs", help="corpus spec, as for transenc")
    parser.add_argument("--out", type=Path, required=True, help="pseudo-label file to write")
    parser.add_argument("--analyzer", choices=sorted(ANALYZERS), default="word")
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    args = parser.parse_args()

    corpus = resolve_corpus(args.pairs, data_dir=args.data_dir)
    vectors = TfidfVectorizer(**ANALYZERS[args.analyzer]).fit_transform(corpus.sentences)
    # TF-IDF rows are L2-normalised, so the row-wise dot product is the cosine.
    scores = vectors[corpus.index1].multiply(vectors[corpus.index2]).sum(axis=1)
    write_labels(corpus.with_scores(np.asarray(scores, dtype=np.float32).ravel()), args.out)
    print(f"{args.out}: {len(corpus)} pairs, mean score {float(np.mean(scores)):.3f}")


if __name__ == "__main__":
    main()
