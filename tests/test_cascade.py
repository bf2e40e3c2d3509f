"""ERNIE-Search's cascade: cross -> late interaction (MaxSim) -> bi, on tiny models."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from test_bootstrap import config, label_bytes, tiny_recipe
from test_objectives import PAIRS, losses_while_training

from transenc import bootstrap, evaluate, objectives
from transenc.data import PairCorpus
from transenc.errors import TransencError
from transenc.labels import read_labels
from transenc.late_interaction import mean_maxsim, pair_scores
from transenc.models import detect_kind, load_late_encoder
from transenc.pipeline.registry import check_recipe
from transenc.recipe import CASCADE_ROUND_STEPS, Recipe
from transenc.scoring import late_scores

CASCADE = {"round_steps": CASCADE_ROUND_STEPS, "contrastive": False, "rounds": 1}


def test_mean_maxsim_by_hand():
    query = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [9.0, 9.0]]])  # last token is padding
    document = torch.tensor([[[0.6, 0.8], [1.0, 0.0]]])
    query_mask, document_mask = torch.tensor([[1, 1, 0]]), torch.tensor([[1, 1]])
    # token 1's best is 1.0 (document token 2), token 2's best is 0.8 (document token 1)
    assert float(mean_maxsim(query, query_mask, document, document_mask)) == pytest.approx(0.9)
    both = pair_scores(query, query_mask, document, document_mask)
    back = pair_scores(document, document_mask, query, query_mask)
    assert torch.allclose(both, back)  # the pair's order does not matter


def test_a_bi_encoder_becomes_a_late_interaction_model(tiny_bi, tmp_path):
    model = load_late_encoder(str(tiny_bi))
    corpus = PairCorpus.from_pairs([a for a, _ in PAIRS], [b for _, b in PAIRS])
    scores = late_scores(model, corpus, batch_size=3)
    swapped = late_scores(model, PairCorpus.from_pairs(corpus.sentence2, corpus.sentence1))
    assert scores.shape == (4,) and np.all(np.abs(scores) <= 1 + 1e-6)
    np.testing.assert_allclose(scores, swapped, atol=1e-6)
    model.save(str(tmp_path / "late"))
    assert detect_kind(str(tmp_path / "late")) == "late"
    again = late_scores(load_late_encoder(str(tmp_path / "late")), corpus)
    np.testing.assert_allclose(again, scores, atol=1e-6)


@pytest.mark.parametrize("name", ["maxsim-kl", "maxsim-mse"])
def test_each_late_objective_is_finite_and_falls(tiny_bi, name):
    torch.manual_seed(0)
    model = load_late_encoder(str(tiny_bi))
    objective = objectives.get(name, "late")
    values = losses_while_training(model, objective.build(model, objective.params()))
    assert all(np.isfinite(values))
    assert values[-1] < values[0] * 0.9


def test_cascade_recipe_is_validated():
    assert Recipe(**CASCADE).round_steps == CASCADE_ROUND_STEPS
    with pytest.raises(TransencError, match=r"\[late\] loss 'mse' unknown"):
        Recipe(late_loss="mse")
    with pytest.raises(TransencError, match="unknown parameter.*scale"):
        Recipe(late_loss="maxsim-kl", late_loss_params={"scale": 1})
    with pytest.raises(TransencError, match="label-late needs lates"):
        check_recipe(
            Recipe(round_steps=["label-bi", "train-cross", "label-cross", "label-late", "train-bi"])
        )
    with pytest.raises(TransencError, match=r"\[late\] label_weight"):
        Recipe(late_label_weight=0)


def test_cascade_round_on_disk_with_eval(pairs_file, tiny_bi, mini_sts_dir, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(**CASCADE, late_label_weight=0.5)
    result = bootstrap.run(
        config(pairs_file, out, [tiny_bi], recipe=recipe, eval_data=mini_sts_dir)
    )
    folder = out / "round-1"
    assert detect_kind(str(folder / "late")) == "late"
    assert (out / "final" / "late").is_dir()
    # the bi-encoder's targets: half late labels, half cross labels, each kept beside them
    late, cross = (read_labels(folder / f"late_labels.{n}.tsv") for n in ("late", "cross"))
    targets = read_labels(folder / "late_labels.tsv")
    np.testing.assert_allclose(targets.scores, (late.scores + cross.scores) / 2, atol=1e-6)
    assert "round 1 late" in result.table and "late" in (out / "report.md").read_text()
    scored = evaluate.run(evaluate.EvalConfig(str(folder / "late"), data_dir=mini_sts_dir))
    assert scored.kind == "late"
    assert scored.spearman["stsb"] == pytest.approx(result.table["round 1 late"]["stsb"], abs=1e-3)


def test_late_labels_can_join_the_mixed_targets(pairs_file, tiny_bi, tmp_path):
    # mix-labels after label-late mixes the cascade's targets with the bi labels
    steps = [*CASCADE_ROUND_STEPS[:-1], "mix-labels", "train-bi"]
    recipe = tiny_recipe(**{**CASCADE, "round_steps": steps}, cross_label_weight=0.25)
    out = tmp_path / "run"
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    folder = out / "round-1"
    late, bi = (read_labels(folder / name) for name in ("late_labels.tsv", "bi_labels.tsv"))
    targets = read_labels(folder / "bi_targets.tsv")
    np.testing.assert_allclose(targets.scores, 0.25 * late.scores + 0.75 * bi.scores, atol=1e-6)
    manifest = json.loads((folder / "train-bi.manifest.json").read_text())
    assert manifest["input_paths"]["labels"].endswith("bi_targets.tsv")


def test_cascade_killed_mid_round_resumes_to_identical_labels(
    pairs_file, tiny_bi, tmp_path, monkeypatch
):
    recipe = tiny_recipe(**CASCADE)
    clean = tmp_path / "clean"
    bootstrap.run(config(pairs_file, clean, [tiny_bi], recipe=recipe))
    interrupted = tmp_path / "interrupted"

    def killed(cfg):
        raise KeyboardInterrupt  # as if the process died while the late model trained

    with monkeypatch.context() as patch:
        patch.setattr(bootstrap.train_late, "run", killed)
        with pytest.raises(KeyboardInterrupt):
            bootstrap.run(config(pairs_file, interrupted, [tiny_bi], recipe=recipe))
    assert (interrupted / "round-1" / "cross_labels.tsv").is_file()
    assert not (interrupted / "round-1" / "late").exists()
    resumed = bootstrap.run(config(pairs_file, interrupted, [tiny_bi], recipe=recipe))
    assert "round-1/label-cross" in resumed.stages_skipped
    assert "round-1/train-late" in resumed.stages_run
    assert label_bytes(interrupted) == label_bytes(clean)


def test_train_late_and_label_late_from_the_command_line(pairs_file, tiny_bi, tmp_path):
    from typer.testing import CliRunner

    from transenc.cli import app
    from transenc.data.readers import read_pair_file
    from transenc.labels import write_labels

    corpus = read_pair_file(pairs_file)
    labels = write_labels(corpus.with_scores(np.linspace(0, 1, len(corpus))), tmp_path / "l.tsv")
    recipe = tmp_path / "r.toml"
    recipe.write_text("[late]\nepochs = 1\nbatch_size = 8\nmax_length = 16\n")
    runner = CliRunner()
    trained = runner.invoke(
        app,
        [
            "train-late",
            "--labels",
            str(labels),
            "--out",
            str(tmp_path / "late"),
            "-m",
            str(tiny_bi),
            "--recipe",
            str(recipe),
        ],
    )
    assert trained.exit_code == 0, trained.output
    labelled = runner.invoke(
        app,
        [
            "label",
            "--pairs",
            str(pairs_file),
            "--out",
            str(tmp_path / "late.tsv"),
            "-m",
            str(tmp_path / "late"),
            "--no-progress",
        ],
    )
    assert labelled.exit_code == 0, labelled.output
    assert "labelled by late" in labelled.output
    assert len(read_labels(tmp_path / "late.tsv")) == len(corpus)
