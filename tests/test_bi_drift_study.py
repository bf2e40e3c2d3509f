"""The drift study (bench/studies/bi_drift.py): a recorded run's bi-encoder stage again, on the
start's own cosines or the run's targets, with and without the start anchor."""

import json
import random

from bench.studies.bi_drift import markdown, study
from transenc.data import PairCorpus
from transenc.labels import write_labels

WORDS = "a man is playing guitar the woman eating food dog runs in park kids play soccer".split()


def fake_run(folder, tiny_bi):
    """A source folder holding a gold half and one recorded run with its round-1 files."""
    rng = random.Random(0)
    pairs = [
        (" ".join(rng.choices(WORDS, k=5)), " ".join(rng.choices(WORDS, k=4))) for _ in range(40)
    ]
    run = folder / "transenc-vouched-seed1"
    (run / "round-1").mkdir(parents=True)
    for name, shift in (("bi_labels.start.tsv", 0.0), ("bi_targets.tsv", 0.3)):
        scores = [min(1.0, rng.random() * 0.6 + shift) for _ in pairs]
        corpus = PairCorpus.from_pairs([a for a, _ in pairs], [b for _, b in pairs], scores)
        write_labels(corpus, run / "round-1" / name)
    settings = {"epochs": 1, "batch_size": 8, "max_length": 16, "learning_rate": 1e-3}
    manifest = {
        "config": {"settings": settings, "held_back": 0.0, "loss": "cosine-mse"},
        "input_paths": {"model": str(tiny_bi)},
    }
    (run / "round-1" / "train-bi.manifest.json").write_text(json.dumps(manifest))
    gold = [
        (" ".join(rng.choices(WORDS, k=5)), " ".join(rng.choices(WORDS, k=4))) for _ in range(30)
    ]
    (folder / "gold_src.tsv").write_text(
        "sentence1\tsentence2\tscore\n"
        + "".join(f"{a}\t{b}\t{rng.uniform(0, 5):.2f}\n" for a, b in gold)
    )


def test_each_cell_is_a_model_trained_and_scored_against_the_start(tiny_bi, tmp_path):
    folder = tmp_path / "sts-genres" / "src"
    fake_run(folder, tiny_bi)
    found = study(folder, "transenc-vouched", ["start", "targets"], [0.0, 5.0], [1])
    cells = found["cells"]
    assert [(c["labels"], c["anchor"]) for c in cells] == [
        ("start", 0.0),
        ("start", 5.0),
        ("targets", 0.0),
        ("targets", 5.0),
    ]
    for cell in cells:  # rounded figures: within a rounding step of the difference
        assert abs(cell["change"] - (cell["bi"] - found["start"])) < 0.011
    # the trained models differ from one another (the cells are not one model scored 4 times)
    assert len({c["bi"] for c in cells}) > 1
    # nothing is left behind in the recorded run
    assert sorted(p.name for p in (folder / "transenc-vouched-seed1" / "round-1").iterdir()) == [
        "bi_labels.start.tsv",
        "bi_targets.tsv",
        "train-bi.manifest.json",
    ]


def test_the_page_gives_each_cell_its_change():
    figures = {
        "domain": "src",
        "row": "transenc-vouched",
        "protocol": "p",
        "start": 70.0,
        "cells": [{"labels": "start", "anchor": 0.3, "seed": 1, "bi": 69.0, "change": -1.0}],
    }
    text = markdown(figures)
    assert "the start model scores 70.00" in text
    assert (
        "| start | 0.3 | 1 | the model's | the run's | the run's | the run's | 69.00 | -1.00 |  |"
        in text
    )
    assert "held-out Spearman" in text
    figures["cells"][0]["dropout"] = 0.0
    figures["cells"][0]["precision"] = "fp32"
    figures["cells"][0]["length"] = 40
    figures["cells"][0]["seconds"] = 12.5
    figures["cells"][0]["loss"] = "cosent"
    figures["metric"] = "AP"
    text = markdown(figures)
    assert "| start | 0.3 | 1 | 0 | fp32 | 40 | cosent | 69.00 | -1.00 | 12.5 |" in text
    assert "held-out AP" in text


def test_a_dropout_cell_trains_without_dropout_and_leaves_the_loader_as_it_was(tiny_bi, tmp_path):
    import torch

    from bench.studies.bi_drift import dropout_of
    from transenc.stages import train_bi

    loader = train_bi.load_bi_encoder
    with dropout_of(0.0):
        model = train_bi.load_bi_encoder(str(tiny_bi))
        assert all(m.p == 0.0 for m in model.modules() if isinstance(m, torch.nn.Dropout))
    assert train_bi.load_bi_encoder is loader
    own = loader(str(tiny_bi))
    assert any(m.p > 0 for m in own.modules() if isinstance(m, torch.nn.Dropout))
    folder = tmp_path / "sts-genres" / "src"
    fake_run(folder, tiny_bi)
    found = study(folder, "transenc-vouched", ["targets"], [0.0], [1], [None, 0.0])
    assert [c.get("dropout") for c in found["cells"]] == [None, 0.0]
    assert found["cells"][0]["bi"] != found["cells"][1]["bi"]


def test_a_precision_cell_trains_in_the_precision_it_names(tiny_bi, tmp_path, monkeypatch):
    from transenc.stages import train_bi

    trained_in = []
    run = train_bi.run

    def run_and_note(config, *args, **kwargs):
        trained_in.append(config.settings.precision)
        return run(config, *args, **kwargs)

    monkeypatch.setattr(train_bi, "run", run_and_note)
    folder = tmp_path / "sts-genres" / "src"
    fake_run(folder, tiny_bi)  # the run trained in fp32 (its settings name none)
    found = study(folder, "transenc-vouched", ["targets"], [0.0], [1], [None], [None, "bf16"])
    assert [c.get("precision") for c in found["cells"]] == [None, "bf16"]
    assert trained_in == ["fp32", "bf16"]


def test_simcse_seeds_gives_each_seed_its_change_and_agreement(tiny_bi, tmp_path):
    from bench.studies.simcse_seeds import markdown as seeds_page
    from bench.studies.simcse_seeds import study as seeds_study

    folder = tmp_path / "sts-genres" / "src"
    fake_run(folder, tiny_bi)
    run = folder / "transenc-vouched-seed1"
    (run / "contrastive").mkdir()
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("sentence1\tsentence2\n" + "".join(f"{w} {w}\t{w} a\n" for w in WORDS))
    settings = {"epochs": 1, "batch_size": 8, "max_length": 16, "learning_rate": 1e-3}
    manifest = {
        "config": {"settings": settings},
        "input_paths": {"model": str(tiny_bi), "pairs": str(pairs)},
    }
    (run / "contrastive" / "bi.manifest.json").write_text(json.dumps(manifest))
    found = seeds_study(folder, "transenc-vouched", [1, 2])
    assert [c["seed"] for c in found["cells"]] == [1, 2]
    assert found["cells"][0]["simcse"] != found["cells"][1]["simcse"]  # two models, two scores
    assert all(-1 <= c["agreement"] <= 1 for c in found["cells"])
    assert found["seeds_below"] == sum(c["change"] < 0 for c in found["cells"])
    text = seeds_page({"domain": "src", "row": "r", "protocol": "p", **found})
    assert "of 2 seeds below the start" in text


def test_a_length_cell_trains_at_the_run_s_length_the_auto_length_or_a_number(tiny_bi, tmp_path):
    from sentence_transformers import SentenceTransformer

    from transenc.labels import read_labels
    from transenc.lengths import MIN_LENGTH

    folder = tmp_path / "src"  # a domain's folder (not under sts-genres)
    fake_run(folder, tiny_bi)  # the run trained at 16 tokens
    found = study(
        folder, "transenc-vouched", ["targets"], [0.0], [1], [None], [None], [None, "auto", 6]
    )
    labels = read_labels(folder / "transenc-vouched-seed1" / "round-1" / "bi_targets.tsv")
    tokenizer = SentenceTransformer(str(tiny_bi), device="cpu").tokenizer
    longest = max(len(ids) for ids in tokenizer(labels.sentences)["input_ids"])
    # the run's own length leaves the cell unmarked; auto covers every training sentence
    assert [c.get("length") for c in found["cells"]] == [None, max(MIN_LENGTH, longest), 6]
    assert len({c["bi"] for c in found["cells"]}) > 1


def test_the_paired_summary_pairs_each_seed_s_cells_per_axis_and_setting():
    from bench.studies.bi_drift import paired_summary

    def cell(seed, change, **extra):
        return {"labels": "targets", "anchor": 0.0, "seed": seed, "change": change, **extra}

    records = [
        {  # two seeds, each at the run's length and whole, and whole with another loss
            "domain": "src",
            "cells": [
                cell(1, -2.0),
                cell(1, -1.0, length=40),
                cell(1, -3.0, length=40, loss="cosent"),
                cell(2, -1.0),
                cell(2, -1.5, length=40),
                cell(2, -2.5, length=40, loss="cosent"),
                cell(2, 5.0, dropout=0.0),  # no partner on either axis
                cell(2, 4.0, dropout=0.0, length=128),  # paired with it, in a row of its own
            ],
        },
        {"domain": "other", "cells": [cell(1, 1.0)]},  # no axis: left out
    ]
    lengths = paired_summary(records, "length")
    assert "| src (Spearman) | 2 | 40 | -1.50 ± 0.71 | -1.25 ± 0.35 | +1.00, -0.50 |" in lengths
    dropout_row = "| src (Spearman; dropout 0) | 1 | 128 | +5.00 ± 0.00 | +4.00 ± 0.00 | -1.00 |"
    assert dropout_row in lengths
    assert "cosent" not in lengths  # a cosent cell has no cosent partner at the run's length
    assert "| other" not in lengths
    losses = paired_summary(records, "loss")
    # each cosent cell against the cell at its own length with the run's loss
    assert "| src (Spearman) | 2 | cosent | -1.25 ± 0.35 | -2.75 ± 0.35 | -2.00, -1.00 |" in losses
    assert paired_summary([records[1]], "length") == ""


def test_a_loss_cell_trains_with_the_objective_it_names(tiny_bi, tmp_path, monkeypatch):
    from transenc.stages import train_bi

    trained_with = []
    run = train_bi.run

    def run_and_note(config, *args, **kwargs):
        trained_with.append(config.loss)
        return run(config, *args, **kwargs)

    monkeypatch.setattr(train_bi, "run", run_and_note)
    folder = tmp_path / "sts-genres" / "src"
    fake_run(folder, tiny_bi)  # the run trained with cosine-mse
    losses = [None, "cosent"]
    found = study(
        folder, "transenc-vouched", ["targets"], [0.0], [1], [None], [None], [None], losses=losses
    )
    assert [c.get("loss") for c in found["cells"]] == [None, "cosent"]
    assert trained_with == ["cosine-mse", "cosent"]
    assert found["cells"][0]["bi"] != found["cells"][1]["bi"]
