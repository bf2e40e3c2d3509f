"""The start-distilled reranker experiment reads the domains' sentences, never their labels."""

from bench.experiments.start_distilled_cross import DOMAIN_FILES, domain_sentences


def test_domain_sentences_are_distinct_in_file_order_and_read_no_label(tmp_path):
    rows = {
        "mqp/gold.tsv": "sentence1\tsentence2\tlabel\na\tb\tnot-a-number\nb\tc\t1\n",
        "ukp_aspect/gold.tsv": "label\tsentence2\tsentence1\t\n0\te\td\t\n",
        "parade/gold.tsv": "sentence1\tsentence2\tscore\na\tf\t3\n",
        "parade/gold_train.tsv": "sentence1\tsentence2\tscore\ng\ta\t\n",
    }
    assert set(rows) == set(DOMAIN_FILES)
    for name, text in rows.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert domain_sentences(tmp_path) == ["a", "b", "c", "d", "e", "f", "g"]
