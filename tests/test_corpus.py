import numpy as np
import pytest

from transenc.data import PairCorpus


def test_sentences_are_stored_once():
    corpus = PairCorpus.from_pairs(["a", "b", "a"], ["b", "c", "a"], [1.0, 2.0, 3.0])
    assert corpus.sentences == ["a", "b", "c"]
    assert corpus.sentence1 == ["a", "b", "a"]
    assert corpus.sentence2 == ["b", "c", "a"]
    assert corpus.scores.tolist() == [1.0, 2.0, 3.0]


def test_deduplicated_treats_both_orders_as_one_pair():
    corpus = PairCorpus.from_pairs(["a", "b", "a", "c"], ["b", "a", "b", "d"], [1, 2, 3, 4])
    unique = corpus.deduplicated()
    assert unique.pairs == [("a", "b"), ("c", "d")]
    assert unique.scores is None


def test_select_trims_sentence_table_and_keeps_scores():
    corpus = PairCorpus.from_pairs(["a", "b", "c"], ["x", "y", "z"], [0.1, 0.2, 0.3])
    picked = corpus.select([2, 0])
    assert picked.pairs == [("c", "z"), ("a", "x")]
    assert sorted(picked.sentences) == ["a", "c", "x", "z"]
    np.testing.assert_allclose(picked.scores, [0.3, 0.1])


def test_concat_keeps_scores_only_when_all_parts_have_them():
    labelled = PairCorpus.from_pairs(["a"], ["b"], [1.0])
    unlabelled = PairCorpus.from_pairs(["a"], ["c"])
    assert PairCorpus.concat([labelled, labelled]).scores.tolist() == [1.0, 1.0]
    both = PairCorpus.concat([labelled, unlabelled])
    assert both.scores is None and both.sentences == ["a", "b", "c"]


def test_with_scores_checks_length():
    with pytest.raises(ValueError):
        PairCorpus.from_pairs(["a"], ["b"]).with_scores([1.0, 2.0])


def test_the_committed_example_corpora_read():
    from pathlib import Path

    from transenc.data.readers import resolve_corpus

    folder = Path(__file__).resolve().parent.parent / "data" / "examples"
    files = sorted(folder.glob("*.tsv"))
    assert files
    for path in files:
        corpus = resolve_corpus(str(path))
        assert len(corpus) >= 20 and corpus.scores is None
