"""Whatever a user feeds the CLI, the answer is one line naming the file and the problem, a
non-zero exit, no traceback, and no partial output."""

import errno
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from transenc.cli import app
from transenc.data import PairCorpus
from transenc.labels import write_labels

runner = CliRunner()
LABELS_HEADER = "#transenc-labels\t1\tpairs={}\nsentence1\tsentence2\tscore\n"


def fails(args: list[str], *expected: str) -> str:
    """Runs the CLI; asserts exit 2, one line on stderr holding ``expected``, no traceback."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    message = result.stderr.strip() if result.stderr_bytes else result.output.strip()
    error_lines = [line for line in message.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1, message
    for text in expected:
        assert text in error_lines[0], error_lines[0]
    assert "Traceback" not in result.output
    return error_lines[0]


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def label_file(tmp_path: Path, body: str, count: int | None = None, name="labels.tsv") -> Path:
    rows = [line for line in body.splitlines() if line]
    path = tmp_path / name
    path.write_text(LABELS_HEADER.format(len(rows) if count is None else count) + body)
    return path


# --- paths that cannot be read or written ------------------------------------------------------


def test_unreadable_corpus(tmp_path, monkeypatch):
    corpus = tmp_path / "pairs.tsv"
    corpus.write_text("sentence1\tsentence2\na\tb\n")
    real = Path.open

    def denied(self, *args, **kwargs):  # as root, chmod cannot make a file unreadable
        if self == corpus:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    fails(["pairs-info", str(corpus)], str(corpus), "cannot be read (Permission denied)")


def test_outputs_below_a_regular_file_are_refused_before_any_work(tmp_path, tiny_bi):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("a man||a dog\nkids play||a cat\n")
    below = str(blocker / "out")
    fails(["eval-sts", str(tiny_bi), "--output", below + ".json"], "a-file is a file")
    fails(["label", "--pairs", str(pairs), "--out", below, "-m", str(tiny_bi)], "a-file is a file")
    fails(["bootstrap", "--pairs", str(pairs), "--out", below], "cannot write the run directory")
    refused = runner.invoke(app, ["bootstrap", "--pairs", str(pairs), "--out", str(blocker)])
    assert refused.exit_code == 2 and "is a" in refused.output  # typer's own check
    labels = label_file(tmp_path, "a man\ta dog\t0.5\nkids play\ta cat\t0.1\n")
    for command in ("train-cross", "train-bi"):
        fails([command, "--labels", str(labels), "--out", below], "cannot write the model folder")
    assert blocker.read_text() == "x"


def test_a_full_disk_leaves_nothing_half_written(tmp_path, monkeypatch, tiny_bi):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("a man||a dog\nkids play||a cat\n")
    out = tmp_path / "labels.tsv"

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    fails(
        ["label", "--pairs", str(pairs), "--out", str(out), "-m", str(tiny_bi)],
        str(out),
        "No space left on device",
    )
    assert not out.exists() and not leftovers(tmp_path)
    # a model folder: the save fails inside the atomic folder, which is removed
    monkeypatch.undo()
    labels = label_file(tmp_path, "a man\ta dog\t0.5\nkids play\ta cat\t0.1\n")
    model_out = tmp_path / "bi-out"

    def save_full(self, path, *args, **kwargs):
        Path(path, "partial.bin").write_bytes(b"x")
        raise OSError(errno.ENOSPC, "No space left on device")

    from sentence_transformers import SentenceTransformer

    monkeypatch.setattr(SentenceTransformer, "save", save_full)
    recipe = tmp_path / "r.toml"
    recipe.write_text("[bi]\nepochs = 1\nbatch_size = 2\nmax_length = 8\n")
    fails(
        [
            "train-bi",
            "--labels",
            str(labels),
            "--out",
            str(model_out),
            "-m",
            str(tiny_bi),
            "--recipe",
            str(recipe),
        ],
        "bi-out: cannot write (No space left on device)",
    )
    assert not model_out.exists() and not leftovers(tmp_path)


# --- long fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix,sep", [(".tsv", "\t"), (".csv", ",")])
def test_a_sentence_over_128_kib_is_one_line_and_a_long_one_is_read(tmp_path, suffix, sep):
    from transenc.data.textfile import MAX_SENTENCE_CHARS

    corpus = tmp_path / f"pairs{suffix}"
    huge = "word " * 40_000  # 200 KB: past csv's field limit, and far past what a model reads
    corpus.write_text(f"sentence1{sep}sentence2\n{huge}{sep}short\nb{sep}c\n")
    fails(["pairs-info", str(corpus)], f"{corpus}:2", "characters")
    long = "word " * (MAX_SENTENCE_CHARS // 5 - 1)  # just under the limit: read as it is
    corpus.write_text(f"sentence1{sep}sentence2\n{long}{sep}short\nb{sep}c\n")
    result = runner.invoke(app, ["pairs-info", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "2 pairs" in result.output


# --- label files read strictly --------------------------------------------------------------


@pytest.mark.parametrize(
    "content,expected",
    [
        (
            b"#transenc-labels\t1\tpairs=1\nsentence1\tsentence2\tscore\na\xff\tb\t0.5\n",
            ":3: not valid UTF-8",
        ),
        (
            b"#transenc-labels\t1\tpairs=x\nsentence1\tsentence2\tscore\na\tb\t0.5\n",
            ":1: pair count 'x' on line 1 is not a number",
        ),
        (b"#transenc-labels\t1\tpairs=0\nsentence1\tsentence2\tscore\n", ":1: holds no pairs"),
        (
            b"#transenc-labels\t1\tpairs=2\nsentence1\tsentence2\tscore\na\tb\t0.5\n \tc\t0.1\n",
            ":4: sentence1 is empty",
        ),
        (
            b"#transenc-labels\t1\tpairs=2\nsentence1\tsentence2\tscore\na\tb\t0.5\nc\td\t5.0\n",
            ":4: score 5 is outside [-1, 1]",
        ),
    ],
)
def test_bad_label_files_name_the_line(tmp_path, tiny_bi, content, expected):
    labels = tmp_path / "labels.tsv"
    labels.write_bytes(content)
    out = tmp_path / "out"
    fails(
        ["train-bi", "--labels", str(labels), "--out", str(out), "-m", str(tiny_bi)],
        str(labels) + expected,
    )
    assert not out.exists()


def test_a_cross_target_outside_the_cosine_range_is_refused(tmp_path, tiny_bi):
    labels = label_file(tmp_path, "a\tb\t0.5\nc\td\t7.5\n")
    fails(
        ["train-cross", "--labels", str(labels), "--out", str(tmp_path / "o"), "-m", str(tiny_bi)],
        f"{labels}:4: score 7.5 is outside [-1, 1] (cross-encoder labels are bi-encoder cosines)",
    )


def test_cosent_accepts_any_scale(tmp_path):
    from transenc.labels import read_labels

    labels = label_file(tmp_path, "a\tb\t4.5\nc\td\t1.0\n")
    assert read_labels(labels).scores.tolist() == [4.5, 1.0]


# --- recipes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ('contrastive = "no"\n', "contrastive must be true or false, not 'no'"),
        ("seed = 1.5\n", "seed must be a whole number, not 1.5"),
        ("rounds = inf\n", "rounds must be a whole number, not inf"),
        ("[bi]\nbatch_size = 2.0\n", "[bi] batch_size must be a whole number, not 2.0"),
        ("[cross]\nlearning_rate = nan\n", "[cross] learning_rate must be a finite number"),
        ("[bi]\nlength_grouped = 1\n", "[bi] length_grouped must be true or false, not 1"),
        ("format = 2\n[bi]\nstart_anchor = true\n", "[bi] start_anchor must be a finite number"),
    ],
)
def test_recipe_values_are_type_checked_on_load(tmp_path, text, expected):
    recipe = tmp_path / "r.toml"
    recipe.write_text(text)
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("a man||a dog\nkids play||a cat\n")
    out = tmp_path / "run"
    fails(
        ["bootstrap", "--pairs", str(pairs), "--out", str(out), "--recipe", str(recipe)],
        str(recipe),
        expected,
    )
    assert not out.exists()  # refused before anything was written


def test_a_recipe_file_that_is_not_utf8(tmp_path):
    recipe = tmp_path / "r.toml"
    recipe.write_bytes(b'name = "caf\xe9"\n')
    fails(
        ["train-bi", "--labels", "x.tsv", "--out", "o", "--recipe", str(recipe)],
        "recipe file is not valid UTF-8",
    )


def test_the_same_recipe_under_another_name_is_the_same_recipe(tmp_path):
    from transenc.recipe import load_recipe

    first = tmp_path / "mine.toml"
    first.write_text("rounds = 1\n[bi]\nepochs = 2\n")
    second = tmp_path / "copy-of-mine.toml"
    shutil.copy(first, second)
    assert load_recipe(first).fingerprint() == load_recipe(second).fingerprint()


# --- damaged models -------------------------------------------------------------------------


def damaged(tiny_bi: Path, how: str) -> Path:
    if how == "config":
        (tiny_bi / "config.json").write_text("{not json")
    elif how == "weights":
        (tiny_bi / "model.safetensors").write_bytes(b"garbage" * 10)
    else:
        shutil.rmtree(tiny_bi)
        tiny_bi.mkdir()
    return tiny_bi


@pytest.mark.parametrize("how", ["config", "weights", "empty"])
def test_damaged_models_are_one_line(tmp_path, tiny_bi, mini_sts_dir, how):
    model = damaged(tiny_bi, how)
    labels = label_file(tmp_path, "a man\ta dog\t0.5\nkids play\ta cat\t0.1\n")
    out = tmp_path / "out"
    fails(["train-cross", "--labels", str(labels), "--out", str(out), "-m", str(model)], str(model))
    fails(
        [
            "eval-sts",
            str(model),
            "--kind",
            "bi",
            "--tasks",
            "stsb",
            "--data-dir",
            str(mini_sts_dir),
        ],
        str(model),
    )
    assert not out.exists()


# --- evaluation -----------------------------------------------------------------------------


def test_a_task_without_scored_pairs_is_an_error_not_nan(mini_sts_dir, tiny_bi):
    lines = (mini_sts_dir / "SICK" / "SICK_test_annotated.txt").read_text().splitlines()
    (mini_sts_dir / "SICK" / "SICK_test_annotated.txt").write_text(lines[0] + "\n" + lines[1])
    fails(
        ["eval-sts", str(tiny_bi), "--data-dir", str(mini_sts_dir), "--tasks", "sickr"],
        "task sickr has 1 scored pair(s); a Spearman needs at least 2",
    )


def test_write_labels_roundtrip_still_works(tmp_path):
    corpus = PairCorpus.from_pairs(["a", "b"], ["c", "d"], [0.25, -0.5])
    from transenc.labels import read_labels

    assert read_labels(write_labels(corpus, tmp_path / "l.tsv")).scores.tolist() == [0.25, -0.5]


def test_a_damaged_gzip_is_one_line(tmp_path):
    import gzip

    good = gzip.compress(b"sentence1\tsentence2\n" + b"a cat sat\ta dog ran\n" * 2000)
    damaged = tmp_path / "pairs.tsv.gz"
    damaged.write_bytes(good[:40] + bytes(b ^ 0x5A for b in good[40:200]) + good[200:])
    fails(["pairs-info", str(damaged)], str(damaged), "cannot be read")


def test_a_gzipped_file_is_read_by_its_inner_extension(tmp_path):
    import gzip

    from transenc.data.readers import format_of, read_pair_chunks

    path = tmp_path / "pairs.tsv.gz"
    path.write_bytes(gzip.compress(b"sentence1\tsentence2\na cat\ta dog\nthe sun\tthe moon\n"))
    assert format_of(path) == "tsv" and format_of(tmp_path / "p.TXT") == "lines"
    assert format_of(tmp_path / "pairs.gz") is None
    assert sum(len(c) for c in read_pair_chunks(path, 10)) == 2


def test_a_shipped_recipe_name_is_not_taken_for_a_folder_of_that_name(tmp_path, monkeypatch):
    from transenc.errors import TransencError
    from transenc.recipe import load_recipe

    monkeypatch.chdir(tmp_path)
    (tmp_path / "adapt").mkdir()  # bootstrap --recipe adapt --out adapt/run
    assert load_recipe("adapt").name == "adapt"
    (tmp_path / "mine").write_text('rounds = 2\nname = "mine"\n')  # a file of no shipped name
    assert load_recipe("mine").rounds == 2
    with pytest.raises(TransencError, match="recipe file not found"):
        load_recipe("nowhere/adapt")


def test_a_gold_folder_and_a_word_label_are_named_for_what_they_are(tmp_path):
    folder = tmp_path / "gold"
    folder.mkdir()
    fails(["eval", "default", "--gold", str(folder)], str(folder), "a folder, not a gold file")
    gold = tmp_path / "gold.tsv"
    gold.write_text("sentence1\tsentence2\tlabel\na cat\ta dog\tyes\nthe sun\tthe moon\t0\n")
    fails(["eval", "default", "--gold", str(gold)], f"{gold}:2", "label 'yes' is not a")


def test_a_missing_cross_start_is_one_line(pairs_file, tmp_path):
    missing = tmp_path / "no-reranker"
    args = ["bootstrap", "--pairs", str(pairs_file), "--out", str(tmp_path / "run")]
    fails([*args, "--cross-start", str(missing)], str(missing))
    assert not (tmp_path / "run").exists()


def test_a_sentence_far_longer_than_a_model_reads_is_refused_in_one_line(tmp_path):
    from transenc.data.textfile import MAX_SENTENCE_CHARS

    sentences = tmp_path / "s.txt"
    long = "word " * (MAX_SENTENCE_CHARS // 4)
    sentences.write_text("a cat\na dog\n" + long + "\nthe sun\n")
    fails(["mine-pairs", str(sentences), "--out", str(tmp_path / "p.tsv")], f"{sentences}:3")
    assert not (tmp_path / "p.tsv").exists()
    pairs = tmp_path / "p2.tsv"
    pairs.write_text(f"sentence1\tsentence2\na cat\ta dog\nthe sun\t{long}\n")
    fails(["pairs-info", str(pairs)], f"{pairs}:3", "characters")
