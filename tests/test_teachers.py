"""Frozen teachers, per-source label files and weights, per-model training settings."""

import json

import numpy as np
import pytest
from test_bootstrap import config, tiny_recipe

from transenc import bootstrap
from transenc.errors import TransencError
from transenc.labels import read_labels, source_weights
from transenc.recipe import Recipe
from transenc.stages import label


def own_labels(model, pairs, output, kind="bi"):
    return read_labels(label.run(label.LabelConfig([str(model)], str(pairs), output, kind)).output)


def test_frozen_teacher_labels_join_the_bi_labels(
    pairs_file, tiny_bi, tiny_bi_small, mini_sts_dir, tmp_path
):
    out = tmp_path / "run"
    run_config = config(
        pairs_file,
        out,
        [tiny_bi],
        teachers=[str(tiny_bi_small)],
        recipe=tiny_recipe(rounds=2, contrastive=False),
        eval_data=mini_sts_dir,
    )
    result = bootstrap.run(run_config)
    teacher_file = out / "teachers" / "teacher-1.bi_labels.tsv"
    teacher = read_labels(teacher_file).scores
    np.testing.assert_allclose(
        teacher, own_labels(tiny_bi_small, out / "pairs.tsv", tmp_path / "t.tsv").scores
    )
    for r in (1, 2):
        rdir = out / f"round-{r}"
        model = read_labels(rdir / "bi_labels.bi.tsv").scores
        combined = read_labels(rdir / "bi_labels.tsv").scores
        np.testing.assert_allclose(combined, (model + teacher) / 2, atol=1e-6)
        assert read_labels(rdir / "bi_labels.teacher-1.tsv").scores.tolist() == teacher.tolist()
        # the cross labels have one source (no cross teacher): no per-source file
        assert not list(rdir.glob("cross_labels.*.tsv"))
        manifest = json.loads((rdir / "label-bi.manifest.json").read_text())
        assert manifest["metrics"]["weights"] == {"bi": 0.5, "teacher-1": 0.5}
    # round 2's model labels come from round 1's bi-encoder: the teacher's stay the same
    assert not np.allclose(
        read_labels(out / "round-1" / "bi_labels.bi.tsv").scores,
        read_labels(out / "round-2" / "bi_labels.bi.tsv").scores,
    )
    # the teacher is never trained, and it has its row in the report
    assert [p.name for p in result.final_bi] == ["bi"]
    report = result.report.read_text()
    assert "start teacher-1" in result.table and "| start teacher-1 |" in report
    assert f"- frozen teachers: `{tiny_bi_small}` (never trained)" in report
    # labelled once: a rerun skips everything; another teacher list is a different run
    again = bootstrap.run(run_config)
    assert again.stages_run == [] and "teachers/label-teacher-1" in again.stages_skipped
    with pytest.raises(TransencError, match="different teachers"):
        bootstrap.run(
            config(pairs_file, out, [tiny_bi], recipe=tiny_recipe(rounds=2, contrastive=False))
        )


def test_cross_teacher_joins_the_cross_labels_with_fixed_weights(
    pairs_file, tiny_bi, tiny_cross, tmp_path
):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=False, label_weights=[3, 1])
    bootstrap.run(config(pairs_file, out, [tiny_bi], teachers=[str(tiny_cross)], recipe=recipe))
    rdir = out / "round-1"
    own = read_labels(rdir / "cross_labels.cross.tsv").scores
    teacher = read_labels(out / "teachers" / "teacher-1.cross_labels.tsv").scores
    combined = read_labels(rdir / "cross_labels.tsv").scores
    np.testing.assert_allclose(combined, 0.75 * own + 0.25 * teacher, atol=1e-6)
    assert not list(rdir.glob("bi_labels.*.tsv"))  # one bi source


def test_weights_that_do_not_fit_the_sources_are_refused(pairs_file, tiny_bi, tiny_bi_small):
    recipe = tiny_recipe(label_weights=[1, 1, 1])
    with pytest.raises(TransencError, match="3 weights, but the bi labels have 2 sources"):
        config(pairs_file, "unused", [tiny_bi], teachers=[str(tiny_bi_small)], recipe=recipe)


def test_source_weights():
    a = np.arange(10.0)
    agree, noisy = a + 0.1, np.array([9, 0, 8, 1, 7, 2, 6, 3, 5, 4.0])
    equal = source_weights([a, agree], "agreement")  # two sources: nothing to tell them apart
    np.testing.assert_allclose(equal, [0.5, 0.5])
    weights = source_weights([a, agree, noisy], "agreement")
    assert weights.sum() == pytest.approx(1) and weights[2] < weights[0] == weights[1]
    np.testing.assert_allclose(source_weights([a, a], [1, 3]), [0.25, 0.75])


def test_label_weights_are_validated():
    for bad, message in [
        ("loud", r"\[label\] weights 'loud' unknown"),
        ([], "a name or a list"),
        ([1, -1], "number >= 0"),
        ([0, 0], "at least one weight must be positive"),
        ([1, True], "number >= 0"),
    ]:
        with pytest.raises(TransencError, match=message):
            Recipe(label_weights=bad)


def test_model_settings_reach_that_model_only(pairs_file, tiny_bi, tiny_bi_small, tmp_path):
    out = tmp_path / "run"
    recipe = Recipe.from_dict(
        {
            **tiny_recipe(rounds=1, contrastive=False).to_dict(),
            "model_settings": {str(tiny_bi_small): {"bi": {"batch_size": 4, "epochs": 2}}},
        }
    )
    assert recipe.settings_for(str(tiny_bi_small), "bi").epochs == 2.0
    bootstrap.run(config(pairs_file, out, [tiny_bi, tiny_bi_small], recipe=recipe))
    settings = [
        json.loads((out / "round-1" / f"train-bi-{k}.manifest.json").read_text())["config"][
            "settings"
        ]
        for k in (1, 2)
    ]
    assert settings[0]["batch_size"] == 8 and settings[1]["batch_size"] == 4
    cross = json.loads((out / "round-1" / "train-cross-2.manifest.json").read_text())
    assert cross["config"]["settings"]["batch_size"] == 8
    # the resolved recipe round-trips through its TOML file
    from transenc.recipe import load_recipe

    assert load_recipe(out / "recipe.toml") == recipe
    with pytest.raises(TransencError, match=r"unknown key\(s\) in \[model_settings.x.bi\]: speed"):
        Recipe.from_dict({"model_settings": {"x": {"bi": {"speed": 1}}}})
    with pytest.raises(TransencError, match="may only hold the tables"):
        Recipe.from_dict({"model_settings": {"x": {"middle": {}}}})
