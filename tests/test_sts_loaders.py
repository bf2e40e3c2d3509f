"""STS loaders: an inline miniature with every documented quirk, and the real releases."""

import pytest

from transenc.data import (
    STS_TASKS,
    load_sts_sources,
    load_sts_task,
    load_transductive_pool,
    resolve_corpus,
)
from transenc.data.sts import task_splits
from transenc.errors import DataError, TransencError


def test_semeval_skips_unscored_pairs_and_gold_without_input(mini_sts_dir):
    sts12 = load_sts_task(mini_sts_dir, "sts12")
    assert len(sts12) == 4  # STS.gs.ALL.txt has no input file and adds nothing
    assert sts12.scores.tolist() == [4.8, 0.2, 3.5, 2.0]
    assert len(load_sts_task(mini_sts_dir, "sts13")) == 4  # SMT gold without input skipped
    sts15 = load_sts_task(mini_sts_dir, "sts15")
    assert sts15.scores.tolist() == [4.8, 3.5]
    assert sts15.pairs[1] == ("Two kids are playing soccer.", "Children play soccer on the beach.")


def test_unscored_pairs_are_kept_for_unlabeled_use(mini_sts_dir):
    everything = load_sts_task(mini_sts_dir, "sts15", scored_only=False)
    assert len(everything) == 4 and everything.scores is None


def test_sts16_release_names_and_four_columns(mini_sts_dir):
    sts16 = load_sts_task(mini_sts_dir, "sts16")
    assert sts16.scores.tolist() == [5.0, 1.0, 3.0]
    assert sts16.pairs[0] == ("A man is playing a guitar.", "A man plays the guitar.")
    assert "src one" not in sts16.sentences


def test_a_year_by_source_pools_to_the_year(mini_sts_dir):
    for task in ("sts12", "sts16"):
        sources = load_sts_sources(mini_sts_dir, task)
        year = load_sts_task(mini_sts_dir, task)
        assert [c.name for c in sources.values()] == [f"{task}/{s}" for s in sources]
        assert [pair for c in sources.values() for pair in c.pairs] == year.pairs
        assert [x for c in sources.values() for x in c.scores] == year.scores.tolist()
    assert list(load_sts_sources(mini_sts_dir, "sts16")) == ["beta"]  # STS2016.input.beta.txt
    with pytest.raises(TransencError, match="task stsb has no sources"):
        load_sts_sources(mini_sts_dir, "stsb")


def test_stsb_unquoted_with_extra_columns(mini_sts_dir):
    stsb = load_sts_task(mini_sts_dir, "stsb")
    assert len(stsb) == 4
    assert stsb.pairs[2][0] == 'Two "kids are playing soccer.'  # bare quote kept verbatim
    assert stsb.pairs[1] == ("A woman is eating food.", "A dog runs in the park.")
    assert stsb.scores.tolist() == [4.8, 0.2, 3.5, 2.0]


def test_sick_header_and_crlf(mini_sts_dir):
    sick = load_sts_task(mini_sts_dir, "sickr")
    assert sick.scores.tolist() == [5.8, 1.2, 4.5, 3.0]
    assert all("\r" not in s for s in sick.sentences)


def test_transductive_pool_is_unlabeled_and_deduplicated(mini_sts_dir):
    pool = load_transductive_pool(mini_sts_dir)
    assert pool.scores is None
    # the miniature repeats the same 4 pairs everywhere (one with a bare quote in STS-B)
    assert len(pool) == 5


def test_named_subsets(mini_sts_dir):
    assert len(resolve_corpus("stsb:train", data_dir=mini_sts_dir)) == 4
    assert resolve_corpus("sts15", data_dir=mini_sts_dir).scores is None
    assert len(resolve_corpus("sts15", data_dir=mini_sts_dir)) == 4
    assert len(resolve_corpus(str(mini_sts_dir))) == 5
    assert len(resolve_corpus("pool", data_dir=mini_sts_dir)) == 5


def test_evaluation_pairs_are_the_scored_test_pairs_without_scores(mini_sts_dir):
    pairs = resolve_corpus("eval-pairs", data_dir=mini_sts_dir)
    assert pairs.scores is None
    scored = [load_sts_task(mini_sts_dir, task) for task in STS_TASKS]
    expected = {p for corpus in scored for p in corpus.pairs}
    assert set(pairs.pairs) == expected
    assert len(pairs) == len(expected)  # repeated pairs appear once


def test_inductive_pairs_share_no_pair_with_the_evaluated_ones(mini_sts_dir):
    from conftest import write

    # an unevaluated pair, and an evaluated pair written the other way round
    write(
        mini_sts_dir / "SICK" / "SICK_train.txt",
        "pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment\n"
        "1\tA man plays the guitar.\tA man is playing a guitar.\t4.0\tNEUTRAL\n"
        "2\tA dog barks.\tA cat sits on a red car.\t1.0\tNEUTRAL\n",
    )
    inductive = resolve_corpus("inductive", data_dir=mini_sts_dir)
    evaluated = {frozenset(p) for p in resolve_corpus("eval-pairs", data_dir=mini_sts_dir).pairs}
    pool = resolve_corpus("pool", data_dir=mini_sts_dir)
    assert inductive.scores is None and len(inductive) > 0
    assert not {frozenset(p) for p in inductive.pairs} & evaluated
    assert ("A dog barks.", "A cat sits on a red car.") in inductive.pairs
    # everything else of the pool is kept
    assert len(inductive) == sum(frozenset(p) not in evaluated for p in pool.pairs)


def test_missing_data_dir(tmp_path):
    with pytest.raises(DataError, match="data directory not found"):
        load_sts_task(tmp_path / "nowhere", "stsb")


def test_missing_task_folder(mini_sts_dir):
    import shutil

    shutil.rmtree(mini_sts_dir / "STS" / "STS14-en-test")
    with pytest.raises(DataError, match="STS14-en-test: folder for task sts14 not found"):
        load_sts_task(mini_sts_dir, "sts14")


def test_unknown_task_and_split(mini_sts_dir):
    with pytest.raises(TransencError, match="unknown task 'sts17'"):
        load_sts_task(mini_sts_dir, "sts17")
    with pytest.raises(TransencError, match="no split 'dev'"):
        load_sts_task(mini_sts_dir, "sts12", "dev")


def test_gold_and_input_of_different_length(mini_sts_dir):
    gold = mini_sts_dir / "STS/STS14-en-test/STS.gs.alpha.txt"
    gold.write_text("1\n2\n")
    with pytest.raises(DataError, match="2 gold lines for 4 input pairs"):
        load_sts_task(mini_sts_dir, "sts14")


def test_non_numeric_gold_score_names_line(mini_sts_dir):
    gold = mini_sts_dir / "STS/STS14-en-test/STS.gs.alpha.txt"
    gold.write_text("1\n2\nhigh\n4\n")
    with pytest.raises(DataError) as err:
        load_sts_task(mini_sts_dir, "sts14")
    assert str(err.value) == f"{gold}:3: score 'high' is not a number"


def test_stsb_too_few_fields(mini_sts_dir):
    path = mini_sts_dir / "stsbenchmark/sts-test.csv"
    path.write_text("main\tMSRvid\t2012\t0001\t3.0\tonly one sentence\n")
    with pytest.raises(DataError, match=r"sts-test.csv:1: expected 7 tab-separated fields"):
        load_sts_task(mini_sts_dir, "stsb")


def test_sick_missing_column(mini_sts_dir):
    path = mini_sts_dir / "SICK/SICK_test_annotated.txt"
    path.write_text("pair_ID\tsentence_A\tsentence_B\tscore\n1\ta\tb\t3\n")
    with pytest.raises(DataError, match="header lacks column"):
        load_sts_task(mini_sts_dir, "sickr")


# --- the real releases -----------------------------------------------------------------------

EXPECTED_COUNTS = {
    ("sts12", "test"): 3108,
    ("sts13", "test"): 1500,
    ("sts14", "test"): 3750,
    ("sts15", "test"): 3000,
    ("sts16", "test"): 1186,
    ("stsb", "test"): 1379,
    ("stsb", "dev"): 1500,
    ("stsb", "train"): 5749,
    ("sickr", "test"): 4927,
}


@pytest.mark.parametrize(("task", "split"), list(EXPECTED_COUNTS))
def test_real_release_pair_counts(sts_data_dir, task, split):
    corpus = load_sts_task(sts_data_dir, task, split)
    assert len(corpus) == EXPECTED_COUNTS[task, split]
    assert corpus.scores is not None and len(corpus.scores) == len(corpus)


def test_real_release_score_ranges(sts_data_dir):
    for task in STS_TASKS:
        scores = load_sts_task(sts_data_dir, task).scores
        low, high = (1, 5) if task == "sickr" else (0, 5)
        assert low <= scores.min() and scores.max() <= high, task


def test_real_transductive_pool(sts_data_dir):
    pool = load_transductive_pool(sts_data_dir)
    every_split = sum(
        len(load_sts_task(sts_data_dir, t, s, scored_only=False))
        for t in STS_TASKS
        for s in task_splits(t)
    )
    assert every_split == 3108 + 1500 + 3750 + 8500 + 9183 + 5749 + 1500 + 1379 + 9927
    assert 30_000 < len(pool) < every_split
    assert pool.scores is None
    assert len(pool.sentences) < 2 * len(pool)


def test_real_evaluation_pairs(sts_data_dir):
    pairs = resolve_corpus("eval-pairs", data_dir=sts_data_dir)
    scored = sum(len(load_sts_task(sts_data_dir, t)) for t in STS_TASKS)
    assert scored == 18_850
    # pairs repeated within or across the benchmark's tasks are kept once
    assert 17_000 < len(pairs) < scored
    pool = load_transductive_pool(sts_data_dir)
    # the pool keeps whichever order of a repeated pair it met first
    assert {frozenset(p) for p in pairs.pairs} <= {frozenset(p) for p in pool.pairs}
    inductive = resolve_corpus("inductive", data_dir=sts_data_dir)
    assert len(inductive) == len(pool) - len(pairs) == 18_990
