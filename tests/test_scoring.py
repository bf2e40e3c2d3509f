"""The fast scoring paths must give the same numbers as the plain per-pair way."""

import numpy as np
from scipy.stats import spearmanr
from sentence_transformers import CrossEncoder, SentenceTransformer

from transenc.data import PairCorpus
from transenc.scoring import bi_scores, cross_scores

S1 = ["a man is playing a guitar", "a dog runs", "a man is playing a guitar", "kids play"]
S2 = ["a man plays guitar", "the cat sits", "the cat sits", "a man is playing a guitar"]


def test_bi_scores_equal_naive_cosine(tiny_bi):
    model = SentenceTransformer(str(tiny_bi), device="cpu")
    corpus = PairCorpus.from_pairs(S1, S2)
    naive = model.similarity_pairwise(model.encode(S1), model.encode(S2)).numpy()
    np.testing.assert_allclose(bi_scores(model, corpus), naive, atol=1e-5)


def test_cross_scores_equal_naive_predict(tiny_cross):
    model = CrossEncoder(str(tiny_cross), device="cpu")
    corpus = PairCorpus.from_pairs(S1, S2)
    forward = model.predict(list(zip(S1, S2, strict=True)))
    backward = model.predict(list(zip(S2, S1, strict=True)))
    np.testing.assert_allclose(cross_scores(model, corpus), forward, atol=1e-5)
    np.testing.assert_allclose(
        cross_scores(model, corpus, both_orders=True), (forward + backward) / 2, atol=1e-5
    )
    assert not np.allclose(forward, backward)  # the order matters, so averaging is real work


def test_bf16_scores_rank_like_fp32(tiny_bi, tiny_cross):
    # bf16 is the opt-in fast path: close to fp32 and ranking pairs the same way
    rng = np.random.default_rng(0)
    words = "a man dog cat plays runs sits guitar kids the is".split()
    sentences = [" ".join(rng.choice(words, rng.integers(2, 9))) for _ in range(60)]
    corpus = PairCorpus.from_pairs(sentences[:30], sentences[30:])
    bi = SentenceTransformer(str(tiny_bi), device="cpu")
    exact, fast = bi_scores(bi, corpus), bi_scores(bi, corpus, precision="bf16")
    assert np.abs(exact - fast).max() < 0.05
    assert spearmanr(exact, fast).statistic > 0.98
    cross = CrossEncoder(str(tiny_cross), device="cpu")
    exact = cross_scores(cross, corpus, both_orders=True)
    fast = cross_scores(cross, corpus, both_orders=True, precision="bf16")
    assert np.abs(exact - fast).max() < 0.05
    assert not np.array_equal(exact, fast)  # bf16 really ran
