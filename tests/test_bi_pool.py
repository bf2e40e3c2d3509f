"""Issue 40: on a corpus too small for the bi-encoder's stage to check itself, it can train on a
pool of pairs mined from the corpus's own sentences ([bi] unchecked_pair_pool)."""

import json
from dataclasses import replace

import numpy as np
import pytest
from test_bootstrap import config, tiny_recipe

from transenc import bootstrap
from transenc.labels import read_labels
from transenc.pipeline import deploy
from transenc.recipe import Recipe, TrainSettings, load_recipe


def pool_recipe(min_checked_pairs: int, **overrides) -> Recipe:
    """48 pairs, 10% held back (5): the bi-encoder's stage checks itself only with a floor of
    5 held-back pairs or fewer."""
    bi = TrainSettings(epochs=1, batch_size=8, learning_rate=1e-4, max_length=16, keep_best=True)
    values = dict(
        rounds=1,
        contrastive=True,
        start_teacher=True,
        held_back=0.1,
        bi=replace(bi, check_every=2, min_checked_pairs=min_checked_pairs),
        cross_label_weight=0.0,
        bi_unchecked_pair_pool=3,
    )
    values.update(overrides)
    return tiny_recipe(**values)


def test_an_unchecked_bi_encoder_trains_on_the_pool(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=pool_recipe(50)))
    rdir = out / "round-1"
    corpus = read_labels(rdir / "bi_labels.tsv")  # the SimCSE model and the start, averaged
    pool = read_labels(rdir / "bi_pool_labels.tsv")
    # the corpus's pairs first, labelled as the corpus, then mined ones: none repeated
    assert pool.pairs[: len(corpus)] == corpus.pairs and len(corpus) < len(pool) <= 3 * len(corpus)
    assert len({frozenset(p) for p in pool.pairs}) == len(pool)
    np.testing.assert_allclose(pool.scores[: len(corpus)], corpus.scores, atol=1e-5)
    # the mined pairs are labelled by the same two sources, averaged: the start's cosines
    # computed here from the model as given
    from test_teachers import own_labels

    start = own_labels(tiny_bi, out / "bi-pool" / "pairs.tsv", tmp_path / "start.tsv").scores
    simcse = read_labels(rdir / "bi_pool_labels.bi-1.tsv").scores
    np.testing.assert_allclose(pool.scores, (simcse + start) / 2, atol=1e-5)
    bi = json.loads((rdir / "train-bi.manifest.json").read_text())
    assert bi["input_paths"]["labels"] == str(rdir / "bi_pool_labels.tsv")
    assert bi["metrics"]["pairs"] + bi["metrics"]["held_back"] == len(pool)
    assert not (rdir / "mix-labels.manifest.json").exists()
    # the cross-encoder still learns the corpus alone
    cross = json.loads((rdir / "train-cross.manifest.json").read_text())
    assert cross["metrics"]["pairs"] + cross["metrics"]["held_back"] == len(corpus)
    # the deploy line counts the corpus's 5 held-back pairs, not the pool's
    (choice,) = result.deploy
    assert choice.start_kept and "only 5 pairs were held back" in choice.line()


def test_a_bi_encoder_checked_on_the_corpus_gets_no_pool(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=pool_recipe(5)))
    assert not (out / "bi-pool").exists()
    bi = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())
    assert bi["input_paths"]["labels"] == str(out / "round-1" / "bi_targets.tsv")


def test_no_pool_targets_where_cross_labels_join_them(pairs_file, tiny_bi, tmp_path):
    # the cross-encoder's labels cover the corpus only: the bi-encoder learns the corpus's mix
    out = tmp_path / "run"
    recipe = pool_recipe(50, cross_label_weight=0.5)
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    rdir = out / "round-1"
    bi = json.loads((rdir / "train-bi.manifest.json").read_text())
    assert bi["input_paths"]["labels"] == str(rdir / "bi_targets.tsv")
    mix = json.loads((rdir / "mix-labels.manifest.json").read_text())
    assert mix["config"]["cross_weight"] == 0.5


def test_the_setting_is_checked_named_in_toml_and_off_by_default(tmp_path):
    assert Recipe().bi_unchecked_pair_pool == 1.0
    for bad in (0.5, True, "four", 2000):
        with pytest.raises(Exception, match="unchecked_pair_pool"):
            Recipe(bi_unchecked_pair_pool=bad)
    # a recipe made before the key existed keeps its fingerprint (resumable runs)
    assert Recipe().fingerprint() == Recipe(bi_unchecked_pair_pool=1).fingerprint()
    text = load_recipe("adapt").with_overrides(bi_unchecked_pair_pool=4).to_toml()
    assert "unchecked_pair_pool = 4" in text
    (tmp_path / "r.toml").write_text(text)
    assert load_recipe(tmp_path / "r.toml").bi_unchecked_pair_pool == 4.0


def test_deploy_counts_the_corpus_held_back_pairs_where_given(tmp_path):
    stage = tmp_path / "round-1"
    stage.mkdir()
    metrics = {"metrics": {"held_back": 500}}  # a pool's held-back pairs
    (stage / "train-bi.manifest.json").write_text(json.dumps(metrics))
    row = {"round 1": {"bi held-back": 0.99}}
    (pooled,) = deploy.recommend(tmp_path, row, 1, ["b"], ["c"], ["d"], corpus_held_back=20)
    (plain,) = deploy.recommend(tmp_path, row, 1, ["b"], ["c"], ["d"])
    assert pooled.start_kept and "only 20 pairs" in pooled.line()
    assert not plain.start_kept and plain.retrieval == "b"
