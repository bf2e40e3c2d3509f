"""Issue 41: a ranking objective for the cross-encoder (ListNet over each sentence's
candidates), through the registry, on tiny models."""

import numpy as np
import pytest

from transenc import objectives
from transenc.data import PairCorpus
from transenc.errors import TransencError
from transenc.labels import write_labels
from transenc.recipe import Recipe, TrainSettings
from transenc.stages import train_cross
from transenc.stages.train_cross import candidate_lists

ANCHORS = ["a man plays guitar", "a dog runs in the park", "kids play soccer"]
PARTNERS = ["a man is playing music", "a red car", "the cat sleeps", "children play football"]


def star_corpus() -> PairCorpus:
    """Each anchor with every partner: lists of 4 per anchor, of 3 per partner."""
    first = [a for a in ANCHORS for _ in PARTNERS]
    second = [p for _ in ANCHORS for p in PARTNERS]
    scores = np.linspace(0.9, -0.2, len(first))
    return PairCorpus.from_pairs(first, second, scores.tolist())


def test_candidate_lists_read_both_orders_and_drop_single_candidates():
    corpus = star_corpus()
    lone = PairCorpus.from_pairs(["only once here"], ["and its partner"], [0.5])
    both = PairCorpus.concat([corpus, lone])
    lists = candidate_lists(both, both.scores, list_size=16)
    # first appearances in corpus order; the lone pair gives no list
    assert lists["query"] == [ANCHORS[0], *PARTNERS, *ANCHORS[1:]]
    pairs = zip(lists["docs"], lists["labels"], strict=True)
    by_query = dict(zip(lists["query"], pairs, strict=True))
    docs, labels = by_query[ANCHORS[1]]
    assert docs == PARTNERS
    expected = [both.scores[4 + i] for i in range(4)]
    np.testing.assert_allclose(labels, expected)
    docs, labels = by_query[PARTNERS[2]]  # the pairs read the other way round
    assert docs == ANCHORS
    np.testing.assert_allclose(labels, [both.scores[2 + 4 * i] for i in range(3)])


def test_long_lists_are_cut_into_pieces_of_two_or_more():
    first = ["hub sentence"] * 5
    second = [f"partner number {i}" for i in range(5)]
    corpus = PairCorpus.from_pairs(first, second, [0.1, 0.2, 0.3, 0.4, 0.5])
    lists = candidate_lists(corpus, corpus.scores, list_size=2)
    assert [len(d) for d in lists["docs"]] == [2, 2]  # 5 -> 2 + 2 + 1; a single is dropped
    lists = candidate_lists(corpus, corpus.scores, list_size=4)
    assert [len(d) for d in lists["docs"]] == [3, 2]
    assert sum(lists["docs"], []) == second


def test_no_lists_is_a_clear_error():
    corpus = PairCorpus.from_pairs(["a b c", "d e f"], ["g h i", "j k l"], [0.2, 0.8])
    with pytest.raises(TransencError, match="pair_pool"):
        candidate_lists(corpus, corpus.scores, list_size=16)


def test_listnet_is_a_listwise_cross_objective_with_checked_parameters():
    objective = objectives.get("listnet", "cross")
    assert objective.listwise and not objectives.get("bce", "cross").listwise
    assert "listnet" in objectives.names("cross")
    with pytest.raises(TransencError, match="temperature must be positive"):
        Recipe(cross_loss="listnet", cross_loss_params={"temperature": 0})
    with pytest.raises(TransencError, match="list_size must be 2 or more"):
        Recipe(cross_loss="listnet", cross_loss_params={"list_size": 1})
    with pytest.raises(TransencError, match="cross_label_weight"):
        Recipe(cross_loss="listnet", cross_label_weight=0.5)


@pytest.mark.parametrize(
    "loss, params, card_name",
    [("listnet", {"temperature": 0.1}, "ListNet"), ("lambdaloss", {}, "LambdaLoss")],
)
def test_train_cross_with_a_ranking_objective_learns_the_order_of_each_list(
    loss, params, card_name, tiny_bi, tmp_path
):
    corpus = star_corpus()
    labels = write_labels(PairCorpus.concat([corpus] * 4), tmp_path / "labels.tsv")
    result = train_cross.run(
        train_cross.TrainCrossConfig(
            str(tiny_bi),
            labels,
            tmp_path / "cross",
            settings=TrainSettings(epochs=30, batch_size=4, learning_rate=1e-3, max_length=16),
            loss=loss,
            loss_params=params,
        )
    )
    assert result.examples == len(ANCHORS + PARTNERS)  # one list per sentence, not pairs
    assert np.isfinite(result.train_loss)
    from sentence_transformers import CrossEncoder

    model = CrossEncoder(str(tmp_path / "cross"), device="cpu")
    scores = model.predict([(ANCHORS[0], p) for p in PARTNERS])
    targets = corpus.scores[:4]
    # learnt: the first anchor's candidates ranked as their targets rank them
    assert np.argsort(scores).tolist() == np.argsort(targets).tolist()
    assert card_name in (tmp_path / "cross" / "README.md").read_text()


def test_lambdaloss_is_a_listwise_cross_objective_with_checked_parameters():
    objective = objectives.get("lambdaloss", "cross")
    assert objective.listwise and "lambdaloss" in objectives.names("cross")
    with pytest.raises(TransencError, match="gain_scale must be positive"):
        Recipe(cross_loss="lambdaloss", cross_loss_params={"gain_scale": -1})
    with pytest.raises(TransencError, match="list_size must be 2 or more"):
        Recipe(cross_loss="lambdaloss", cross_loss_params={"list_size": 1})
    with pytest.raises(TransencError, match="cross_label_weight"):
        Recipe(cross_loss="lambdaloss", cross_label_weight=0.5)
