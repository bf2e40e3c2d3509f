import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from transenc.data import PairCorpus
from transenc.errors import DataError, TransencError
from transenc.labels import cosine_to_target, read_labels, write_labels
from transenc.manifest import ADDED, ROLE, RUNTIME
from transenc.recipe import Recipe, TrainSettings, load_recipe, shipped_recipes


def test_label_file_round_trip_with_awkward_sentences(tmp_path):
    corpus = PairCorpus.from_pairs(
        ['He said "no".', "tab\tinside", "comma, here"],
        ["x", "y", "#hash start"],
        [0.1234567, -0.5, 1.0],
    )
    path = write_labels(corpus, tmp_path / "labels.tsv")
    back = read_labels(path)
    assert back.pairs == corpus.pairs
    np.testing.assert_allclose(back.scores, corpus.scores, atol=1e-7)
    frame = pd.read_csv(path, sep="\t", skiprows=1, keep_default_na=False)  # plain pandas
    assert frame.sentence1.tolist() == corpus.sentence1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda t: t.replace("#transenc-labels\t1", "#transenc-labels\t2"),
            "format 2 is not supported",
        ),
        (lambda t: "sentence1\tsentence2\tscore\n" + t, "not a transenc pseudo-label file"),
        (lambda t: t.replace("0.2500000", "abc"), "score 'abc' is not a number"),
        (lambda t: t.rsplit("\n", 2)[0] + "\n", "truncated: 1 of 2 pairs"),
        (lambda t: t.replace("score", "label"), "header must be sentence1, sentence2, score"),
    ],
)
def test_damaged_label_files(tmp_path, mutate, message):
    path = write_labels(
        PairCorpus.from_pairs(["a", "b"], ["c", "d"], [0.5, 0.25]), tmp_path / "l.tsv"
    )
    path.write_text(mutate(path.read_text()))
    with pytest.raises(DataError, match=message):
        read_labels(path)


def test_label_maps():
    cosine = np.array([-0.2, 0.0, 0.5, 1.0])
    np.testing.assert_allclose(cosine_to_target(cosine, "clip"), [0, 0, 0.5, 1])
    np.testing.assert_allclose(cosine_to_target(cosine, "minmax"), [0, 0.2 / 1.2, 0.7 / 1.2, 1])


def test_shipped_recipes_load_and_round_trip(tmp_path):
    import tomllib

    assert {"published", "demo"} <= set(shipped_recipes())
    for name in shipped_recipes():
        recipe = load_recipe(name)
        again = Recipe.from_dict(tomllib.loads(recipe.to_toml()))
        assert again == recipe and again.fingerprint() == recipe.fingerprint()
    published = load_recipe("published")
    assert (published.bi.max_length, published.bi.batch_size, published.bi.learning_rate) == (
        32,
        128,
        5e-5,
    )
    assert (published.cross.max_length, published.cross.batch_size) == (64, 32)
    assert published.cross.learning_rate == 2e-5 and published.cross.warmup_ratio == 0.1


def test_benchmark_recipes_still_load():
    # BENCHMARKS.md cites these files in its commands; a recipe key renamed or removed must not
    # leave them unreadable.
    paths = sorted((Path(__file__).parents[1] / "bench" / "recipes").glob("*.toml"))
    assert paths
    names = [load_recipe(path).name for path in paths]
    assert len(set(names)) == len(names)


def test_recipe_file_errors(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("rounds = 2\n[cross]\nepochs = 2\nlr = 1\n")
    with pytest.raises(TransencError, match=r"unknown key\(s\) in \[cross\]: lr"):
        load_recipe(path)
    path.write_text("rounds = 0\n")
    with pytest.raises(TransencError, match="rounds must be at least 1"):
        load_recipe(path)
    path.write_text("label_map = 'sigmoid'\n")
    with pytest.raises(TransencError, match="label_map 'sigmoid' unknown"):
        load_recipe(path)
    with pytest.raises(TransencError, match="unknown recipe 'nope'"):
        load_recipe("nope")
    path.write_text("[bi]\nprecision = 'fp16'\n")
    with pytest.raises(TransencError, match=r"\[bi\] precision must be one of auto, fp32, bf16"):
        load_recipe(path)
    path.write_text("label_precision = 'int8'\n")
    with pytest.raises(TransencError, match=r"\[label\] precision must be one of"):
        load_recipe(path)
    path.write_text("bi_round_start = 'first'\n")
    with pytest.raises(
        TransencError, match=r"\[bi\] round_start 'first' unknown; use one of previous"
    ):
        load_recipe(path)


def test_recipe_file_overrides_defaults(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("rounds = 2\n[cross]\nepochs = 2\n")
    recipe = load_recipe(path)
    assert recipe.name == "mine" and recipe.rounds == 2 and recipe.cross.epochs == 2
    assert recipe.cross.learning_rate == 2e-5  # untouched keys keep their defaults


def test_mix_labels_needs_the_same_pairs():
    from transenc.labels import mix_labels

    a = PairCorpus.from_pairs(["a", "b"], ["c", "d"], [1.0, 0.0])
    b = PairCorpus.from_pairs(["a", "b"], ["c", "d"], [0.0, 1.0])
    np.testing.assert_allclose(mix_labels(a, b, 0.75).scores, [0.75, 0.25])
    with pytest.raises(DataError, match="pairs differ"):
        mix_labels(a, PairCorpus.from_pairs(["a", "x"], ["c", "d"], [0.0, 1.0]), 0.5)


def test_bi_loss_key():
    default = load_recipe("cpu")
    cosent = default.with_overrides(bi_loss="cosent")
    assert cosent.fingerprint() != default.fingerprint()
    # at their defaults, keys added later are left out of the fingerprint: runs made before
    # they existed still resume
    from transenc.recipe import _KEYS_ADDED_LATER, TRAIN_SECTIONS

    data = default.to_dict()
    for key in ("name", *_KEYS_ADDED_LATER):
        del data[key]
    # and so are a training section's keys added later (min_steps, keep_best, ...)
    added = {
        spec.name: spec.default
        for spec in dataclasses.fields(TrainSettings)
        if spec.metadata.get(ROLE) == ADDED
    }
    assert {"min_steps", "max_passes", "keep_best", "check_every", "patience"} <= set(added)
    runtime = [s.name for s in dataclasses.fields(TrainSettings) if s.metadata.get(ROLE) == RUNTIME]
    assert runtime == ["length_chunk"]  # how a stage runs is never in it, set or not
    for section in TRAIN_SECTIONS:
        for key, value in added.items():
            if section in data and data[section][key] == value:
                del data[section][key]
        for key in runtime:
            data.get(section, {}).pop(key, None)
    assert (
        default.fingerprint()
        == hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    )
    with pytest.raises(
        TransencError, match=r"\[bi\] loss 'l1' unknown; use one of cosine-mse, cosent"
    ):
        default.with_overrides(bi_loss="l1")
