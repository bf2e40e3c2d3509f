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


def test_the_demo_recipe_loads_and_its_corpus_resolves(mini_sts_dir):
    import re
    from pathlib import Path

    from transenc.recipe import load_recipe

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    recipe = re.search(r"--recipe (\S+)", demo).group(1)
    corpus = re.search(r"--pairs (\S+)", demo).group(1)
    assert load_recipe(recipe).rounds >= 1
    assert len(resolve_corpus(corpus, mini_sts_dir)) > 0
    assert "--teacher mpnet" in demo and "--eval-tasks sickr,stsb" in demo


def test_the_terminal_table_adds_each_models_gain():
    from transenc.cli import with_gains

    table = {
        "start bi": {"stsb": 80.0, "avg": 78.0},
        "start teacher-1": {"stsb": 83.0, "avg": 80.0},
        "round 1 bi": {"stsb": 81.5, "avg": 79.0},
        "round 1 cross": {"stsb": 79.0, "avg": 77.0},
    }
    rows = with_gains(table)
    assert rows["gain bi"] == {"stsb": 1.5, "avg": 1.0}
    assert "gain teacher-1" not in rows and "gain cross" not in rows
