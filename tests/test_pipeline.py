"""The loop as a package: steps and objectives added from outside, old run directories, and the
inputs checked before anything is written."""

import json
import types
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from test_bootstrap import config, tiny_recipe
from test_robustness import fails, label_file

from transenc import bootstrap, objectives
from transenc.errors import TransencError
from transenc.labels import read_labels, write_labels
from transenc.pipeline import registry
from transenc.pipeline.registry import check_recipe
from transenc.recipe import CASCADE_ROUND_STEPS, Recipe
from transenc.stages.declare import input_field, output_field

PRE_RESHAPE = Path(__file__).parent / "data" / "pre_reshape"


# --- a toy step and a toy objective, registered from this file alone ---------------------------


@dataclass
class HalveConfig:
    """A toy stage: the targets, halved."""

    labels: Path = input_field()
    output: Path = output_field()


def halve(config: HalveConfig):
    corpus = read_labels(config.labels)
    write_labels(corpus.with_scores(corpus.scores / 2), config.output)
    return types.SimpleNamespace(pairs=len(corpus))


def halve_step(context, state) -> None:
    output = state.folder / "halved.tsv"
    stage = types.SimpleNamespace(run=halve)
    context.runner.run_stage(
        "halve", state.number, state.folder, "halve", stage, HalveConfig(state.targets, output)
    )
    state.targets = output


BUILT = []


@dataclass
class ToyParams:
    weight: float = 1.0


def build_toy(model, params, teacher=None):
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

    BUILT.append(params.weight)
    return CosineSimilarityLoss(model)


TOY_OBJECTIVE = types.SimpleNamespace(
    NAME="toy-mse",
    SIDE="bi",
    NEEDS="labels",
    DESCRIPTION="a toy",
    Params=ToyParams,
    build=build_toy,
    SCORE_RANGE=(-1.0, 1.0),
)


@pytest.fixture
def toys():
    registry.register(registry.Step("halve", "round", halve_step, ("targets",), ("targets",)))
    objectives.register(TOY_OBJECTIVE)
    yield
    del registry.STEPS["halve"], objectives.OBJECTIVES["toy-mse"]


def test_a_step_and_an_objective_added_from_outside_run(toys, pairs_file, tiny_bi, tmp_path):
    steps = ["label-bi", "train-cross", "label-cross", "halve", "train-bi"]
    recipe = tiny_recipe(
        rounds=1,
        contrastive=False,
        round_steps=steps,
        bi_loss="toy-mse",
        bi_loss_params={"weight": 0.5},
    )
    out = tmp_path / "run"
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    assert "round-1/halve" in result.stages_run
    cross = read_labels(out / "round-1" / "cross_labels.tsv").scores
    halved = read_labels(out / "round-1" / "halved.tsv").scores
    np.testing.assert_allclose(halved, cross / 2, atol=1e-6)  # files keep 7 decimals
    manifest = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())
    assert manifest["input_paths"]["labels"].endswith("halved.tsv")
    assert BUILT[-1] == 0.5
    # the recipe check reads the new step's declaration: it needs targets
    with pytest.raises(TransencError, match="halve needs targets"):
        check_recipe(Recipe(round_steps=["label-bi", "halve", "train-bi"]))


def test_a_step_that_does_not_give_what_it_declares_is_caught(pairs_file, tiny_bi, tmp_path):
    registry.register(registry.Step("forgetful", "round", lambda c, s: None, (), ("targets",)))
    try:
        recipe = tiny_recipe(rounds=1, contrastive=False, round_steps=["forgetful", "train-bi"])
        with pytest.raises(TransencError, match="forgetful declares targets but gave none"):
            bootstrap.run(config(pairs_file, tmp_path / "run", [tiny_bi], recipe=recipe))
    finally:
        del registry.STEPS["forgetful"]


def test_every_stage_seed_comes_from_one_rule(pairs_file, tiny_bi, tiny_bi_small, tmp_path):
    recipe = tiny_recipe(rounds=1, contrastive=False, round_steps=CASCADE_ROUND_STEPS, seed=3)
    out = tmp_path / "run"
    bootstrap.run(config(pairs_file, out, [tiny_bi, tiny_bi_small], recipe=recipe))
    seeds = {
        p.name: json.loads(p.read_text())["config"]["seed"]
        for p in (out / "round-1").glob("train-*.manifest.json")
    }
    offsets = {"cross": 0, "late": 50, "bi": 100}
    expected = {
        f"train-{kind}-{k + 1}.manifest.json": 3 + 1000 + offset + k
        for kind, offset in offsets.items()
        for k in range(2)
    }
    assert seeds == expected


# --- run directories made before the reshaping -------------------------------------------------


def manifest_configs(run_dir: Path, tmp_path: Path) -> dict:
    records = {}
    for manifest in sorted(run_dir.rglob("*.manifest.json")):
        entry = json.loads(manifest.read_text())
        text = json.dumps(entry["config"], sort_keys=True).replace(str(tmp_path), "<tmp>")
        records[str(manifest.relative_to(run_dir))] = json.loads(text)
    return records


def test_stages_are_recorded_as_before_the_reshaping(
    pairs_file, tiny_bi, tiny_bi_small, tiny_cross, mini_sts_dir, tmp_path
):
    """The manifests the code before the reshaping wrote (tests/data/pre_reshape, same tiny
    runs) have the stages, names and settings the loop records now, so such a run directory
    resumes without redoing its stages."""
    out = tmp_path / "run"
    recipe = tiny_recipe(cross_label_weight=0.5)
    bootstrap.run(
        config(
            pairs_file,
            out,
            [tiny_bi],
            teachers=[str(tiny_cross)],
            recipe=recipe,
            eval_data=mini_sts_dir,
        )
    )
    expected = json.loads((PRE_RESHAPE / "default.json").read_text())
    assert manifest_configs(out, tmp_path) == expected
    cascade = tmp_path / "cascade"
    recipe = tiny_recipe(round_steps=CASCADE_ROUND_STEPS, rounds=1, contrastive=False)
    bootstrap.run(config(pairs_file, cascade, [tiny_bi, tiny_bi_small], recipe=recipe))
    expected = json.loads((PRE_RESHAPE / "cascade.json").read_text())
    assert manifest_configs(cascade, tmp_path).keys() == expected.keys()
    # the same settings, the data path aside (the fixture's run lived elsewhere)
    assert manifest_configs(cascade, tmp_path) == expected


# --- inputs checked before the run directory is written -----------------------------------------


def bootstrap_args(pairs_file, out, model, *extra) -> list[str]:
    return ["bootstrap", "--pairs", str(pairs_file), "--out", str(out), "-m", str(model), *extra]


@pytest.mark.parametrize("problem", ["model", "eval-missing", "eval-malformed"])
def test_a_bootstrap_refused_on_its_inputs_leaves_nothing(
    problem, pairs_file, tiny_bi, mini_sts_dir, tmp_path
):
    out = tmp_path / "run"
    model, extra = tiny_bi, []
    if problem == "model":
        model = tmp_path / "broken"
        model.mkdir()
        (model / "config.json").write_text("{}")
        (model / "modules.json").write_text("[]")
        expected = str(model)
    elif problem == "eval-missing":
        extra = ["--eval-data", str(tmp_path / "nowhere")]
        expected = "nowhere"
    else:
        gold = mini_sts_dir / "stsbenchmark" / "sts-test.csv"
        gold.write_text(gold.read_text() + "main-captions\tMSRvid\t2012\t9\tabc\tx\ty\n")
        extra = ["--eval-data", str(mini_sts_dir)]
        expected = "sts-test.csv"
    fails(bootstrap_args(pairs_file, out, model, "--no-progress", *extra), expected)
    assert not out.exists()
    # a rerun with good inputs is not refused as "a different models"
    if problem == "model":
        recipe = tiny_recipe(rounds=1, contrastive=False)
        bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
        assert (out / "final" / "bi").is_dir()


def test_a_huge_line_is_cut_in_the_message(tmp_path):
    corpus = tmp_path / "pairs.tsv"
    corpus.write_text("x" * 1_000_000 + "\n")
    line = fails(["pairs-info", str(corpus)], str(corpus), "1000000 characters")
    assert len(line) < 400


def test_a_full_disk_while_safetensors_saves_is_one_line(tmp_path, monkeypatch, tiny_bi):
    from safetensors import SafetensorError
    from sentence_transformers import SentenceTransformer

    def full(self, path, *args, **kwargs):
        raise SafetensorError('Error while serializing: I/O error: {"kind": StorageFull}')

    monkeypatch.setattr(SentenceTransformer, "save", full)
    labels = label_file(tmp_path, "a man\ta dog\t0.5\nkids play\ta cat\t0.1\n")
    out = tmp_path / "bi"
    args = ["train-bi", "--labels", str(labels), "--out", str(out), "-m", str(tiny_bi)]
    fails(args, str(out), "no space left on device")
    assert not out.exists() and not list(tmp_path.glob(".bi.*"))


def test_mix_labels_refuses_scores_no_cosine_has(tmp_path):
    cross = label_file(tmp_path, "a man\ta dog\t9\nkids play\ta cat\t0.1\n", name="cross.tsv")
    bi = label_file(tmp_path, "a man\ta dog\t0.5\nkids play\ta cat\t0.1\n", name="bi.tsv")
    out = tmp_path / "mixed.tsv"
    args = ["mix-labels", "--cross", str(cross), "--bi", str(bi), "--out", str(out)]
    fails([*args, "--cross-weight", "0.5"], "cross.tsv:3", "score 9 is outside [-1, 1]")
    assert not out.exists()


def test_messages_name_the_recipe_file_and_read_plainly(tmp_path):
    from transenc.recipe import load_recipe

    recipe = tmp_path / "mine.toml"
    recipe.write_text("rounds = 0\n")
    with pytest.raises(TransencError, match=r"mine\.toml: recipe rounds must be at least 1"):
        load_recipe(recipe)
    labels = label_file(tmp_path, "a man\ta dog\tinf\nkids play\ta cat\t0.1\n")
    with pytest.raises(TransencError, match=r"score inf is not a number") as err:
        read_labels(labels)
    assert "np." not in str(err.value)
    negative = label_file(tmp_path, "a man\ta dog\t0.5\n", count=-5, name="negative.tsv")
    with pytest.raises(TransencError, match="pair count -5 on line 1 must be a positive"):
        read_labels(negative)


# --- the recipe file's two formats ---------------------------------------------------------------

FLAT_CPU_FAST = """name = "cpu-fast"
rounds = 1
contrastive = false
label_map = "clip"
cross_label_weight = 0.5
label_precision = "auto"
[cross]
epochs = 1
learning_rate = 5e-5
precision = "auto"
length_chunk = 16
[bi]
epochs = 2
batch_size = 32
learning_rate = 2e-5
precision = "auto"
length_grouped = true
length_chunk = 32
"""


def test_a_format_1_recipe_is_the_same_recipe_in_format_2(tmp_path):
    import tomllib

    from transenc.recipe import load_recipe

    flat = tmp_path / "cpu-fast.toml"
    flat.write_text(FLAT_CPU_FAST)
    old = load_recipe(flat)
    shipped = load_recipe("cpu-fast")
    assert old == shipped and old.fingerprint() == shipped.fingerprint()
    saved = tomllib.loads(old.to_toml())
    assert saved["format"] == 2 and saved["bi"]["cross_label_weight"] == 0.5
    assert saved["cross"]["loss"] == "bce" and "bi_loss" not in saved


def test_recipe_format_errors(tmp_path):
    from transenc.recipe import load_recipe

    path = tmp_path / "r.toml"
    path.write_text("bi_loss = 'cosent'\n[bi]\nloss = 'cosent'\n")
    with pytest.raises(TransencError, match=r"r\.toml: mixes format 1 keys \(bi_loss\)"):
        load_recipe(path)
    path.write_text("format = 3\n")
    with pytest.raises(TransencError, match="recipe format 3 unknown"):
        load_recipe(path)
    path.write_text("format = 2\n[label]\nmap = 'clip'\n")
    with pytest.raises(TransencError, match=r"unknown key 'map' in \[label\]"):
        load_recipe(path)
    path.write_text("format = 2\n[bi]\nloss = 'l1'\n")
    with pytest.raises(TransencError, match=r"r\.toml: recipe \[bi\] loss 'l1' unknown"):
        load_recipe(path)
    path.write_text("format = 2\n[model_settings.big.contrastive]\nbatch_size = 16\n")
    assert load_recipe(path).settings_for("big", "contrastive_training").batch_size == 16


def test_a_run_directory_with_a_format_1_recipe_resumes_and_saves_format_2(
    pairs_file, tiny_bi, tmp_path
):
    recipe = tiny_recipe(rounds=1, contrastive=False)
    out = tmp_path / "run"
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    # as the code before format 2 saved it: flat keys
    (out / "recipe.toml").write_text("bi_loss = 'cosine-mse'\nrounds = 1\n")
    again = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    assert not again.stages_run
    assert (out / "recipe.toml").read_text().splitlines()[1] == "format = 2"


# --- lengths that fit the corpus, and fidelity -------------------------------------------------


def test_max_length_auto_covers_the_corpus_and_is_recorded(pairs_file, tiny_bi, tmp_path):
    from sentence_transformers import SentenceTransformer

    from transenc.recipe import TrainSettings

    auto = TrainSettings(
        epochs=1, batch_size=8, learning_rate=1e-4, warmup_ratio=0.1, max_length="auto"
    )
    recipe = tiny_recipe(rounds=1, contrastive=False, cross=auto, bi=auto)
    out = tmp_path / "run"
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    corpus = read_labels(out / "round-1" / "bi_labels.tsv")
    tokenizer = SentenceTransformer(str(tiny_bi), device="cpu").tokenizer
    sentence_lengths = [len(ids) for ids in tokenizer(corpus.sentences)["input_ids"]]
    pair_lengths = [len(ids) for ids in tokenizer(corpus.sentence1, corpus.sentence2)["input_ids"]]
    # the bi-encoder's labels are whole sentences' cosines: it trains on every sentence whole;
    # the cross-encoder at the length covering 99% of its joint pairs
    for stage, expected in (
        ("train-bi", max(sentence_lengths)),
        ("train-cross", int(np.percentile(pair_lengths, 99, method="higher"))),
    ):
        metrics = json.loads((out / "round-1" / f"{stage}.manifest.json").read_text())["metrics"]
        assert metrics["max_length"] == expected, stage
        assert metrics["length"].startswith(f"auto: {expected} tokens cover")
    bi_metrics = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())["metrics"]
    assert "cover 100.0% of the sentences" in bi_metrics["length"]
    # anything but a whole number or "auto" is refused
    with pytest.raises(
        TransencError, match='max_length must be a whole number of at least 4, or "auto"'
    ):
        TrainSettings(max_length="long").check("bi")


def test_auto_length_covers_every_sentence_only_where_asked_and_never_past_the_limit(tiny_bi):
    from sentence_transformers import SentenceTransformer

    from transenc.lengths import WHOLE, covering_length

    model = SentenceTransformer(str(tiny_bi), device="cpu")
    short = [f"sentence number {k}" for k in range(199)]
    long = " ".join(["word"] * 12)
    short_length = max(len(ids) for ids in model.tokenizer(short)["input_ids"])
    long_length = len(model.tokenizer(long)["input_ids"])
    assert short_length < long_length < model.max_seq_length
    # one sentence in 200 is past the 99th percentile: the default cuts it, WHOLE does not
    assert covering_length(model, short + [long], pairs=False).tokens == short_length
    whole = covering_length(model, short + [long], pairs=False, coverage=WHOLE)
    assert (whole.tokens, whole.covers) == (long_length, 1.0)
    assert whole.note == f"auto: {long_length} tokens cover 100.0% of the sentences"
    # never past the model's limit, and the note says so
    model.max_seq_length = long_length - 5
    capped = covering_length(model, short + [long], pairs=False, coverage=WHOLE)
    assert capped.tokens == long_length - 5 and "capped by the model's" in capped.note


def test_fidelity_is_the_students_spearman_with_its_targets(pairs_file, tiny_bi, tmp_path):
    from scipy.stats import spearmanr
    from sentence_transformers import SentenceTransformer

    recipe = tiny_recipe(rounds=1, contrastive=False, cross_label_weight=0.5)
    out = tmp_path / "run"
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    targets = read_labels(out / "round-1" / "bi_targets.tsv")
    student = SentenceTransformer(str(out / "round-1" / "bi"), device="cpu")
    first = student.encode(targets.sentence1, normalize_embeddings=True)
    second = student.encode(targets.sentence2, normalize_embeddings=True)
    expected = spearmanr((first * second).sum(axis=1), targets.scores).statistic
    assert result.fidelity["round 1"]["bi"] == pytest.approx(expected, abs=1e-3)
    bi_labels = read_labels(out / "round-1" / "bi_labels.tsv").scores
    cross_labels = read_labels(out / "round-1" / "cross_labels.tsv").scores
    expected = spearmanr(cross_labels, bi_labels).statistic
    assert result.fidelity["round 1"]["cross"] == pytest.approx(expected, abs=1e-4)
    assert json.loads((out / "fidelity.json").read_text()) == result.fidelity
    assert "## Fidelity (label-free)" in (out / "report.md").read_text()


def test_held_back_pairs_are_kept_out_of_training_and_scored(pairs_file, tiny_bi, tmp_path):
    from scipy.stats import spearmanr
    from sentence_transformers import SentenceTransformer

    from transenc.stages.learn_labels import held_back_mask, split_held_back

    recipe = tiny_recipe(rounds=1, contrastive=False, held_back=0.25)
    out = tmp_path / "run"
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    row = result.fidelity["round 1"]
    assert {"bi", "cross", "bi held-back", "cross held-back"} <= set(row)
    manifest = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())
    assert manifest["metrics"]["pairs"] == 36 and manifest["metrics"]["held_back"] == 12
    # the held-back figure is the student's Spearman on exactly the 12 pairs it never saw
    targets = read_labels(out / "round-1" / "cross_labels.tsv")
    trained, held = split_held_back(targets, 0.25, manifest["config"]["seed"])
    assert len(trained) == 36 and not set(held.pairs) & set(trained.pairs)
    student = SentenceTransformer(str(out / "round-1" / "bi"), device="cpu")
    first = student.encode(held.sentence1, normalize_embeddings=True)
    second = student.encode(held.sentence2, normalize_embeddings=True)
    expected = spearmanr((first * second).sum(axis=1), held.scores).statistic
    assert row["bi held-back"] == pytest.approx(expected, abs=1e-3)
    # the cross-encoder's training-pair fidelity leaves out the pairs its own stage held back
    cross = json.loads((out / "round-1" / "train-cross.manifest.json").read_text())["config"]
    bi_labels = read_labels(out / "round-1" / "bi_labels.tsv").scores
    trained = ~held_back_mask(len(bi_labels), 0.25, cross["seed"])
    expected = spearmanr(targets.scores[trained], bi_labels[trained]).statistic
    assert row["cross"] == pytest.approx(expected, abs=1e-4)
    assert "held-back" in (out / "report.md").read_text()
    with pytest.raises(TransencError, match=r"held_back must be a share in \[0, 0.5\]"):
        tiny_recipe(held_back=0.9)


def test_min_steps_raises_a_small_corpus_budget_and_is_recorded(pairs_file, tiny_bi, tmp_path):
    from transenc.recipe import TrainSettings, load_recipe
    from transenc.training import floor_steps, planned_steps

    # 48 pairs at batch 8: 6 steps an epoch; a floor of 20 steps replaces the one epoch
    small = TrainSettings(epochs=1, batch_size=8, learning_rate=1e-4, min_steps=20)
    assert (planned_steps(small, 48), floor_steps(small, 48)) == (20, 20)
    assert floor_steps(TrainSettings(epochs=4, batch_size=8, min_steps=20), 48) is None
    # max_passes caps the floor in passes over the pairs (6 steps each), never the epochs
    capped = TrainSettings(epochs=1, batch_size=8, min_steps=20, max_passes=2)
    assert (planned_steps(capped, 48), floor_steps(capped, 48)) == (12, 12)
    assert floor_steps(TrainSettings(epochs=1, batch_size=8, min_steps=20, max_passes=9), 48) == 20
    assert (
        floor_steps(TrainSettings(epochs=1, batch_size=8, min_steps=20, max_passes=1), 48) is None
    )
    with pytest.raises(
        TransencError, match=r"\[cross\] epochs \(3\) is more than max_passes \(2\)"
    ):
        TrainSettings(epochs=3, max_passes=2).check("cross")
    recipe = tiny_recipe(rounds=1, contrastive=False, bi=small)
    out = tmp_path / "run"
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    bi = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())
    cross = json.loads((out / "round-1" / "train-cross.manifest.json").read_text())
    assert bi["metrics"]["steps"] == 20 and bi["config"]["settings"]["min_steps"] == 20
    assert "min_steps" not in cross["config"]["settings"]  # at its default: not recorded
    # recipes that do not set it keep the fingerprints they had before it existed (recorded
    # with the code of that time), so their run directories still resume
    before = json.loads((PRE_RESHAPE / "fingerprints.json").read_text())
    assert {name: load_recipe(name).fingerprint() for name in before} == before
    # a runtime setting (how a stage runs, not what it learns) is never in the fingerprint
    chunked = load_recipe("cpu-fast")
    assert chunked.bi.length_chunk and chunked.fingerprint() == before["cpu-fast"]
    with pytest.raises(TransencError, match=r"\[bi\] min_steps must be 0 \(off\) or positive"):
        TrainSettings(min_steps=-1).check("bi")


def test_keep_best_ends_on_the_checked_weights_with_the_best_held_back_fidelity(
    pairs_file, tiny_bi, tmp_path
):
    from transenc.recipe import TrainSettings

    # 36 training pairs at batch 8: 5 steps an epoch; 6 epochs (30 steps), checked every 5;
    # trained at 4 tokens, checked (and scored after training) at the model's own length
    checked = TrainSettings(
        epochs=6, batch_size=8, learning_rate=3e-4, max_length=4, keep_best=True, check_every=5
    )
    recipe = tiny_recipe(rounds=1, contrastive=False, held_back=0.25, bi=checked)
    out = tmp_path / "run"
    result = bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    metrics = json.loads((out / "round-1" / "train-bi.manifest.json").read_text())["metrics"]
    checks = {int(step): value for step, value in metrics["checks"].items()}
    assert sorted(checks) == [5, 10, 15, 20, 25, 30]
    best = max(checks.values())
    assert metrics["kept_step"] == min(step for step, value in checks.items() if value == best)
    # the saved student is the kept checkpoint: its held-back fidelity is the best check's
    assert result.fidelity["round 1"]["bi held-back"] == pytest.approx(best, abs=2e-4)
    # the cross-encoder did not ask for it: no checks
    cross = json.loads((out / "round-1" / "train-cross.manifest.json").read_text())["metrics"]
    assert "checks" not in cross
    # with patience 1 the stage stops at the first check without a gain
    patient = replace(checked, patience=1)
    recipe = tiny_recipe(rounds=1, contrastive=False, held_back=0.25, bi=patient)
    bootstrap.run(config(pairs_file, tmp_path / "patient", [tiny_bi], recipe=recipe))
    metrics = json.loads((tmp_path / "patient" / "round-1" / "train-bi.manifest.json").read_text())[
        "metrics"
    ]
    steps = sorted(int(step) for step in metrics["checks"])
    values = [metrics["checks"][str(step)] for step in steps]
    stopped_at = next(
        (i for i in range(1, len(values)) if values[i] <= max(values[:i])), len(values) - 1
    )
    assert len(steps) == stopped_at + 1
    assert metrics["steps"] == steps[-1]  # the steps it took, not the 30 it planned
    # 12 held-back pairs are fewer than min_checked_pairs: no checks, the whole budget, the
    # last weights, and the manifest says why
    few = replace(checked, patience=1, min_checked_pairs=13)
    recipe = tiny_recipe(rounds=1, contrastive=False, held_back=0.25, bi=few)
    bootstrap.run(config(pairs_file, tmp_path / "few", [tiny_bi], recipe=recipe))
    manifest = json.loads((tmp_path / "few" / "round-1" / "train-bi.manifest.json").read_text())
    assert "checks" not in manifest["metrics"] and manifest["metrics"]["steps"] == 30
    assert (
        "12 held-back pairs, fewer than min_checked_pairs (13)" in manifest["metrics"]["unchecked"]
    )
    assert manifest["config"]["settings"]["min_checked_pairs"] == 13
    with pytest.raises(TransencError, match=r"\[bi\] keep_best scores the held-back pairs"):
        tiny_recipe(bi=checked)
    with pytest.raises(
        TransencError, match=r"\[bi\] check_every, patience and min_checked_pairs need"
    ):
        TrainSettings(patience=2).check("bi")


def _tiny_adapt() -> Recipe:
    """The shipped ``adapt`` recipe's floors and checks, scaled down to a tiny model (and
    checking its few held-back pairs, which the shipped recipe skips below 50)."""
    from transenc.recipe import load_recipe

    adapt = load_recipe("adapt")
    small = {"batch_size": 8, "epochs": 1.0, "min_steps": 8, "check_every": 4}
    small["min_checked_pairs"] = 0
    return Recipe.from_dict(
        {
            **adapt.to_dict(),
            "bi": {**vars(adapt.bi), **small},
            "cross": {**vars(adapt.cross), **small},
        }
    )


def test_the_adapt_recipe_runs_mutual_distillation_of_two_models(
    pairs_file, tiny_bi, tiny_bi_small, tmp_path
):
    result = bootstrap.run(
        config(pairs_file, tmp_path / "run", [tiny_bi, tiny_bi_small], recipe=_tiny_adapt())
    )
    assert len(result.final_bi) == len(result.final_cross) == 2
    fidelity = result.fidelity["round 1"]
    # each model's students keep their best checked weights and report their fidelity
    for name in ("bi-1", "bi-2", "cross-1", "cross-2"):
        assert -1 <= fidelity[name] <= 1 and f"{name} held-back" in fidelity
        manifest = tmp_path / "run" / "round-1" / f"train-{name}.manifest.json"
        assert json.loads(manifest.read_text())["metrics"]["checks"]


def test_the_adapt_recipe_runs_on_tiny_models(pairs_file, tiny_bi, tmp_path):
    from transenc.recipe import load_recipe

    adapt = load_recipe("adapt")
    assert adapt.bi.max_length == adapt.cross.max_length == "auto"
    assert adapt.cross.keep_best and adapt.bi.keep_best and adapt.held_back > 0
    result = bootstrap.run(config(pairs_file, tmp_path / "run", [tiny_bi], recipe=_tiny_adapt()))
    assert result.final_bi[0].is_dir() and result.fidelity["round 1"]["bi"] > 0
    for stage in ("train-cross", "train-bi"):
        manifest = tmp_path / "run" / "round-1" / f"{stage}.manifest.json"
        assert json.loads(manifest.read_text())["metrics"]["checks"]
