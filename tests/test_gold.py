"""Your own gold: graded pairs, binary pairs and reranking lists, scored as
sentence-transformers' evaluators score them; malformed files; gold sets in a bootstrap run."""

import json
import random

import pytest
from sentence_transformers import CrossEncoder, SentenceTransformer
from test_bootstrap import config, tiny_recipe
from test_robustness import fails

from transenc import bootstrap, gold_eval
from transenc.errors import TransencError
from transenc.gold import read_gold, read_gold_sets

WORDS = "a man is playing guitar the woman eating food dog runs in park kids play soccer".split()


def sentence(rng, k=5) -> str:
    return " ".join(rng.choices(WORDS, k=k))


@pytest.fixture
def gold_files(tmp_path):
    rng = random.Random(3)
    pairs = [(sentence(rng), sentence(rng)) for _ in range(40)]
    graded = tmp_path / "graded.tsv"
    graded.write_text(
        "sentence1\tsentence2\tscore\n"
        + "".join(f"{a}\t{b}\t{rng.uniform(0, 5):.2f}\n" for a, b in pairs)
    )
    binary = tmp_path / "binary.csv"
    binary.write_text(
        "sentence1,sentence2,label\n"
        + "".join(f"{a},{b},{k % 2}\n" for k, (a, b) in enumerate(pairs))
    )
    samples = [
        {
            "query": sentence(rng, 4),
            "positive": [sentence(rng) for _ in range(rng.randint(1, 3))],
            "negative": [sentence(rng) for _ in range(rng.randint(2, 12))],
        }
        for _ in range(8)
    ]
    reranking = tmp_path / "rerank.jsonl"
    reranking.write_text("".join(json.dumps(s) + "\n" for s in samples))
    return {
        "graded": graded,
        "binary": binary,
        "reranking": reranking,
        "pairs": pairs,
        "samples": samples,
    }


def ours(model_path, kind, files, both_orders=True):
    sets = read_gold_sets([str(files[k]) for k in ("graded", "binary", "reranking")])
    cfg = gold_eval.GoldEvalConfig(
        model=str(model_path),
        gold=[s.source for s in sets.values()],
        kind=kind,
        both_orders=both_orders,
    )
    return gold_eval.run(cfg).metrics


def gold_of(files):
    graded = read_gold(files["graded"])[0].pairs
    binary = read_gold(files["binary"])[0].pairs
    return graded, binary


def test_a_bi_encoder_scores_as_the_sentence_transformers_evaluators(tiny_bi, gold_files):
    from sentence_transformers.sentence_transformer.evaluation import (
        BinaryClassificationEvaluator,
        EmbeddingSimilarityEvaluator,
        RerankingEvaluator,
    )

    metrics = ours(tiny_bi, "bi", gold_files)
    model = SentenceTransformer(str(tiny_bi), device="cpu")
    graded, binary = gold_of(gold_files)
    theirs = EmbeddingSimilarityEvaluator(
        graded.sentence1, graded.sentence2, graded.scores.tolist()
    )(model)
    assert metrics["graded"]["spearman"] == pytest.approx(100 * theirs["spearman_cosine"], abs=0.01)
    assert metrics["graded"]["pearson"] == pytest.approx(100 * theirs["pearson_cosine"], abs=0.01)
    theirs = BinaryClassificationEvaluator(
        binary.sentence1, binary.sentence2, binary.scores.astype(int).tolist()
    )(model)
    assert metrics["binary"]["ap"] == pytest.approx(100 * theirs["cosine_ap"], abs=0.01)
    assert metrics["binary"]["f1"] == pytest.approx(100 * theirs["cosine_f1"], abs=0.01)
    theirs = RerankingEvaluator(gold_files["samples"])(model)
    for name in ("map", "mrr@10", "ndcg@10"):
        assert metrics["rerank"][name] == pytest.approx(100 * theirs[name], abs=0.01), name


def test_a_cross_encoder_scores_as_the_cross_encoder_evaluators(tiny_cross, gold_files):
    from sentence_transformers.cross_encoder.evaluation import (
        CrossEncoderClassificationEvaluator,
        CrossEncoderCorrelationEvaluator,
        CrossEncoderRerankingEvaluator,
    )

    metrics = ours(tiny_cross, "cross", gold_files, both_orders=False)
    model = CrossEncoder(str(tiny_cross), device="cpu")
    graded, binary = gold_of(gold_files)
    theirs = CrossEncoderCorrelationEvaluator(graded.pairs, graded.scores.tolist())(model)
    assert metrics["graded"]["spearman"] == pytest.approx(100 * theirs["spearman"], abs=0.01)
    assert metrics["graded"]["pearson"] == pytest.approx(100 * theirs["pearson"], abs=0.01)
    theirs = CrossEncoderClassificationEvaluator(binary.pairs, binary.scores.astype(int).tolist())(
        model
    )
    assert metrics["binary"]["ap"] == pytest.approx(100 * theirs["average_precision"], abs=0.01)
    assert metrics["binary"]["f1"] == pytest.approx(100 * theirs["f1"], abs=0.01)
    theirs = CrossEncoderRerankingEvaluator(gold_files["samples"])(model)
    for name in ("map", "mrr@10", "ndcg@10"):
        assert metrics["rerank"][name] == pytest.approx(100 * theirs[name], abs=0.01), name


def test_the_eval_command_prints_and_writes_every_kind(tiny_bi, gold_files, tmp_path):
    from typer.testing import CliRunner

    from transenc.cli import app

    out = tmp_path / "m.json"
    args = ["eval", str(tiny_bi), "--no-progress", "--output", str(out)]
    for kind in ("graded", "binary", "reranking"):
        args += ["--gold", str(gold_files[kind])]
    args += ["--gold", f"mine={gold_files['graded']}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for name in ("graded", "binary", "rerank", "mine", "spearman", "ap", "map", "ndcg@10"):
        assert name in result.output
    written = json.loads(out.read_text())
    assert written["sets"]["rerank"] == {
        "kind": "reranking",
        "source": str(gold_files["reranking"]),
        "size": 8,
        "primary": "map",
    }
    assert written["metrics"]["mine"] == written["metrics"]["graded"]


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("g.tsv", "sentence1\tsentence2\na\tb\n", "missing column 'score'"),
        ("g.tsv", "sentence1\tsentence2\tscore\na\tb\t1\nc\td\thigh\n", "g.tsv:3: score 'high'"),
        ("g.csv", "sentence1,sentence2,label\na,b,1\nc,d,2\ne,f,0\n", "g.csv:3: label 2 is not 0"),
        ("g.tsv", "sentence1\tsentence2\tlabel\na\tb\t1\nc\td\t1\n", "every label is the same"),
        ("g.jsonl", '{"query": "q", "positive": [], "negative": ["x"]}\n', "g.jsonl:1: positive"),
        ("g.jsonl", '{"query": "q", "positive": ["p"]}\n', "g.jsonl:1: missing key 'negative'"),
        ("g.jsonl", '{"query": "q", "positive": ["p"], "negative": [""]}\n', "negative holds"),
        ("g.tsv", "sentence1\tsentence2\tscore\tlabel\na\tb\t1\t1\n", "both a score and a label"),
        ("g.tsv", "sentence1\tsentence2\tscore\na\tb\t1\n", "needs at least 2"),
    ],
)
def test_a_malformed_gold_file_is_one_line(tmp_path, tiny_bi, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    fails(["eval", str(tiny_bi), "--gold", str(path)], expected)
    with pytest.raises(TransencError, match="gold file not found"):
        read_gold(tmp_path / "nowhere.tsv")


def test_sts_tasks_are_gold_sets_too(mini_sts_dir):
    assert [s.name for s in read_gold("sts", mini_sts_dir)][-2:] == ["stsb", "sickr"]
    (stsb,) = read_gold("stsb", mini_sts_dir)
    assert stsb.kind == "graded" and stsb.primary == "spearman"


def test_gold_sets_join_every_round_and_can_select_it(pairs_file, tiny_bi, gold_files, tmp_path):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=2, contrastive=False)
    graded, binary = str(gold_files["graded"]), str(gold_files["binary"])
    result = bootstrap.run(
        config(pairs_file, out, [tiny_bi], recipe=recipe, eval_gold=[graded], select_on=binary)
    )
    for row in ("start bi", "round 1 bi", "round 2 cross"):
        assert set(result.table[row]) == {"graded", "binary", "avg"}, row
    metrics = json.loads((out / "round-1" / "metrics.json").read_text())
    assert metrics["bi"]["avg"] == pytest.approx(
        (metrics["bi"]["graded"] + metrics["bi"]["binary"]) / 2, abs=1e-3
    )
    expected = max((1, 2), key=lambda r: result.table[f"round {r} bi"]["binary"])
    assert result.selected_round == expected
    run = json.loads((out / "run.json").read_text())
    assert run["gold_scores_read"] == f"gold set binary ({binary}), to select the round"
    assert set(run["overlap"]) == {"graded", "binary"}
    report = (out / "report.md").read_text()
    assert "| graded | binary | avg |" in report and f"`{binary}` by round" in report
    # a rerun resumes: the evaluation keeps its scores
    again = bootstrap.run(
        config(pairs_file, out, [tiny_bi], recipe=recipe, eval_gold=[graded], select_on=binary)
    )
    assert not again.stages_run
