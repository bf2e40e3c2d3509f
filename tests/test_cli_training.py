"""Smoke tests of the training commands through typer's CliRunner."""

import numpy as np
from typer.testing import CliRunner

from transenc.cli import app
from transenc.data import PairCorpus
from transenc.labels import read_labels, write_labels

runner = CliRunner()


def write_tiny_recipe(tmp_path):
    path = tmp_path / "tiny.toml"
    small = "epochs = 1\nbatch_size = 4\nlearning_rate = 1e-4\nmax_length = 16\n"
    grouped = "length_grouped = true\n"  # the trainers run with transenc's batch sampler
    path.write_text(
        "rounds = 1\ncontrastive = true\n"
        + f"[contrastive_training]\n{small}"
        + "".join(f"[{s}]\n{small}{grouped}" for s in ("cross", "bi"))
    )
    return path


def test_stage_commands_by_hand(tmp_path, tiny_bi):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(
        "a man plays guitar||a man is playing\nthe dog runs||a cat sits\nkids play||a man eats\n"
    )
    recipe = write_tiny_recipe(tmp_path)
    simcse = tmp_path / "simcse"
    result = runner.invoke(
        app,
        [
            "contrastive",
            "--pairs",
            str(pairs),
            "--out",
            str(simcse),
            "-m",
            str(tiny_bi),
            "--recipe",
            str(recipe),
        ],
    )
    assert result.exit_code == 0, result.output
    labels = tmp_path / "bi.tsv"
    result = runner.invoke(
        app, ["label", "--pairs", str(pairs), "--out", str(labels), "-m", str(simcse)]
    )
    assert result.exit_code == 0, result.output
    assert "3 pairs labelled by bi" in result.stdout
    cross = tmp_path / "cross"
    result = runner.invoke(
        app,
        [
            "train-cross",
            "--labels",
            str(labels),
            "--out",
            str(cross),
            "-m",
            str(simcse),
            "--recipe",
            str(recipe),
            "--label-map",
            "minmax",
        ],
    )
    assert result.exit_code == 0, result.output
    cross_labels = tmp_path / "cross.tsv"
    result = runner.invoke(
        app, ["label", "--pairs", str(pairs), "--out", str(cross_labels), "-m", str(cross)]
    )
    assert result.exit_code == 0 and "labelled by cross" in result.stdout
    result = runner.invoke(
        app,
        [
            "train-bi",
            "--labels",
            str(cross_labels),
            "--out",
            str(tmp_path / "bi"),
            "-m",
            str(simcse),
            "--recipe",
            str(recipe),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(read_labels(cross_labels)) == 3


def test_bootstrap_command(tmp_path, tiny_bi, mini_sts_dir):
    recipe = write_tiny_recipe(tmp_path)
    out = tmp_path / "run"
    args = [
        "bootstrap",
        "--pairs",
        "stsb:train",
        "--data-dir",
        str(mini_sts_dir),
        "--out",
        str(out),
        "-m",
        str(tiny_bi),
        "--recipe",
        str(recipe),
        "--eval-data",
        str(mini_sts_dir),
        "--no-progress",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "[done] round-1/train-bi" in result.stdout and "round 1 cross" in result.stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "[skip] round-1/train-bi" in again.stdout
    changed = runner.invoke(app, args + ["--rounds", "2"])
    assert changed.exit_code == 2 and "different recipe" in changed.stderr


def test_bootstrap_bad_label_file_for_train_bi(tmp_path, tiny_bi):
    bad = tmp_path / "bad.tsv"
    bad.write_text("sentence1\tsentence2\tscore\na\tb\t1\n")
    result = runner.invoke(
        app, ["train-bi", "--labels", str(bad), "--out", str(tmp_path / "o"), "-m", str(tiny_bi)]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}:1: not a transenc pseudo-label file")
    assert not (tmp_path / "o").exists()


def test_bf16_training_and_labelling(tmp_path, tiny_bi):
    from sentence_transformers import CrossEncoder

    pairs = tmp_path / "pairs.txt"
    pairs.write_text("a man plays guitar||a man is playing\nthe dog runs||a cat sits\n" * 4)
    labels = tmp_path / "bi.tsv"

    def label(precision: str):
        arguments = ["--pairs", str(pairs), "--out", str(labels), "-m", str(tiny_bi)]
        return runner.invoke(app, ["label", *arguments, "--precision", precision])

    result = label("bf16")
    assert result.exit_code == 0, result.output
    outputs = {}
    for precision in ("fp32", "bf16"):
        recipe = tmp_path / f"{precision}.toml"
        recipe.write_text(
            f"[cross]\nepochs = 1\nbatch_size = 4\nlearning_rate = 1e-3\nmax_length = 16\n"
            f'precision = "{precision}"\n'
        )
        outputs[precision] = tmp_path / f"cross-{precision}"
        result = runner.invoke(
            app,
            [
                "train-cross",
                "--labels",
                str(labels),
                "--out",
                str(outputs[precision]),
                "-m",
                str(tiny_bi),
                "--recipe",
                str(recipe),
            ],
        )
        assert result.exit_code == 0, result.output
    scores = {
        p: CrossEncoder(str(folder)).predict([("a man plays guitar", "a cat sits")])
        for p, folder in outputs.items()
    }
    assert scores["fp32"] != scores["bf16"]  # same seed: only the precision differs
    result = label("fp16")
    assert result.exit_code == 2 and "unknown precision 'fp16'" in result.output


def test_train_bi_with_the_cosent_loss(tmp_path, tiny_bi):
    from scipy.stats import spearmanr
    from sentence_transformers import SentenceTransformer

    words = "red blue green cat dog bird sun moon star tree".split()
    pairs = [(a, b) for i, a in enumerate(words) for b in words[i + 1 :]]
    start = SentenceTransformer(str(tiny_bi))

    def cosines(model):
        first = model.encode([a for a, _ in pairs], normalize_embeddings=True)
        second = model.encode([b for _, b in pairs], normalize_embeddings=True)
        return (first * second).sum(axis=1)

    # labels that rank the pairs against the starting model's cosines
    targets = -cosines(start)
    labels = tmp_path / "labels.tsv"
    first, second = zip(*pairs, strict=True)
    write_labels(PairCorpus.from_pairs(list(first), list(second), scores=targets), labels)
    recipe = tmp_path / "r.toml"
    recipe.write_text("[bi]\nepochs = 8\nbatch_size = 16\nlearning_rate = 1e-3\nmax_length = 8\n")
    out = tmp_path / "bi"
    base = ["train-bi", "--labels", str(labels), "-m", str(tiny_bi), "--recipe", str(recipe)]
    result = runner.invoke(app, [*base, "--out", str(out), "--loss", "cosent"])
    assert result.exit_code == 0, result.output
    assert "CoSENTLoss" in (out / "README.md").read_text()
    before = spearmanr(cosines(start), targets).statistic
    after = spearmanr(cosines(SentenceTransformer(str(out))), targets).statistic
    assert before < -0.99 and after > before + 0.3  # the ranking moved towards the labels
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "x"), "--loss", "l1"])
    assert result.exit_code == 2 and "bi-encoder loss 'l1' unknown" in result.stderr
    assert not (tmp_path / "x").exists()


def test_mix_labels_by_hand(tmp_path):
    pairs = (["a", "b", "c"], ["x", "y", "z"])
    cross = write_labels(PairCorpus.from_pairs(*pairs, [1.0, 0.0, 0.5]), tmp_path / "cross.tsv")
    bi = write_labels(PairCorpus.from_pairs(*pairs, [0.2, 0.4, 0.9]), tmp_path / "bi.tsv")
    out = tmp_path / "targets.tsv"
    common = ["mix-labels", "--cross", str(cross), "--cross-weight", "0.25", "--out", str(out)]
    result = runner.invoke(app, [*common, "--bi", str(bi)])
    assert result.exit_code == 0, result.output
    mixed = read_labels(out)
    assert mixed.pairs == list(zip(*pairs, strict=True))
    np.testing.assert_allclose(mixed.scores, [0.4, 0.3, 0.8], atol=1e-6)

    other = write_labels(PairCorpus.from_pairs(["a"], ["x"], [0.1]), tmp_path / "other.tsv")
    out.unlink()
    result = runner.invoke(app, [*common, "--bi", str(other)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {cross}: pairs differ from those of {other}\n"
    assert not out.exists()


def test_training_commands_check_the_pairs_a_keep_best_recipe_holds_back(tmp_path, tiny_bi):
    words = "red blue green cat dog bird sun moon star tree".split()
    pairs = [(a, b) for i, a in enumerate(words) for b in words[i + 1 :]]
    first, second = zip(*pairs, strict=True)
    scores = np.linspace(0.0, 1.0, len(pairs))
    labels = write_labels(
        PairCorpus.from_pairs(list(first), list(second), scores), tmp_path / "l.tsv"
    )
    checked = (
        "epochs = 1\nbatch_size = 8\nlearning_rate = 1e-4\nmax_length = 8\nmin_steps = 4\n"
        "keep_best = true\ncheck_every = 2\npatience = 2\nmin_checked_pairs = 0\n"
    )
    recipe = tmp_path / "checked.toml"
    recipe.write_text(f"held_back = 0.2\n[cross]\n{checked}[bi]\n{checked}")
    for stage in ("train-cross", "train-bi"):
        out = tmp_path / stage
        args = [stage, "--labels", str(labels), "--out", str(out), "-m", str(tiny_bi)]
        result = runner.invoke(app, [*args, "--recipe", str(recipe)])
        assert result.exit_code == 0, result.output
        # 9 of the 45 pairs were kept out and scored at each check
        assert "(9 pairs)" in result.output and "checks)" in result.output, result.output
