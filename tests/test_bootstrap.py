"""The trans-encoder loop on disk: end to end, resume, mutual distillation, damaged files."""

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from sentence_transformers import CrossEncoder, SentenceTransformer

from transenc import bootstrap
from transenc.errors import DataError, TransencError
from transenc.labels import read_labels
from transenc.recipe import Recipe, TrainSettings
from transenc.stages import label, train_bi


def tiny_recipe(**overrides) -> Recipe:
    small = TrainSettings(
        epochs=1, batch_size=8, learning_rate=1e-4, warmup_ratio=0.1, max_length=16
    )
    values = dict(
        name="tiny",
        rounds=2,
        contrastive=True,
        seed=7,
        label_batch_size=16,
        contrastive_training=small,
        cross=small,
        bi=small,
    )
    values.update(overrides)
    return Recipe(**values)


def config(pairs_file, out, models, **overrides) -> bootstrap.BootstrapConfig:
    values = dict(
        pairs=str(pairs_file), out=out, models=[str(m) for m in models], recipe=tiny_recipe()
    )
    values.update(overrides)
    return bootstrap.BootstrapConfig(**values)


def label_bytes(run_dir) -> dict[str, bytes]:
    return {
        str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*_labels.tsv"))
    }


def test_end_to_end_two_rounds_with_eval(pairs_file, tiny_bi, mini_sts_dir, tmp_path):
    out = tmp_path / "run"
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], eval_data=mini_sts_dir))
    for r in (1, 2):
        for name in ("bi_labels.tsv", "cross_labels.tsv", "metrics.json"):
            assert (out / f"round-{r}" / name).is_file()
        frame = pd.read_csv(out / f"round-{r}" / "cross_labels.tsv", sep="\t", skiprows=1)
        assert list(frame.columns) == ["sentence1", "sentence2", "score"] and len(frame) == 48
        assert frame.score.between(0, 1).all()  # sigmoid outputs
    assert (out / "recipe.toml").is_file() and (out / "contrastive" / "bi").is_dir()
    manifest = json.loads((out / "round-1" / "train-cross.manifest.json").read_text())
    assert set(manifest) >= {"config", "inputs", "outputs", "seconds", "versions"}
    assert manifest["config"]["label_map"] == "clip"
    # final models load with the plain library classes and carry a model card
    SentenceTransformer(str(result.final_bi[0]), device="cpu").encode(["a man"])
    CrossEncoder(str(result.final_cross[0]), device="cpu").predict([("a man", "a dog")])
    assert "How it was made" in (result.final_cross[0] / "README.md").read_text()
    # per-round table: start, round 1, round 2; bi and cross
    assert {"start bi", "round 1 bi", "round 1 cross", "round 2 bi", "round 2 cross"} <= set(
        result.table
    )
    report = result.report.read_text()
    assert "| round 2 cross |" in report and "no gold label was read" in report


def test_resume_after_failure_gives_identical_labels(pairs_file, tiny_bi, tmp_path, monkeypatch):
    clean = tmp_path / "clean"
    bootstrap.run(config(pairs_file, clean, [tiny_bi]))

    interrupted = tmp_path / "interrupted"
    calls = {"n": 0}
    real_run = train_bi.run

    def failing_run(cfg):
        calls["n"] += 1
        if calls["n"] == 2:  # inside round 2's bi training
            raise KeyboardInterrupt("killed")
        return real_run(cfg)

    monkeypatch.setattr(train_bi, "run", failing_run)
    with pytest.raises(KeyboardInterrupt):
        bootstrap.run(config(pairs_file, interrupted, [tiny_bi]))
    assert not (interrupted / "round-2" / "bi").exists()
    assert not list(interrupted.rglob("*.tmp"))  # no half-written artifact left behind
    monkeypatch.setattr(train_bi, "run", real_run)

    resumed = bootstrap.run(config(pairs_file, interrupted, [tiny_bi]))
    assert resumed.stages_run == ["round-2/train-bi"]
    assert "round-1/train-cross" in resumed.stages_skipped
    assert label_bytes(interrupted) == label_bytes(clean)
    assert len(label_bytes(clean)) == 4


def test_mutual_distillation_two_sizes(pairs_file, tiny_bi, tiny_bi_small, tmp_path):
    out = tmp_path / "mutual"
    result = bootstrap.run(
        config(
            pairs_file,
            out,
            [tiny_bi, tiny_bi_small],
            recipe=tiny_recipe(rounds=1, contrastive=False),
        )
    )
    assert [p.name for p in result.final_bi] == ["bi-1", "bi-2"]
    assert [p.name for p in result.final_cross] == ["cross-1", "cross-2"]
    # the bi labels are the mean of the two models' own labels
    pairs = str(out / "pairs.tsv")
    single = [
        read_labels(
            label.run(label.LabelConfig([str(m)], pairs, tmp_path / f"{i}.tsv")).output
        ).scores
        for i, m in enumerate([tiny_bi, tiny_bi_small])
    ]
    averaged = read_labels(out / "round-1" / "bi_labels.tsv").scores
    np.testing.assert_allclose(averaged, (single[0] + single[1]) / 2, atol=1e-6)
    assert not np.allclose(single[0], single[1])
    small_hidden = SentenceTransformer(
        str(result.final_bi[1]), device="cpu"
    ).get_embedding_dimension()
    assert small_hidden == 16


def test_damaged_label_file_is_detected_and_redone(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    cfg = config(pairs_file, out, [tiny_bi], recipe=tiny_recipe(rounds=1, contrastive=False))
    bootstrap.run(cfg)
    labels = out / "round-1" / "bi_labels.tsv"
    original = labels.read_bytes()
    lines = labels.read_text().splitlines(keepends=True)
    labels.write_text("".join(lines[:-5]))  # truncated
    with pytest.raises(DataError, match="truncated: 43 of 48 pairs"):
        read_labels(labels)
    said = []
    again = bootstrap.run(cfg, say=said.append)
    assert any("[redo] round-1/label-bi" in line and "damaged" in line for line in said)
    assert labels.read_bytes() == original
    assert "round-1/train-cross" in again.stages_skipped  # same labels again: nothing downstream


def test_changed_recipe_is_refused_unless_forced(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    bootstrap.run(
        config(pairs_file, out, [tiny_bi], recipe=tiny_recipe(rounds=1, contrastive=False))
    )
    changed = tiny_recipe(rounds=1, contrastive=False, label_map="minmax")
    with pytest.raises(TransencError, match="different recipe"):
        bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=changed))
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=changed, force=True))
    assert result.stages_run == ["round-1/train-cross", "round-1/label-cross", "round-1/train-bi"]


def test_force_from_redoes_that_stage_and_after(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    cfg = config(pairs_file, out, [tiny_bi], recipe=tiny_recipe(rounds=2, contrastive=False))
    bootstrap.run(cfg)
    cfg.force_from = "round-2/label-cross"
    result = bootstrap.run(cfg)
    assert result.stages_run == ["round-2/label-cross", "round-2/train-bi"]
    with pytest.raises(TransencError, match="--force-from 'round-9/label-bi' unknown"):
        config(pairs_file, out, [tiny_bi], force_from="round-9/label-bi")


def test_a_foreign_directory_is_not_overwritten(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(TransencError, match="not a transenc run directory"):
        bootstrap.run(config(pairs_file, out, [tiny_bi]))
    assert (out / "notes.txt").read_text() == "mine"


def test_cross_encoder_start_is_refused(pairs_file, tiny_cross, tmp_path):
    with pytest.raises(TransencError, match="starts from bi-encoders"):
        config(pairs_file, tmp_path / "run", [tiny_cross])


def test_select_on_stsb_dev(pairs_file, tiny_bi, mini_sts_dir, tmp_path):
    out = tmp_path / "run"
    result = bootstrap.run(
        config(
            pairs_file,
            out,
            [tiny_bi],
            recipe=tiny_recipe(rounds=2, contrastive=False),
            select_on="stsb-dev",
            data_dir=mini_sts_dir,
        )
    )
    assert result.selected_round in (1, 2)
    assert "stsb-dev" in json.loads((out / "round-1" / "metrics.json").read_text())["bi"]
    assert json.loads((out / "run.json").read_text())["select_on"] == "stsb-dev"
    assert "STS-B dev by round" in result.report.read_text()
    chosen = out / f"round-{result.selected_round}" / "bi"
    assert (result.final_bi[0] / "model.safetensors").read_bytes() == (
        chosen / "model.safetensors"
    ).read_bytes()
    shutil.rmtree(out)


def test_killed_subprocess_resumes_to_identical_labels(pairs_file, tiny_bi, tmp_path):
    """A real kill (SIGKILL) in the middle of a stage, then the same command again."""
    import os
    import signal
    import subprocess
    import sys
    import time

    recipe = tmp_path / "tiny.toml"
    small = "epochs = 1\nbatch_size = 8\nlearning_rate = 1e-4\nmax_length = 16\n"
    recipe.write_text(
        "rounds = 2\ncontrastive = false\nseed = 7\n[cross]\n" + small + "[bi]\n" + small
    )

    def command(out):
        return [
            sys.executable,
            "-m",
            "transenc",
            "bootstrap",
            "--pairs",
            str(pairs_file),
            "--out",
            str(out),
            "-m",
            str(tiny_bi),
            "--recipe",
            str(recipe),
            "--no-progress",
        ]

    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    subprocess.run(command(clean), check=True, env=env, capture_output=True)
    process = subprocess.Popen(
        command(killed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 120
    while not (killed / "round-1" / "label-cross.manifest.json").exists():
        assert time.time() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # during round 1's bi training or just after
    process.wait()
    (killed / "round-1" / ".bi.abc.tmp").mkdir()  # as if killed while saving the model
    finished = subprocess.run(command(killed), env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert "[skip] round-1/label-cross" in finished.stdout
    # --no-progress into a file: no bar at all, the libraries' included
    assert "Computing widget examples" not in finished.stderr
    assert "\r" not in finished.stdout + finished.stderr
    assert label_bytes(killed) == label_bytes(clean)
    assert not list(killed.rglob("*.tmp"))


def test_bi_round_start_initial_trains_every_round_from_the_start_model(
    pairs_file, tiny_bi, tmp_path
):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=2, contrastive=False, bi_round_start="initial")
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    starts = [
        json.loads((out / f"round-{r}" / "train-bi.manifest.json").read_text())["input_paths"]
        for r in (1, 2)
    ]
    assert starts[0]["model"] == starts[1]["model"] == str(tiny_bi)
    # round 2's labels still come from round 1's bi-encoder
    label_inputs = json.loads((out / "round-2" / "label-bi.manifest.json").read_text())
    assert label_inputs["input_paths"]["models0"] == str(out / "round-1" / "bi")


def test_cross_label_weight_mixes_bi_targets(pairs_file, tiny_bi, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=False, cross_label_weight=0.25, bi_loss="cosent")
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    round_dir = out / "round-1"
    cross, bi = (
        read_labels(round_dir / "cross_labels.tsv"),
        read_labels(round_dir / "bi_labels.tsv"),
    )
    targets = read_labels(round_dir / "bi_targets.tsv")
    np.testing.assert_allclose(targets.scores, 0.25 * cross.scores + 0.75 * bi.scores, atol=1e-6)
    manifest = json.loads((round_dir / "train-bi.manifest.json").read_text())
    assert manifest["input_paths"]["labels"].endswith("bi_targets.tsv")
    assert manifest["config"]["loss"] == "cosent"
    assert "CoSENTLoss" in (round_dir / "bi" / "README.md").read_text()


def test_a_run_seeded_with_another_recipes_stages_redoes_only_what_differs(
    pairs_file, tiny_bi, tmp_path
):
    # bench.studies.bootstrap_quality --share-from: an objective comparison pays only for train-bi
    from transenc.pipeline.share import share_stages

    mse = config(pairs_file, tmp_path / "mse", [tiny_bi], recipe=tiny_recipe(rounds=1))
    bootstrap.run(mse)
    # a donor's stage that this recipe does not run (a cascade's) must not count in its seconds
    (mse.out / "round-1" / "train-late.manifest.json").write_text('{"seconds": 100.0}')
    cosent = config(
        pairs_file,
        tmp_path / "cosent",
        [tiny_bi],
        recipe=tiny_recipe(rounds=1, bi_loss="cosent"),
    )
    share_stages(mse.out, cosent, rounds=True)
    assert not (cosent.out / "round-1" / "train-late.manifest.json").exists()
    assert (cosent.out / "round-1" / "train-bi.manifest.json").exists()
    result = bootstrap.run(cosent)
    assert result.stages_skipped == [
        "contrastive/bi",
        "round-1/label-bi",
        "round-1/train-cross",
        "round-1/label-cross",
    ]
    assert result.stages_run == ["round-1/train-bi"]
    manifest = json.loads((cosent.out / "round-1" / "train-bi.manifest.json").read_text())
    assert manifest["config"]["loss"] == "cosent"
    assert label_bytes(cosent.out) == label_bytes(mse.out)


def test_a_rerun_evaluation_scores_only_the_models_that_changed(
    pairs_file, tiny_bi, mini_sts_dir, tmp_path, monkeypatch
):
    from transenc.pipeline.share import share_stages
    from transenc.stages import evaluation

    recipe = tiny_recipe(rounds=1, contrastive=False)
    mse = config(pairs_file, tmp_path / "mse", [tiny_bi], recipe=recipe, eval_data=mini_sts_dir)
    before = bootstrap.run(mse).table
    cosent = config(
        pairs_file,
        tmp_path / "cosent",
        [tiny_bi],
        recipe=tiny_recipe(rounds=1, contrastive=False, bi_loss="cosent"),
        eval_data=mini_sts_dir,
    )
    share_stages(mse.out, cosent, rounds=True)
    loaded = []
    real_load = evaluation.load_model
    monkeypatch.setattr(
        evaluation, "load_model", lambda path, kind: loaded.append(kind) or real_load(path, kind)
    )
    after = bootstrap.run(cosent)
    assert "round-1/eval" in after.stages_run
    assert loaded == ["bi"]  # the retrained bi-encoder only; the cross-encoder is unchanged
    assert after.table["round 1 cross"] == before["round 1 cross"]
    # forcing the evaluation scores every model again
    loaded.clear()
    bootstrap.run(dataclasses.replace(cosent, force_from="round-1/eval"))
    assert sorted(loaded) == ["bi", "cross"]
