"""The referee experiment (bench/experiments/contrastive_referee.py): its signal on a study
folder of tiny models, and the summary that judges it against the gold change."""

import shutil

import pytest
from sentence_transformers import SentenceTransformer

from bench.experiments.contrastive_referee import measure, summary


def _row(signal, change):
    return {"signal": signal, "shift": abs(signal), "gold x": {"change": change}}


def test_summary_counts_what_keeping_simcse_on_a_non_negative_signal_would_do():
    rows = [_row(0.01, 2.0), _row(-0.02, -3.0), _row(-0.01, 1.0), _row(0.0, -1.0)]
    result = summary([*rows, dict(rows[1])])  # the same model twice counts once
    assert result["distinct models"] == 4 and result["kept"] == 2
    assert result["mean change, SimCSE always kept"] == pytest.approx(-0.25)
    # kept: +2.0 and -1.0; the others fall back to the start (0)
    assert result["mean change, kept where signal >= 0"] == pytest.approx(0.25)
    assert result["falls below -0.5"] == 2 and result["falls below -0.5 kept"] == 1
    assert result["gains above +0.5"] == 2 and result["gains above +0.5 dropped"] == 1


def test_a_simcse_model_equal_to_the_start_moves_nothing(tiny_bi, tmp_path):
    folder = tmp_path / "domain"
    (folder / "simcse-seed1").mkdir(parents=True)
    shutil.copytree(tiny_bi, folder / "simcse-seed1" / "bi")
    pairs = [("a cat sat", "a cat sits"), ("the dog ran", "a cat sat"), ("red sky", "blue sea")]
    (folder / "adapt_pairs.tsv").write_text(
        "sentence1\tsentence2\n" + "".join(f"{a}\t{b}\n" for a, b in pairs)
    )
    (folder / "gold_x.tsv").write_text(
        "sentence1\tsentence2\tscore\n"
        + "".join(f"{a}\t{b}\t{k}\n" for k, (a, b) in enumerate(pairs))
    )
    model = SentenceTransformer(str(tiny_bi), device="cpu")
    (row,) = measure(folder, model, model)
    assert row["row"] == "simcse-seed1/bi" and row["adapt_pairs"] == 3
    assert row["signal"] == pytest.approx(0) and row["shift"] == pytest.approx(0)
    assert row["gold x"]["change"] == 0


def test_the_report_tabulates_each_model_and_the_summary():
    from bench.report import contrastive_referee

    machine = {"processor": "cpu", "cpu_count": 2}
    figures = {
        "domain": "sts15-images",
        "row": "simcse-seed1/bi",
        "adapt_pairs": 403,
        "referee_start": 0.98,
        "referee_simcse": 0.96,
        "signal": -0.02,
        "shift": 0.03,
        "gold sts15-images": {"start": 92.5, "simcse": 88.36, "change": -4.13},
        "referee": "mpnet",
    }
    text = contrastive_referee([{"machine": machine, "figures": figures}])
    assert "| sts15-images | simcse-seed1/bi | 403 | 0.98 | 0.96 | -0.0200 |" in text
    assert "- falls below -0.5: 1" in text and "(mpnet)" in text
