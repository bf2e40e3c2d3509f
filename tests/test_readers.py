"""Unlabeled corpus files, and a clear one-line error for every malformed input."""

import json

import pytest
from typer.testing import CliRunner

from transenc.cli import app
from transenc.data import read_pair_file, resolve_corpus
from transenc.errors import DataError

runner = CliRunner()


def test_tsv_with_header_and_quotes(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text('id\tsentence1\tsentence2\n1\tA man.\t"A ""tall"" man."\n2\tx\ty\n')
    corpus = read_pair_file(path)
    assert corpus.pairs == [("A man.", 'A "tall" man.'), ("x", "y")]
    assert corpus.scores is None


def test_csv_with_other_column_names_and_score(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("q,d,label\nfirst one,second one,0.5\nthird,fourth,1\n")
    corpus = read_pair_file(path, sentence1="q", sentence2="d", score="label")
    assert corpus.pairs == [("first one", "second one"), ("third", "fourth")]
    assert corpus.scores.tolist() == [0.5, 1.0]


def test_jsonl(tmp_path):
    path = tmp_path / "pairs.jsonl"
    rows = [{"sentence1": "a b", "sentence2": "c"}, {"sentence1": "d", "sentence2": "a b"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    corpus = read_pair_file(path)
    assert corpus.pairs == [("a b", "c"), ("d", "a b")]
    assert corpus.sentences == ["a b", "d", "c"]


def test_plain_lines(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("one sentence||another one\r\nthird||fourth\n\n")
    assert read_pair_file(path).pairs == [("one sentence", "another one"), ("third", "fourth")]


def test_resolve_corpus_drops_scores_from_files(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text("sentence1,sentence2,score\na,b,1\n")
    assert resolve_corpus(str(path)).scores is None


# --- malformed input: (file name, contents, expected message) --------------------------------

BAD_FILES = [
    ("empty.tsv", b"", "empty.tsv: file is empty"),
    ("blank.txt", b"\n\n  \n", "blank.txt: file is empty"),
    ("header-only.tsv", b"sentence1\tsentence2\n", "header-only.tsv: no pairs after the header"),
    ("missing.tsv", b"sentence1\ttext\na\tb\n", "missing.tsv:1: missing column 'sentence2'"),
    ("wrong.tsv", b"sentence1,sentence2\na,b\n", "wrong.tsv:1: wrong delimiter: expected tab"),
    ("wrong.csv", b"sentence1\tsentence2\na\tb\n", "wrong.csv:1: wrong delimiter: expected comma"),
    ("one.tsv", b"sentence1\tsentence2\na\tb\nlonely\n", "one.tsv:3: row has one sentence"),
    ("one.txt", b"a||b\nno separator here\n", "one.txt:2: row has one sentence"),
    (
        "emptysent.tsv",
        b"sentence1\tsentence2\na\t  \n",
        "emptysent.tsv:2: empty sentence in column sentence2",
    ),
    ("emptysent.txt", b"||b\n", "emptysent.txt:1: empty sentence in column sentence1"),
    (
        "latin1.tsv",
        b"sentence1\tsentence2\na\tb\ncaf\xe9\tb\n",
        "latin1.tsv:3: not valid UTF-8 (byte 0xe9)",
    ),
    (
        "bad.jsonl",
        b'{"sentence1": "a", "sentence2": "b"}\n{"sentence1": "a",\n',
        "bad.jsonl:2: invalid JSON",
    ),
    ("key.jsonl", b'{"sentence1": "a"}\n', "key.jsonl:1: missing key 'sentence2'"),
    ("pairs.parquet", b"PAR1", "pairs.parquet: unknown file format"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_malformed_files_raise_one_precise_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        read_pair_file(path)
    assert str(err.value).startswith(f"{tmp_path}/{message}")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"sentence1,sentence2,score\na,b,high\n", "scores.csv:2: score 'high' is not a number"),
        (
            b"sentence1,sentence2,score\na,b,0.1\nc,d,nan\n",
            "scores.csv:3: score 'nan' is not a finite",
        ),
        (b"sentence1,sentence2,score\na,b,\n", "scores.csv:2: score '' is not a number"),
    ],
)
def test_bad_scores(tmp_path, content, message):
    path = tmp_path / "scores.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        read_pair_file(path, score="score")
    assert str(err.value).startswith(f"{tmp_path}/{message}")


def test_unknown_corpus_spec(tmp_path):
    with pytest.raises(DataError, match="not a named corpus"):
        resolve_corpus(str(tmp_path / "nope.tsv"))


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES[:8])
def test_cli_reports_bad_file_in_one_line_with_exit_2(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["pairs-info", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path}/{message}")
    assert "Traceback" not in result.output


def test_cli_pairs_info(tmp_path, mini_sts_dir):
    path = tmp_path / "pairs.txt"
    path.write_text("a||b\nb||c\n")
    result = runner.invoke(app, ["pairs-info", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 pairs, 3 distinct sentences" in result.stdout
    result = runner.invoke(app, ["pairs-info", "stsb:dev", "--data-dir", str(mini_sts_dir)])
    assert result.exit_code == 0 and "4 pairs" in result.stdout


def test_cli_missing_data_dir(tmp_path):
    result = runner.invoke(app, ["pairs-info", "pool", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path}/none: data directory not found (pass --data-dir or set "
        "$TRANSENC_DATA; see docs/data.md)"
    )
