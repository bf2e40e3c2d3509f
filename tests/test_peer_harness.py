"""The peer harness's log parsing and recipe mapping (bench/peer); the harness itself is a
benchmark, run by hand."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bench.peer import mapping, peer_data, peer_log
from bench.peer import report as peer_report
from transenc.data.corpus import PairCorpus
from transenc.recipe import load_recipe

FIXTURES = Path(__file__).parent / "data" / "peer"
RECIPE = Path(__file__).parent.parent / "bench" / "recipes" / "peer-self-distill.toml"


def test_self_distill_log_gives_stage_times_dev_scores_and_best_models():
    run = peer_log.parse_self_distill((FIXTURES / "self_distill.log").read_text())
    assert len(run.cycles) == 1
    cycle = run.cycles[0]
    # 14:05:55 label -> 14:05:58 cross loads -> 14:06:46 dev rho -> label -> 14:06:49 bi loads
    # -> 14:07:24 dev rho
    assert cycle.stages == {"label-bi": 3, "train-cross": 48, "label-cross": 3, "train-bi": 35}
    assert cycle.seconds == 89
    assert cycle.dev_spearman == {"cross": 42.67, "bi": 82.82}
    # one evaluation after the epoch and one after reloading the saved model, in each stage,
    # each from its opening line to its result: cross 7 + 7 s, bi 8 + 9 s
    assert cycle.dev_evaluations == {"train-cross": 2, "train-bi": 2}
    assert cycle.dev_evaluation_seconds == {"train-cross": 14, "train-bi": 17}
    assert run.best_paths["bi"].startswith("output/bi-encoder/custom_cycle1_")
    assert run.best_paths["cross"].startswith("output/cross-encoder/custom_cycle1_")
    # the start model, then the best bi- and cross-encoder on the custom task's STS-B test
    assert run.test_averages == [81.8, 76.78, 37.54]


def test_a_log_that_stops_inside_a_cycle_is_an_error():
    text = (FIXTURES / "self_distill.log").read_text()
    cut = text[: text.index("Label sentence pairs with cross-encoder")]
    with pytest.raises(peer_log.PeerLogError, match="cycle 1 has no end for label-cross"):
        peer_log.parse_self_distill(cut)
    with pytest.raises(peer_log.PeerLogError, match="did not start"):
        peer_log.parse_self_distill("Traceback (most recent call last):\n")


def test_eval_log_gives_the_task_scores_in_order():
    text = (
        "2026-12-01 14:20:01 - Evaluate bi-encoder...\n"
        "\r  \r2026-12-01 14:21:40 - 70.12 & 80.50 & 74.00 & 81.25 & 79.90 & 82.10 & 77.00\n"
        "2026-12-01 14:21:40 - *****  test's avg spearman's rho: 0.7784 ****\n"
    )
    assert peer_log.parse_eval(text) == [70.12, 80.5, 74.0, 81.25, 79.9, 82.1, 77.0]
    with pytest.raises(peer_log.PeerLogError):
        peer_log.parse_eval("2026-12-01 14:20:01 - Evaluate bi-encoder...\n")


@pytest.fixture
def pooled_model(tmp_path) -> Path:
    (tmp_path / "1_Pooling").mkdir()
    config = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(config))
    return tmp_path


def test_the_peer_recipe_maps_to_the_peer_arguments(pooled_model, tmp_path):
    args = mapping.peer_arguments(load_recipe(RECIPE), pooled_model, tmp_path / "p.txt", 7)
    pairs = dict(zip(args[::2], args[1::2], strict=False))
    assert pairs["--cycle"] == "1"
    assert pairs["--num_epochs_cross_encoder"] == "1"
    assert pairs["--num_epochs_bi_encoder"] == "10"
    assert pairs["--batch_size_cross_encoder"] == "32"
    assert pairs["--batch_size_bi_encoder"] == "128"
    assert pairs["--bi_encoder_pooling_mode"] == "mean"
    assert pairs["--random_seed"] == "7"
    assert pairs["--task"] == "custom"
    assert args[-1] == "--init_with_new_models"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bi": {"max_length": 64}}, r"\[bi\] max_length is 64; the peer's code fixes 32"),
        ({"cross": {"learning_rate": 3e-5}}, r"\[cross\] learning_rate"),
        ({"bi": {"warmup_ratio": 0.1}}, r"\[bi\] warmup_ratio"),
        ({"bi": {"epochs": 2.5}}, r"\[bi\] epochs is 2.5; the peer takes whole epochs"),
        ({"contrastive": True}, r"\[contrastive\] enabled is True"),
        ({"cross_label_both_orders": True}, r"\[label\] both_orders is True"),
        ({"bi_loss": "cosent"}, r"\[bi\] loss is 'cosent'"),
        ({"rounds": 3}, r"round_start is 'previous'"),
    ],
)
def test_a_setting_the_peer_cannot_take_is_named(change, message, pooled_model, tmp_path):
    recipe = load_recipe(RECIPE)
    for key, value in change.items():
        if isinstance(value, dict):
            value = dataclasses.replace(getattr(recipe, key), **value)
        setattr(recipe, key, value)
    with pytest.raises(mapping.PeerMismatch, match=message):
        mapping.peer_arguments(recipe, pooled_model, tmp_path / "p.txt", 1)


def test_three_rounds_map_when_every_round_restarts_the_bi_encoder(pooled_model, tmp_path):
    recipe = load_recipe(RECIPE)
    recipe.rounds, recipe.bi_round_start = 3, "initial"
    args = mapping.peer_arguments(recipe, pooled_model, tmp_path / "p.txt", 1)
    assert args[args.index("--cycle") + 1] == "3"
    assert any("after round 1" in note for note in mapping.differences(recipe))


def test_pair_file_leaves_out_what_the_peer_would_skip(tmp_path):
    corpus = PairCorpus.from_pairs(["a b", "c || d", "e"], ["x", "y", "z w"])
    kept = peer_data.write_pair_file(corpus, tmp_path / "pairs.txt")
    assert kept.pairs == [("a b", "x"), ("e", "z w")]
    assert (tmp_path / "pairs.txt").read_text() == "a b||x\ne||z w\n"


def _record(row: str, seed: int, cycle: float, bi: float, **extra) -> dict:
    scores = {kind: dict.fromkeys((*peer_report.TASKS[:-1], "avg"), bi) for kind in ("bi", "cross")}
    figures = {
        "row": row,
        "seed": seed,
        "pairs": "stsb:train",
        "pair_count": 10,
        "recipe": "bench/recipes/peer-self-distill.toml",
        "peer_commit": "368f722263b3d101ac0610792272586dde1e2aa1",
        "peer_arguments": ["--cycle", "1", "--random_seed", "0", "--init_with_new_models"],
        "peer_versions": dict.fromkeys(
            ("python", "torch", "transformers", "sentence-transformers", "huggingface_hub"), "x"
        ),
        "differences": ["weight decay"],
        "stages": dict.fromkeys(peer_report.STAGES, cycle / 4),
        "cycle_seconds": cycle,
        "process": {"wall_seconds": cycle + 5, "peak_rss_mib": 100},
        "scores": scores,
        **extra,
    }
    return {
        "figures": figures,
        "machine": {"processor": "cpu"},
        "command": "python -m x",
        "time": f"2026-12-01T10:00:0{seed}",
    }


def test_the_report_gives_the_speed_up_over_the_peer_and_both_qualities():
    peer = _record(
        "peer",
        1,
        300.0,
        78.0,
        cycle_seconds_without_dev_evaluation=240.0,
        peer_eval={"bi": {"avg": 78.0}, "cross": {"avg": 78.0}},
        eval_agreement={"bi": 0.0, "cross": 0.0},
    )
    ours = [
        _record("transenc", seed, cycle, bi) for seed, cycle, bi in ((1, 100, 79), (2, 140, 80))
    ]
    # a run beside other work counts for quality, not for speed
    shared = _record("transenc", 3, 900, 81, timing_clean=False)
    text = peer_report.peer_comparison([peer, *ours, shared])
    # 300 s against the mean of 100 and 140 s; 240 s without the peer's dev evaluations
    assert "**2.50x** against the peer as it runs, 2.00x against the peer less" in text
    assert "| transenc `peer-self-distill` | bi | 3 | 80.00 ± 1.00 |" in text
    assert "--random_seed" not in text  # each run's seed is in the tables, not the arguments


def test_the_report_keeps_each_recipe_and_the_peer_without_gold_apart():
    def peer_run(row: str, cycle: float) -> dict:
        return _record(
            row, 1, cycle, 78.0,
            cycle_seconds_without_dev_evaluation=cycle,
            peer_eval={"bi": {"avg": 78.0}, "cross": {"avg": 78.0}},
            eval_agreement={"bi": 0.0, "cross": 0.0},
        )  # fmt: skip

    chunked = _record(
        "transenc", 1, 150, 77, recipe="bench/recipes/peer-self-distill-chunked.toml",
        differences=["weight decay", "forward passes"],
    )  # fmt: skip
    text = peer_report.peer_comparison(
        [peer_run("peer", 300.0), peer_run("peer-keep-last", 270.0),
         _record("transenc", 1, 300, 79), chunked]
    )  # fmt: skip
    assert "Speed-up of transenc (`peer-self-distill`) per cycle: **1.00x**" in text
    assert "Speed-up of transenc (`peer-self-distill-chunked`) per cycle: **2.00x**" in text
    assert "**1.80x** against the peer run with `--keep_last`" in text
    assert "| peer `--keep_last` | bi | 1 | 78.00 |" in text
    assert "| transenc `peer-self-distill-chunked` | bi | 1 | 77.00 |" in text
    assert "| transenc `peer-self-distill` | bi | 1 | 79.00 |" in text
    assert "- forward passes" in text  # every run's differences are listed, once each
    assert text.count("- weight decay") == 1


def test_the_peer_keeping_its_last_weights_is_said_to_read_no_gold():
    recipe = load_recipe(RECIPE)
    as_run, keep_last = mapping.differences(recipe), mapping.differences(recipe, keep_last=True)
    assert any("reads gold" in note for note in as_run)
    assert not any("reads gold" in note for note in keep_last)
    assert mapping.KEEP_LAST_NOTE in keep_last


def test_speed_is_compared_within_one_invocation_only():
    def run(row: str, cycle: float, invocation: str) -> dict:
        extra = {}
        if row == "peer":
            extra = {
                "cycle_seconds_without_dev_evaluation": cycle,
                "peer_eval": {"bi": {"avg": 78.0}, "cross": {"avg": 78.0}},
                "eval_agreement": {"bi": 0.0, "cross": 0.0},
            }
        return _record(row, 1, cycle, 78.0, invocation=invocation, **extra)

    # a slower machine the next day: the peer's 300 s there must not meet transenc's 100 s here
    text = peer_report.peer_comparison(
        [run("peer", 200.0, "day-1"), run("transenc", 100.0, "day-1"),
         run("peer", 300.0, "day-2"), run("transenc", 200.0, "day-2")]
    )  # fmt: skip
    assert "Invocation day-1" in text and "Invocation day-2" in text
    assert "**2.00x** against the peer as it runs" in text
    assert "**1.50x** against the peer as it runs" in text
    assert "**3.00x**" not in text and "**1.00x**" not in text


def test_a_seed_run_twice_counts_once_for_quality():
    first = _record("transenc", 1, 900.0, 77.0, timing_clean=False)
    again = {**_record("transenc", 1, 300.0, 77.0), "time": "2026-12-01T11:00:00"}
    text = peer_report.peer_comparison([first, again])
    assert "| transenc `peer-self-distill` | bi | 1 | 77.00 |" in text
