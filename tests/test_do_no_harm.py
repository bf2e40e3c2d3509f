"""Issue 40: the start model stays a teacher, and the run says what to deploy."""

import json

import numpy as np
import pytest
from test_bootstrap import config, tiny_recipe
from test_teachers import own_labels

from transenc import bootstrap
from transenc.labels import read_labels
from transenc.pipeline import deploy
from transenc.recipe import Recipe, load_recipe


def test_start_labels_join_the_labels_once_the_models_moved(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=2, contrastive=True, start_teacher=True)
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    start_file = out / "teachers" / "start.bi_labels.tsv"
    start = read_labels(start_file).scores
    # the start's labels are the untrained model's cosines, computed here independently
    np.testing.assert_allclose(
        start, own_labels(tiny_bi, out / "pairs.tsv", tmp_path / "s.tsv").scores, atol=1e-6
    )
    for r in (1, 2):  # SimCSE moved the model before round 1, training before round 2
        rdir = out / f"round-{r}"
        model = read_labels(rdir / "bi_labels.bi.tsv").scores
        combined = read_labels(rdir / "bi_labels.tsv").scores
        np.testing.assert_allclose(combined, (model + start) / 2, atol=1e-6)
        assert not np.allclose(model, start)
    assert "teachers/label-start" in result.stages_run


def test_start_labels_mixed_into_the_targets(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=True, start_teacher=True, cross_label_weight=0.5)
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    rdir = out / "round-1"
    start = read_labels(out / "teachers" / "start.bi_labels.tsv").scores
    simcse = read_labels(rdir / "bi_labels.bi.tsv").scores
    cross = read_labels(rdir / "cross_labels.tsv").scores
    targets = read_labels(rdir / "bi_targets.tsv").scores
    np.testing.assert_allclose(targets, 0.5 * cross + 0.25 * simcse + 0.25 * start, atol=1e-5)


def test_cross_weight_zero_trains_the_bi_encoder_on_its_round_labels(pairs_file, tiny_bi, tmp_path):
    # the cross-encoder still trains (the reranker); the bi-encoder learns start + SimCSE only
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=True, start_teacher=True, cross_label_weight=0.0)
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    rdir = out / "round-1"
    start = read_labels(out / "teachers" / "start.bi_labels.tsv").scores
    simcse = read_labels(rdir / "bi_labels.bi.tsv").scores
    cross = read_labels(rdir / "cross_labels.tsv").scores
    targets = read_labels(rdir / "bi_targets.tsv").scores
    np.testing.assert_allclose(targets, 0.5 * simcse + 0.5 * start, atol=1e-6)
    assert not np.allclose(targets, 0.5 * cross + 0.25 * simcse + 0.25 * start, atol=1e-4)
    assert (out / "final" / "cross").is_dir() and result.final_cross
    with pytest.raises(Exception, match=r"cross_label_weight must be in \[0, 1\]"):
        Recipe(cross_label_weight=-0.1)


@pytest.mark.parametrize(("min_checked_pairs", "cross_share"), [(2, 0.5), (1000, 0.0)])
def test_cross_labels_join_the_targets_only_where_the_cross_encoder_was_checked(
    pairs_file, tiny_bi, tmp_path, min_checked_pairs, cross_share
):
    # 48 pairs, 5 held back: checked with a floor of 2 held-back pairs, not with 1000
    from dataclasses import replace

    from transenc.recipe import TrainSettings

    settings = TrainSettings(
        epochs=1, batch_size=8, learning_rate=1e-4, max_length=16, keep_best=True
    )
    settings = replace(settings, check_every=2, min_checked_pairs=min_checked_pairs)
    recipe = tiny_recipe(
        rounds=1,
        contrastive=False,
        held_back=0.1,
        cross=settings,
        cross_label_weight=0.5,
        unchecked_cross_label_weight=0.0,
    )
    out = tmp_path / "run"
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    rdir = out / "round-1"
    bi = read_labels(rdir / "bi_labels.tsv").scores
    cross = read_labels(rdir / "cross_labels.tsv").scores
    targets = read_labels(rdir / "bi_targets.tsv").scores
    np.testing.assert_allclose(targets, cross_share * cross + (1 - cross_share) * bi, atol=1e-6)
    manifest = json.loads((rdir / "mix-labels.manifest.json").read_text())
    assert manifest["config"]["cross_weight"] == cross_share
    checks = json.loads((rdir / "train-cross.manifest.json").read_text())["metrics"]
    assert bool(checks.get("unchecked")) == (cross_share == 0)  # the stage's own verdict agrees


def test_unchecked_cross_label_weight_is_checked_and_same_by_default():
    assert Recipe().unchecked_cross_label_weight == "same"
    assert Recipe(unchecked_cross_label_weight=0).unchecked_cross_label_weight == 0.0
    for bad in (1.5, "half", True):
        with pytest.raises(Exception, match="unchecked_cross_label_weight"):
            Recipe(unchecked_cross_label_weight=bad)
    # a recipe made before the key existed keeps its fingerprint (resumable runs)
    assert Recipe().fingerprint() == Recipe(unchecked_cross_label_weight="same").fingerprint()
    assert load_recipe("adapt").unchecked_cross_label_weight == 0.0


def test_no_start_labels_where_the_models_are_the_start(pairs_file, tiny_bi, tmp_path):
    # one round, no SimCSE stage: round 1's labels already are the start's; nothing is added
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=False, start_teacher=True)
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    assert not (out / "teachers").exists()
    assert not list((out / "round-1").glob("bi_labels.*.tsv"))
    assert not any("label-start" in s for s in result.stages_run)


def test_start_teacher_is_a_label_key_and_off_unless_asked():
    assert Recipe().start_teacher is False
    adapt = load_recipe("adapt")
    assert adapt.start_teacher is True and adapt.contrastive is True
    assert adapt.bi_round_start == "start"  # SimCSE shapes the labels, not the weights
    assert "start_teacher = true" in adapt.to_toml()
    # a recipe made before the key existed keeps its fingerprint (resumable runs)
    assert Recipe().fingerprint() == Recipe(start_teacher=False).fingerprint()
    assert Recipe().fingerprint() != Recipe(start_teacher=True).fingerprint()
    with pytest.raises(Exception, match="start_teacher"):
        Recipe.from_dict({"format": 2, "label": {"start_teacher": "yes"}})


@pytest.mark.parametrize(
    ("row", "retrieval", "rerank", "start_kept"),
    [
        ({"bi held-back": 0.97, "cross held-back": 0.90}, "final/bi", "final/bi", False),
        ({"bi held-back": 0.96, "cross held-back": 0.98}, "final/bi", "final/cross", False),
        ({"bi held-back": 0.97, "cross held-back": 0.96}, "final/bi", "final/bi", False),
        ({"bi held-back": 0.91, "cross held-back": 0.97}, "default", "final/cross", True),
        ({"bi held-back": 0.91, "cross held-back": 0.80}, "default", "default", True),
    ],
)
def test_deploy_rule(row, retrieval, rerank, start_kept):
    choice = deploy.choose(row, 1, 0, "final/bi", "final/cross", "default")
    assert (choice.retrieval, choice.rerank, choice.start_kept) == (retrieval, rerank, start_kept)
    if start_kept:
        assert choice.line().startswith("deploy: the start model default (nothing here beat it)")
    else:
        assert choice.line().startswith("deploy: final/bi for retrieval")


def test_deploy_without_held_back_pairs_says_unchecked():
    choice = deploy.choose({"bi": 0.99}, 1, 0, "final/bi", "final/cross", "default")
    assert not choice.checked and choice.rerank == "final/cross" and "unchecked" in choice.line()


def test_a_run_ends_with_its_deploy_line(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=False, held_back=0.25)
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    (choice,) = result.deploy
    # 48 pairs hold back 12: too few to vouch for a trained model, so the start is named
    assert choice.start_kept and choice.retrieval == choice.rerank == str(tiny_bi)
    assert "only 12 pairs were held back" in choice.line()
    record = json.loads((out / deploy.DEPLOY_FILE).read_text())
    assert record["models"][0]["line"] == choice.line()
    assert choice.line() in result.report.read_text()


def test_too_few_held_back_pairs_cannot_vouch_for_a_trained_model():
    row = {"bi held-back": 0.99, "cross held-back": 0.99}
    few = deploy.choose(row, 1, 0, "final/bi", "final/cross", "default", held_pairs=49)
    enough = deploy.choose(row, 1, 0, "final/bi", "final/cross", "default", held_pairs=50)
    assert (few.retrieval, few.rerank, few.start_kept) == ("default", "default", True)
    assert (enough.retrieval, enough.rerank) == ("final/bi", "final/cross")


def test_bi_encoder_can_train_from_the_start_model_after_simcse(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=True, start_teacher=True, bi_round_start="start")
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    bi = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())
    cross = json.loads((out / "round-1" / "train-cross.manifest.json").read_text())
    # SimCSE shaped the labels (the cross-encoder starts from it) but not the bi-encoder's weights
    assert bi["input_paths"]["model"] == str(tiny_bi)
    assert cross["input_paths"]["model"] == str(out / "contrastive" / "bi")
    with pytest.raises(Exception, match="round_start"):
        Recipe(bi_round_start="simcse")


def test_the_cross_encoder_warm_starts_from_a_cross_encoder_made_here(
    pairs_file, tiny_bi, tiny_cross, tmp_path
):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=2, contrastive=False).with_overrides(cross_start=str(tiny_cross))
    assert "start = " in recipe.to_toml()
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    first = json.loads((out / "round-1" / "train-cross.manifest.json").read_text())
    second = json.loads((out / "round-2" / "train-cross.manifest.json").read_text())
    assert first["input_paths"]["model"] == str(tiny_cross)  # recorded in the manifest
    assert second["input_paths"]["model"] == str(out / "round-1" / "cross")  # then continues
    with pytest.raises(Exception, match="cross"):
        bootstrap.run(
            config(
                pairs_file,
                tmp_path / "other",
                [tiny_bi],
                recipe=recipe.with_overrides(cross_start=str(tmp_path / "missing")),
            )
        )
    assert not (tmp_path / "other").exists()  # refused before anything was written


def test_the_cross_encoder_trains_on_a_pool_of_mined_pairs(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=False, held_back=0.2).with_overrides(
        cross_pair_pool=3
    )
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    corpus = read_labels(out / "round-1" / "bi_labels.tsv")
    pool = read_labels(out / "round-1" / "cross_pool_labels.tsv")
    # the corpus's pairs first, as they are, then mined ones: no self-pair, none repeated
    assert pool.pairs[: len(corpus)] == corpus.pairs and len(pool) > len(corpus)
    assert len(pool) <= 3 * len(corpus)
    assert all(a != b for a, b in pool.pairs)
    assert len({frozenset(p) for p in pool.pairs}) == len(pool)
    np.testing.assert_allclose(pool.scores[: len(corpus)], corpus.scores, atol=1e-6)
    # the cross-encoder learnt the pool; the bi-encoder the corpus; labels cover the corpus
    cross = json.loads((out / "round-1" / "train-cross.manifest.json").read_text())
    bi = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())
    held = cross["metrics"]["held_back"]
    assert cross["metrics"]["pairs"] + held == len(pool)
    assert bi["metrics"]["pairs"] + bi["metrics"]["held_back"] == len(corpus)
    assert len(read_labels(out / "round-1" / "cross_labels.tsv")) == len(corpus)
    assert -1 <= result.fidelity["round 1"]["cross"] <= 1
    # the same seed mines the same pool
    again = tmp_path / "again"
    bootstrap.run(config(pairs_file, again, [tiny_bi], recipe=recipe))
    same = read_labels(again / "round-1" / "cross_pool_labels.tsv")
    assert same.pairs == pool.pairs
    with pytest.raises(Exception, match="pair_pool"):
        Recipe(cross_pair_pool=0.5)


def test_deploy_json_states_the_rule(tmp_path):
    choice = deploy.choose({"bi held-back": 0.99}, 1, 0, "final/bi", "final/cross", "default")
    deploy.recommend(tmp_path, {"round 1": {"bi held-back": 0.99}}, 1, ["b"], ["c"], ["d"])
    record = json.loads((tmp_path / deploy.DEPLOY_FILE).read_text())
    assert record["rule"] == deploy.RULE and str(deploy.FIDELITY_FLOOR) in record["rule"]
    assert choice.rerank == "final/bi"  # no cross-encoder signal: rerank with the bi-encoder


def test_the_pool_is_labelled_by_the_same_sources_as_the_corpus(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=True, start_teacher=True).with_overrides(
        cross_pair_pool=2
    )
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    corpus = read_labels(out / "round-1" / "bi_labels.tsv")  # SimCSE model and start, averaged
    pool = read_labels(out / "round-1" / "cross_pool_labels.tsv")
    assert pool.pairs[: len(corpus)] == corpus.pairs
    np.testing.assert_allclose(pool.scores[: len(corpus)], corpus.scores, atol=1e-5)
