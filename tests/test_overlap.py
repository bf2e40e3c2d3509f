"""Every result says what it trained on: overlap of the training corpus with each task."""

import json

from test_bootstrap import config, tiny_recipe
from typer.testing import CliRunner

from transenc import bootstrap
from transenc.cli import app
from transenc.data.readers import resolve_corpus
from transenc.data.sts import STS_TASKS
from transenc.evaluate import load_tasks
from transenc.overlap import overlap_by_task


def test_all_some_none(mini_sts_dir, tmp_path):
    tasks = load_tasks(mini_sts_dir, STS_TASKS)
    transductive = overlap_by_task(resolve_corpus("eval-pairs", mini_sts_dir), tasks)
    assert {o["setting"] for o in transductive.values()} == {"transductive"}
    assert all(o["in_training"] == o["pairs"] for o in transductive.values())
    inductive = overlap_by_task(resolve_corpus("inductive", mini_sts_dir), tasks)
    assert {o["in_training"] for o in inductive.values()} == {0}
    # one evaluated pair, written the other way round, counts
    some = tmp_path / "some.txt"
    some.write_text("A man plays the guitar.||A man is playing a guitar.\nx y||z w\n")
    partly = overlap_by_task(resolve_corpus(str(some)), tasks)
    assert partly["stsb"] == {"pairs": 4, "in_training": 1, "setting": "partly"}
    assert partly["sts15"]["pairs"] == 2 and partly["sts15"]["in_training"] == 1


def test_bootstrap_states_the_overlap_and_gold_use(pairs_file, tiny_bi, mini_sts_dir, tmp_path):
    out = tmp_path / "run"
    result = bootstrap.run(
        config(
            pairs_file,
            out,
            [tiny_bi],
            recipe=tiny_recipe(rounds=1, contrastive=False),
            eval_data=mini_sts_dir,
        )
    )
    run = json.loads((out / "run.json").read_text())
    assert run["gold_scores_read"] == "none"
    assert run["overlap"]["stsb"] == {"pairs": 4, "in_training": 0, "setting": "inductive"}
    report = result.report.read_text()
    assert "| stsb | 4 | 0 | inductive |" in report and "Gold scores read: none." in report
    # the per-round plot beside the report, and every stage's wall time
    assert (out / "report.png").read_bytes().startswith(b"\x89PNG")
    assert "![Spearman per round](report.png)" in report
    assert "| round-1/train-cross |" in report and "| total |" in report
    # the protocol is not part of the run's identity: the same command resumes
    assert (
        bootstrap.run(
            config(
                pairs_file,
                out,
                [tiny_bi],
                recipe=tiny_recipe(rounds=1, contrastive=False),
                eval_data=mini_sts_dir,
            )
        ).stages_run
        == []
    )


def test_eval_sts_train_pairs_column(tiny_bi, mini_sts_dir):
    result = CliRunner().invoke(
        app,
        [
            "eval-sts",
            str(tiny_bi),
            "--data-dir",
            str(mini_sts_dir),
            "--tasks",
            "stsb,sickr",
            "--train-pairs",
            "eval-pairs",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "in training" in result.output and "transductive" in result.output
