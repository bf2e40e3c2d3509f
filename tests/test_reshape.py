"""The loop's structure: stages declared once, a round as a recipe's list of steps, objectives
in one registry."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_bootstrap import config, tiny_recipe

from transenc import bootstrap, objectives
from transenc.errors import TransencError
from transenc.pipeline.registry import check_recipe
from transenc.recipe import DEFAULT_ROUND_STEPS, Recipe
from transenc.stages.declare import declared, input_field, output_field, runtime_field
from transenc.stages.train_cross import TrainCrossConfig


def test_a_stage_declares_its_manifest(tmp_path, tiny_bi):
    labels = tmp_path / "labels.tsv"
    labels.write_text("x")
    cfg = TrainCrossConfig(str(tiny_bi), labels, tmp_path / "out", both_orders=False)
    settings, inputs, outputs = declared(cfg)
    assert inputs == {"model": tiny_bi, "labels": labels}
    assert outputs == {"output": tmp_path / "out"}
    assert settings["both_orders"] is False and "show_progress" not in settings
    assert set(settings) == {"label_map", "both_orders", "settings", "seed"}


def test_inputs_that_are_no_paths_are_settings(tmp_path):
    @dataclass
    class Toy:
        models: list = input_field()
        output: Path = output_field()
        quiet: bool = runtime_field(True)

    settings, inputs, _ = declared(Toy(["someone/hub-model", str(tmp_path)], tmp_path / "o"))
    assert settings == {"models0": "someone/hub-model"} and inputs == {"models1": tmp_path}


def test_round_steps_are_validated():
    assert Recipe().round_steps == DEFAULT_ROUND_STEPS
    with pytest.raises(TransencError, match="unknown step 'train-middle'"):
        check_recipe(Recipe(round_steps=["label-bi", "train-middle", "train-bi"]))
    with pytest.raises(TransencError, match="train-cross needs bi_labels from an earlier step"):
        check_recipe(Recipe(round_steps=["train-cross", "label-cross", "train-bi"]))
    with pytest.raises(TransencError, match="must end with a train-bi step"):
        check_recipe(Recipe(round_steps=["label-bi", "train-cross"]))


def test_a_recipe_changes_the_steps_of_a_round(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(
        rounds=1,
        contrastive=False,
        cross_label_weight=0.5,
        round_steps=["label-bi", "train-cross", "label-cross", "train-bi"],  # no mixing
    )
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    assert result.stages_run == [
        "round-1/label-bi",
        "round-1/train-cross",
        "round-1/label-cross",
        "round-1/train-bi",
    ]
    manifest = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())
    assert manifest["input_paths"]["labels"] == str(out / "round-1" / "cross_labels.tsv")
    assert not (out / "round-1" / "bi_targets.tsv").exists()


def test_objectives_registry():
    assert objectives.names("bi") == ["cosine-mse", "cosent", "kl-listwise", "kl-inbatch", "virt"]
    assert objectives.names("late") == ["maxsim-kl", "maxsim-mse"]
    assert objectives.get("cosine-mse", "bi").score_range == (-1.0, 1.0)
    assert objectives.get("cosent", "bi").needs == "labels"
    with pytest.raises(TransencError, match="bi-encoder loss 'bce' unknown"):
        objectives.get("bce", "bi")
    with pytest.raises(TransencError, match="unknown parameter.*temperature.*it takes none"):
        Recipe(bi_loss="cosent", bi_loss_params={"temperature": 0.05})


def test_the_recipe_does_not_import_the_pipeline():
    import subprocess
    import sys

    code = (
        "import sys, transenc.recipe; "
        "print(any(m.startswith('transenc.pipeline') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_bad_round_is_refused_by_the_pipeline_before_anything_is_written(pairs_file, tmp_path):
    recipe = Recipe(name="mine", round_steps=["label-bi", "train-middle", "train-bi"])
    with pytest.raises(TransencError, match="recipe mine round_steps: unknown step"):
        bootstrap.BootstrapConfig(pairs=str(pairs_file), out=tmp_path / "run", recipe=recipe)
    assert not (tmp_path / "run").exists()
