import csv
import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

from transenc import evaluate
from transenc.cli import app
from transenc.data import STS_TASKS
from transenc.errors import TransencError

runner = CliRunner()


def test_run_bi_on_every_task(tiny_bi, mini_sts_dir, tmp_path):
    output = tmp_path / "out" / "metrics.json"
    result = evaluate.run(
        evaluate.EvalConfig(model=str(tiny_bi), data_dir=mini_sts_dir, output=output)
    )
    assert result.kind == "bi"
    assert list(result.spearman) == [*STS_TASKS, "avg"]
    assert result.pairs == {
        "sts12": 4,
        "sts13": 4,
        "sts14": 4,
        "sts15": 2,
        "sts16": 3,
        "stsb": 4,
        "sickr": 4,
    }
    assert result.average == pytest.approx(
        np.mean([result.spearman[t] for t in STS_TASKS]), abs=1e-3
    )
    written = json.loads(output.read_text())
    assert written["spearman"] == result.spearman
    assert written["model"] == str(tiny_bi) and written["kind"] == "bi"
    assert set(written["versions"]) >= {"torch", "transformers", "sentence-transformers"}


def test_pooled_scoring_matches_per_task_scoring(tiny_bi, mini_sts_dir):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(tiny_bi), device="cpu")
    benchmarks = evaluate.load_tasks(mini_sts_dir)
    pooled = evaluate.spearman_by_task(model, "bi", benchmarks)
    for task, corpus in benchmarks.items():
        alone = evaluate.spearman_by_task(model, "bi", {task: corpus})
        assert alone[task] == pytest.approx(pooled[task], abs=1e-3)


def test_cross_encoder_auto_kind_and_both_orders(tiny_cross, mini_sts_dir):
    both = evaluate.run(evaluate.EvalConfig(model=str(tiny_cross), data_dir=mini_sts_dir))
    one = evaluate.run(
        evaluate.EvalConfig(model=str(tiny_cross), data_dir=mini_sts_dir, both_orders=False)
    )
    assert one.kind == both.kind == "cross"
    assert both.both_orders and not one.both_orders


def test_config_rejects_unknown_task_and_kind():
    with pytest.raises(TransencError, match="unknown task"):
        evaluate.EvalConfig(model="default", tasks=("sts12", "sts99"))
    with pytest.raises(TransencError, match="unknown kind"):
        evaluate.EvalConfig(model="default", kind="poly")


def test_data_dir_from_environment(monkeypatch, mini_sts_dir):
    monkeypatch.setenv("TRANSENC_DATA", str(mini_sts_dir))
    assert evaluate.EvalConfig(model="default").data_dir == mini_sts_dir


def test_cli_eval_sts_smoke(tiny_bi, mini_sts_dir, tmp_path):
    output = tmp_path / "m.json"
    result = runner.invoke(
        app,
        [
            "eval-sts",
            str(tiny_bi),
            "--data-dir",
            str(mini_sts_dir),
            "--tasks",
            "stsb,sickr",
            "--output",
            str(output),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "stsb" in result.stdout and "sickr" in result.stdout and "sts12" not in result.stdout
    assert set(json.loads(output.read_text())["spearman"]) == {"stsb", "sickr", "avg"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tasks", "sts99"], "error: unknown task(s) sts99"),
        (["--kind", "poly"], "error: unknown kind 'poly'"),
        (["--data-dir", "/nonexistent/sts"], "error: /nonexistent/sts: data directory not found"),
    ],
)
def test_cli_eval_sts_errors(tiny_bi, mini_sts_dir, args, message):
    base = ["eval-sts", str(tiny_bi), "--data-dir", str(mini_sts_dir), "--no-progress"]
    result = runner.invoke(app, base + args)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_missing_model(mini_sts_dir, tmp_path):
    result = runner.invoke(
        app, ["eval-sts", str(tmp_path / "nope"), "--data-dir", str(mini_sts_dir)]
    )
    assert result.exit_code == 2 and "model folder not found" in result.stderr


def test_embedded_model_on_stsb_slice_matches_independent_computation(sts_data_dir, tmp_path):
    """eval-sts on 300 STS-B test pairs equals a plain encode-each-side Spearman."""
    from sentence_transformers import SentenceTransformer

    from transenc.models import default_model_path

    data_dir = tmp_path / "sts"
    (data_dir / "stsbenchmark").mkdir(parents=True)
    lines = (sts_data_dir / "stsbenchmark" / "sts-test.csv").read_text().splitlines()[:300]
    (data_dir / "stsbenchmark" / "sts-test.csv").write_text("\n".join(lines) + "\n")
    output = tmp_path / "m.json"
    result = runner.invoke(
        app,
        [
            "eval-sts",
            "default",
            "--data-dir",
            str(data_dir),
            "--tasks",
            "stsb",
            "--output",
            str(output),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    ours = json.loads(output.read_text())["spearman"]["stsb"]

    frame = pd.read_csv(
        data_dir / "stsbenchmark" / "sts-test.csv",
        sep="\t",
        header=None,
        quoting=csv.QUOTE_NONE,
        usecols=[4, 5, 6],
        names=["score", "s1", "s2"],
    )
    model = SentenceTransformer(str(default_model_path()), device="cpu")
    cosine = model.similarity_pairwise(model.encode(list(frame.s1)), model.encode(list(frame.s2)))
    expected = spearmanr(frame.score, cosine.numpy()).statistic * 100
    assert len(frame) == 300
    assert ours == pytest.approx(expected, abs=0.01)
