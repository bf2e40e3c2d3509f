"""The adaptation study's own logic (bench/studies/adaptation.py, bench/report.py): STS sources
split into halves as domains, and the tables its records render into."""

import pandas as pd

from bench.report import adaptation, sts_genres, student_gap
from bench.studies.adaptation import prepare_genre, row_config, sts_genre_domains
from transenc.recipe import load_recipe


def test_sts_sources_become_domains_split_into_disjoint_halves(mini_sts_dir, tmp_path):
    genres = sts_genre_domains(mini_sts_dir)
    assert "sts12-alpha" in genres and "sts16-beta" in genres
    name = "sts12-alpha"
    data = prepare_genre(name, genres[name], tmp_path / "a")
    again = prepare_genre(name, genres[name], tmp_path / "b")
    adapt = pd.read_csv(data["pairs"], sep="\t")
    gold = pd.read_csv(data["gold"][name], sep="\t")
    assert list(adapt.columns) == ["sentence1", "sentence2"]  # the adapt side has no score
    assert list(gold.columns) == ["sentence1", "sentence2", "score"]
    halves = [set(zip(f.sentence1, f.sentence2, strict=True)) for f in (adapt, gold)]
    assert not halves[0] & halves[1]
    assert halves[0] | halves[1] == set(genres[name].pairs)
    # the same seeded hash: the same halves in another folder
    assert pd.read_csv(again["pairs"], sep="\t").equals(adapt)
    assert data["benchmark"] == "sts_genres" and data["adapt_pairs"] == len(adapt)


def _entry(domain, row, seed, bi, cross=None, fidelity=None):
    scores = {"bi": {domain: {"spearman": bi}}}
    if cross is not None:
        scores["cross"] = {domain: {"spearman": cross}}
    figures = {
        "domain": domain,
        "row": row,
        "seed": seed,
        "trained_on": "none" if row == "zero-shot" else "the adapt side's unlabeled pairs",
        "evaluated": "the other side's gold (pair halves)",
        "gold_read_in_training": "none",
        "adapt_pairs": 10,
        "scores": scores,
    }
    if fidelity:
        figures["fidelity"] = fidelity
    return {"machine": {"processor": "cpu-x"}, "figures": figures}


def test_sts_genres_table_gives_each_source_its_change_and_the_average():
    entries = [
        _entry("sts12-a", "zero-shot", 1, 70.0),
        _entry("sts12-b", "zero-shot", 1, 60.0),
        _entry("sts12-a", "transenc-contrastive", 1, 71.0, 65.0),
        _entry("sts12-a", "transenc-contrastive", 2, 73.0, 67.0),
        _entry("sts12-b", "transenc-contrastive", 1, 59.0, 58.0),
    ]
    text = sts_genres(entries)
    lines = {line.split(" | ")[0].strip("| "): line for line in text.splitlines()}
    assert "72.00 (+2.00)" in lines["sts12-a"]  # mean over its 2 seeds, against the start
    assert "59.00 (-1.00)" in lines["sts12-b"]
    # the average over sources of the per-source means: (72 + 59) / 2
    assert "65.50" in lines["**average**"] and "65.00" in lines["**average**"]
    # the mean change, (+2 - 1) / 2, and the sources against the 0.5 bar
    assert "65.50 (+0.50; 1 up, 0 within 0.5 below, 1 further below)" in lines["**average**"]
    # the cross-encoder: 66 - 70 and 58 - 60
    assert "62.00 (-3.00; 0 up, 0 within 0.5 below, 2 further below)" in lines["**average**"]


def test_adaptation_table_shows_rows_it_does_not_know_and_the_fidelity():
    fidelity = {"round 1": {"bi": 0.99, "bi held-back": 0.98, "cross": 0.9, "cross held-back": 0.8}}
    entries = [
        _entry("mqp", "zero-shot", 1, 80.0),
        _entry("mqp", "transenc-something-new", 1, 81.0, 75.0, fidelity),
    ]
    text = adaptation(entries)
    assert "| transenc-something-new | bi | 81.00 (1 seed) |" in text
    assert "| mqp | transenc-something-new | 1 | round 1 | 0.99 | 0.98 | 0.9 | 0.8 |" in text


def test_adaptation_table_gives_a_second_models_rows_and_its_fidelity_columns():
    fidelity = {"round 1": {"bi-1": 0.99, "cross-2 held-back": 0.7, "bi-2": 0.98, "cross-1": 0.9}}
    mutual = _entry("ukp", "transenc-mutual", 1, 77.0, 73.0, fidelity)
    mutual["figures"]["scores"]["bi-mpnet"] = {"ukp": {"spearman": 79.0}}
    mutual["machine"]["precision_auto"] = "bf16 (auto: CPU has avx512_bf16)"
    text = adaptation([_entry("ukp", "zero-shot", 1, 76.0), mutual])
    assert "| transenc-mutual | bi-mpnet | 79.00 (1 seed) |" in text
    # each model's columns together, the bi-encoders' first
    assert "| round | bi-1 | bi-2 | cross-1 | cross-2 held-back |" in text
    assert "| ukp | transenc-mutual | 1 | round 1 | 0.99 | 0.98 | 0.9 | 0.7 |" in text
    assert "cpu-x (`auto`: bf16 (auto: CPU has avx512_bf16))" in text


def test_the_even_augmented_row_mines_no_more_pairs_than_it_was_given(tmp_path):
    pairs = tmp_path / "adapt_pairs.tsv"
    pairs.write_text("sentence1\tsentence2\na cat\ta dog\nthe sun\tthe moon\n", encoding="utf-8")
    data = {"pairs": str(pairs), "sentences": None, "adapt_pairs": 2}
    even = row_config(data, tmp_path / "even", 1, "transenc-augmented-even")
    every = row_config(data, tmp_path / "every", 1, "transenc-augmented")
    assert even.augment and even.mine_max_pairs == 2
    assert every.augment and every.mine_max_pairs == 0
    assert even.recipe.seed == 1 and even.recipe.contrastive


def test_the_teacher_row_runs_the_keep_best_recipe_with_mpnet_frozen(tmp_path, monkeypatch):
    # the config reads each model's kind from its folder; MPNet is not built in CI
    monkeypatch.setattr("transenc.pipeline.config.detect_kind", lambda model: "bi")
    pairs = tmp_path / "adapt_pairs.tsv"
    pairs.write_text("sentence1\tsentence2\na cat\ta dog\n", encoding="utf-8")
    data = {"pairs": str(pairs), "sentences": None, "adapt_pairs": 1}
    taught = row_config(data, tmp_path / "taught", 2, "transenc-keep-best-mpnet")
    alone = row_config(data, tmp_path / "alone", 2, "transenc-keep-best")
    assert taught.teachers == ["mpnet"] and alone.teachers == []
    assert taught.models == alone.models == ["default"]
    assert taught.recipe.fingerprint() == alone.recipe.fingerprint()


def test_the_mined_row_runs_the_shipped_adapt_recipe_on_sentences(tmp_path):
    sentences = tmp_path / "adapt_sentences.txt"
    sentences.write_text("a cat\na dog\nthe sun\n", encoding="utf-8")
    data = {"pairs": str(tmp_path / "unused.tsv"), "sentences": str(sentences), "adapt_pairs": 0}
    mined = row_config(data, tmp_path / "mined", 3, "transenc-mined")
    assert str(mined.sentences) == str(sentences) and not mined.augment
    assert "unused" not in str(mined.pairs)  # it trains on what its mine stage writes
    # the recipe a user runs (`--recipe adapt`), with its SimCSE stage, at the row's seed
    assert mined.recipe.name == "adapt" and mined.recipe.contrastive and mined.recipe.seed == 3


def test_the_adapt_row_runs_the_shipped_recipe_as_it_is(tmp_path):
    pairs = tmp_path / "adapt_pairs.tsv"
    pairs.write_text("sentence1\tsentence2\na cat\ta dog\n", encoding="utf-8")
    data = {"pairs": str(pairs), "sentences": None, "adapt_pairs": 1}
    shipped = row_config(data, tmp_path / "adapt", 2, "transenc-adapt")
    expected = load_recipe("adapt").with_overrides(seed=2)
    assert shipped.recipe.fingerprint() == expected.fingerprint()
    assert shipped.recipe.start_teacher and shipped.recipe.bi_round_start == "start"
    # no cross labels in the bi-encoder's targets where nothing checked the cross-encoder
    assert shipped.recipe.unchecked_cross_label_weight == 0
    # the shipped recipe is the candidate it was measured as; it is the anchored one where the
    # cross-encoder is checked and the one without cross targets where it is not
    vouched = row_config(data, tmp_path / "vouched", 2, "transenc-vouched").recipe
    assert vouched.fingerprint() == shipped.recipe.fingerprint()
    anchored = row_config(data, tmp_path / "anchored", 2, "transenc-anchored").recipe
    assert anchored.with_overrides(unchecked_cross_label_weight=0.0).fingerprint() == (
        vouched.fingerprint()
    )
    unchecked = row_config(data, tmp_path / "unchecked", 2, "transenc-no-cross-targets").recipe
    assert unchecked.with_overrides(cross_label_weight=0.5, unchecked_cross_label_weight=0.0) == (
        vouched.with_overrides(name=unchecked.name)
    )
    assert not row_config(data, tmp_path / "no", 2, "transenc-no-simcse").recipe.contrastive


def test_deploy_rule_judged_on_gold_it_never_showed_the_rule():
    from bench.studies.deploy_rule import judged, summary

    def run(bi_held, cross_held, start, bi, cross, pairs=1000):
        fidelity = {"round 1": {"bi held-back": bi_held, "cross held-back": cross_held}}
        scores = {"bi": {"d": {"ap": bi}}, "cross": {"d": {"ap": cross}}}
        return judged(
            {
                "domain": "d",
                "row": "r",
                "seed": 1,
                "fidelity": fidelity,
                "scores": scores,
                "start": start,
                "adapt_pairs": pairs,
            }
        )

    kept = run(0.90, 0.80, start=80.0, bi=78.0, cross=70.0)  # start named, and rightly
    assert (kept["retrieval"], kept["rerank"]) == ("start", "start") and kept["retrieval_right"]
    assert kept["bi_below_start"] and not kept["deployed_below_start"]
    wrong = run(0.99, 0.80, start=80.0, bi=78.0, cross=70.0)  # the bi named, 2 below the start
    assert wrong["retrieval"] == "bi" and not wrong["retrieval_right"]
    assert wrong["rerank"] == "bi" and wrong["rerank_right"]  # 78 beats the cross's 70
    # a corpus of 300 pairs holds back 30: too few to vouch, the start is named for both
    small = run(0.99, 0.99, start=80.0, bi=82.0, cross=81.0, pairs=300)
    assert (small["retrieval"], small["rerank"]) == ("start", "start") and small["gain_forgone"]
    counts = summary([kept, wrong])
    assert counts["start model named for retrieval"] == "1 of 2"
    assert counts["more than 0.5 below the start: the model named for retrieval"] == "1 of 2"


def _gap_entry(domain, seed, start, targets, bi, note=None):
    figures = {"domain": domain, "row": "transenc-capped", "seed": seed, "gold_pairs": 40}
    if note:
        figures["note"] = note
    else:
        figures.update(
            {"model start": start, "labels bi_targets": targets, "model bi": bi},
            gap=round(targets - bi, 2),
        )
    return {"machine": {"processor": "cpu-x"}, "figures": figures}


def test_student_gap_table_counts_runs_that_keep_their_targets():
    text = student_gap(
        [
            _gap_entry("sts12-a", 1, 70.0, 72.0, 71.8),  # gap 0.2: kept
            _gap_entry("sts12-a", 2, 70.0, 72.0, 70.5),  # gap 1.5: lost
            _gap_entry("sts12-b", 1, 60.0, 58.0, 59.0),  # above its targets, targets below start
            _gap_entry("ukp", 1, 0, 0, 0, note="fewer than half of the training pairs have gold"),
        ]
    )
    assert "| sts12-a | transenc-capped | 2 | 40 | 70.0 |" in text
    assert "within 0.5 (or the bi-encoder above its targets) on 2 of 3 runs" in text
    assert "targets below the start on 1 of 3" in text
    assert "Not scored: ukp transenc-capped seed 1 (fewer than half" in text


def test_student_gap_matches_training_pairs_and_scores_labels_on_their_gold(tmp_path):
    from sklearn.metrics import average_precision_score

    from bench.experiments.student_gap import label_metric, training_gold
    from transenc.data.corpus import PairCorpus
    from transenc.labels import write_labels

    quoted = 'He said "yes" twice.'  # written quoted by pandas, read back as it was
    gold = pd.DataFrame(
        {
            "sentence1": [quoted, "b1", "c1", "d1", "not trained", "b2"],
            "sentence2": ["a2", "b2", "c2", "d2", "x", "b1"],
            "label": [1, 0, 1, 0, 1, 0],  # the last repeats a pair in the other order
        }
    )
    run = tmp_path / "run"
    run.mkdir()
    # the run trained on four of the gold pairs, one in the other order and one twice: each
    # counts once
    trained = [(quoted, "a2"), ("b2", "b1"), ("c1", "c2"), ("d1", "d2"), ("c1", "c2")]
    pd.DataFrame(trained, columns=["sentence1", "sentence2"]).to_csv(
        run / "pairs.tsv", sep="\t", index=False
    )
    kept = training_gold(gold, run)
    assert list(kept.sentence1) == [quoted, "b1", "c1", "d1"]
    scores = [0.9, 0.8, 0.1, 0.2, 0.1]  # ranks one positive first and one last
    corpus = PairCorpus.from_pairs([a for a, _ in trained], [b for _, b in trained], scores)
    labels = write_labels(corpus, tmp_path / "bi_labels.tsv")
    expected = 100 * average_precision_score([1, 0, 1, 0], scores[:4])
    assert abs(label_metric(labels, kept) - expected) < 1e-9


def test_student_budget_variants_change_only_what_they_name():
    from bench.experiments.student_budget import settings_of

    manifest = {"config": {"settings": {"epochs": 2.0, "min_steps": 300, "max_passes": 7}}}
    assert settings_of(manifest, {}).min_steps == 300
    longer = settings_of(manifest, {"min_steps": 3, "max_passes": 3})
    assert (longer.min_steps, longer.max_passes, longer.epochs) == (900, 21, 2.0)
    probe = settings_of(manifest, {"epochs": 4.0, "learning_rate": 4e-5, "keep_best": False})
    assert (probe.epochs, probe.learning_rate, probe.min_steps) == (4.0, 4e-5, 300)


def test_student_budget_recipe_variant_retrains_the_runs_own_student(pairs_file, tiny_bi, tmp_path):
    from sentence_transformers import SentenceTransformer

    from bench.experiments.student_budget import retrain
    from transenc import bootstrap
    from transenc.recipe import Recipe, TrainSettings

    small = TrainSettings(epochs=1, batch_size=8, learning_rate=1e-4, max_length=16)
    recipe = Recipe(
        name="tiny", rounds=1, contrastive=False, seed=7, held_back=0.25, cross=small, bi=small
    )
    run = tmp_path / "run-seed1"
    bootstrap.run(
        bootstrap.BootstrapConfig(
            pairs=str(pairs_file), out=run, models=[str(tiny_bi)], recipe=recipe
        )
    )
    model, figures = retrain(run, "recipe")
    assert model == run / "student-budget" / "recipe"
    sentences = ["alpha beta", "gamma delta epsilon"]
    again = SentenceTransformer(str(model)).encode(sentences)
    trained = SentenceTransformer(str(run / "round-1" / "bi")).encode(sentences)
    assert abs(again - trained).max() < 1e-5  # same start, targets, seed and settings
    assert figures["held_back_fidelity"] is not None and figures["steps"] > 0


def test_untrained_rows_run_once_as_seed_1_and_record_as_names_the_benchmark(monkeypatch):
    from bench.studies import adaptation

    asked = []

    def done(domain, row, seed, benchmark):
        asked.append(benchmark)
        return (domain, row, seed) == ("ukp", "mpnet", 1)

    monkeypatch.setattr(adaptation, "done", done)
    rows = ["zero-shot", "mpnet", "transenc-mutual"]
    plan = list(adaptation.planned([2, 3], rows, {"mqp": {}, "ukp": {}}, "adaptation_gpu"))
    assert plan == [
        ("mqp", "zero-shot", 1),
        ("ukp", "zero-shot", 1),
        ("mqp", "mpnet", 1),
        ("mqp", "transenc-mutual", 2),
        ("ukp", "transenc-mutual", 2),
        ("mqp", "transenc-mutual", 3),
        ("ukp", "transenc-mutual", 3),
    ]
    assert set(asked) == {"adaptation_gpu"}
    # a rebuild plans the recorded rows too (and asks nothing of the records)
    asked.clear()
    rebuilt = list(adaptation.planned([1], ["mpnet"], {"mqp": {}, "ukp": {}}, None, rebuild=True))
    assert rebuilt == [("mqp", "mpnet", 1), ("ukp", "mpnet", 1)]
    assert asked == []


def test_a_gpu_records_machine_names_the_accelerator_beside_the_cpu():
    from bench.report import _machine_name

    gpu = {"processor": "Xeon", "accelerator": "NVIDIA H200", "precision_auto": "bf16"}
    assert _machine_name(gpu).startswith("NVIDIA H200 beside Xeon")
    assert "NVIDIA" not in _machine_name({"processor": "Xeon"})


def test_a_reused_run_starts_from_a_copy_that_names_its_own_recipe(tmp_path):
    import json

    from bench.studies.adaptation import reuse_stages

    pairs = tmp_path / "adapt_pairs.tsv"
    pairs.write_text("sentence1\tsentence2\na cat\ta dog\n", encoding="utf-8")
    data = {"pairs": str(pairs), "sentences": None, "adapt_pairs": 1}
    source = tmp_path / "transenc-anchored-seed2"
    (source / "round-1" / "train-bi.checkpoints").mkdir(parents=True)
    (source / "round-1" / "bi_labels.tsv").write_text("labels")
    (source / "run.json").write_text(json.dumps({"recipe_sha256": "old", "corpus_pairs": 1}))
    folder = tmp_path / "transenc-cross-start-seed2"
    assert reuse_stages(source, folder, data, "transenc-cross-start", 2, "some/cross-encoder")
    about = json.loads((folder / "run.json").read_text())
    recipe = row_config(data, folder, 2, "transenc-cross-start", "some/cross-encoder").recipe
    assert about == {"recipe_sha256": recipe.fingerprint(), "corpus_pairs": 1}
    assert recipe.cross_start == "some/cross-encoder" and recipe.cross_label_weight == 0
    assert (folder / "round-1" / "bi_labels.tsv").read_text() == "labels"
    assert not (folder / "round-1" / "train-bi.checkpoints").exists()  # no half-trained state
    # a folder already there is never overwritten, and nothing is copied from a missing run
    assert not reuse_stages(source, folder, data, "transenc-cross-start", 2, "x")
    assert not reuse_stages(tmp_path / "none", tmp_path / "new", data, "transenc-adapt", 2, None)
    assert not (tmp_path / "new").exists()
    # the other rows ignore --cross-start
    plain = row_config(data, folder, 2, "transenc-no-cross-targets", "some/cross-encoder").recipe
    assert plain.cross_start == "bi"
    # the pool row's warm start: the pool and listnet of transenc-pool-listnet, started elsewhere
    pool = row_config(data, folder, 2, "transenc-cross-start-pool", "some/cross-encoder").recipe
    listnet = row_config(data, folder, 2, "transenc-pool-listnet", "some/cross-encoder").recipe
    assert pool.cross_start == "some/cross-encoder" and listnet.cross_start == "bi"
    assert pool.cross_loss == listnet.cross_loss == "listnet"
    assert pool.cross_pair_pool == listnet.cross_pair_pool == 4


def test_label_sources_scores_each_file_against_the_training_pairs_gold(tmp_path):
    from bench.studies.label_sources import SOURCES, run_sources
    from transenc.data import PairCorpus
    from transenc.labels import write_labels

    first, second = ["a", "b", "c", "d"], ["w", "x", "y", "z"]
    gold = {(a, b): g for a, b, g in zip(first, second, [0.1, 0.4, 0.6, 0.9], strict=True)}
    ranks = {"start": [1, 2, 4, 3], "simcse": [1, 2, 3, 4], "cross": [4, 3, 2, 1]}
    ranks.update({"bi labels": ranks["simcse"], "targets": ranks["start"]})
    round_dir = tmp_path / "run" / "round-1"
    round_dir.mkdir(parents=True)
    for name, file in SOURCES.items():
        scores = [r / 10 for r in ranks[name]]
        write_labels(PairCorpus.from_pairs(first, second, scores), round_dir / file)
    about = run_sources(tmp_path / "run", gold, binary=False)
    assert about["pairs"] == 4 and about["quality"]["simcse"] == 100.0
    assert about["quality"]["start"] == 80.0 and about["quality"]["cross"] == -100.0
    assert about["change"]["simcse"] == 20.0 and about["change"]["targets"] == 0.0
    assert (
        about["simcse_agreement"] == 0.8
    )  # start [1, 2, 4, 3] against [1, 2, 3, 4]: no label read
    (round_dir / "cross_labels.tsv").unlink()  # a run without a cross-encoder's labels: skipped
    assert run_sources(tmp_path / "run", gold, binary=False) is None


def test_every_row_recipe_loads():
    from bench.studies.adaptation import ROW_RECIPES, ROWS
    from transenc.recipe import load_recipe

    assert set(ROW_RECIPES) <= set(ROWS)
    for row, recipe in ROW_RECIPES.items():
        assert load_recipe(recipe).name, row
