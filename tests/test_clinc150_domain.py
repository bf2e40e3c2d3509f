"""The larger domain's build (bench/domains/clinc150.py): a gold derived from intents, kept
apart from the queries a run adapts on, read from a checkout or a git directory."""

import json
import subprocess

import pandas as pd

from bench.domains.clinc150 import KINDS, build, gold_pairs, read_source

DOMAINS = {"bank": ["balance", "transfer"], "travel": ["book_flight", "visa"]}


def fake_release(folder):
    """A checkout shaped like clinc/oos-eval's: 6 queries per intent in each split."""
    intents = [intent for names in DOMAINS.values() for intent in names]
    data = {
        split: [[f"{split} {intent} query {k}", intent] for intent in intents for k in range(6)]
        for split in ("train", "val", "test")
    }
    data["test"].append(["train balance query 0", "balance"])  # a test query also in train
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "data_full.json").write_text(json.dumps(data))
    (folder / "data" / "domains.json").write_text(json.dumps(DOMAINS))
    return data


def test_gold_labels_follow_intents_with_one_partner_per_query(tmp_path):
    data = fake_release(tmp_path / "src")
    counts = build(data, DOMAINS, tmp_path / "out", exclude=frozenset({"test visa query 5"}))
    gold = pd.read_csv(tmp_path / "out" / "gold.tsv", sep="\t")
    intent = {text: i for text, i in data["test"]}
    domain = {i: d for d, intents in DOMAINS.items() for i in intents}
    assert len(gold) == counts["gold_pairs"] > 0
    assert (gold.sentence1 != gold.sentence2).all()
    for a, b, label in zip(gold.sentence1, gold.sentence2, gold.label, strict=True):
        assert label == int(intent[a] == intent[b])
    assert "test visa query 5" not in set(gold.sentence1) | set(gold.sentence2)
    # each unordered pair once
    keys = {tuple(sorted(pair)) for pair in zip(gold.sentence1, gold.sentence2, strict=True)}
    assert len(keys) == len(gold)
    # the three kinds all occur: positives, same-domain negatives, other-domain negatives
    kinds = gold_pairs([tuple(q) for q in data["test"]], domain)
    assert set(kinds.kind) == set(KINDS)
    same_domain = kinds[kinds.kind == "same domain"]
    assert all(
        domain[intent[a]] == domain[intent[b]] and intent[a] != intent[b]
        for a, b in zip(same_domain.sentence1, same_domain.sentence2, strict=True)
    )


def test_no_test_query_is_adapted_on_and_the_build_repeats(tmp_path):
    data = fake_release(tmp_path / "src")
    build(data, DOMAINS, tmp_path / "a", seed=3)
    build(data, DOMAINS, tmp_path / "b", seed=3)
    train = (tmp_path / "a" / "sentences_train.txt").read_text().split("\n")
    gold = pd.read_csv(tmp_path / "a" / "gold.tsv", sep="\t")
    assert "train balance query 0" not in train  # it is a test query too
    assert not (set(train) & (set(gold.sentence1) | set(gold.sentence2)))
    for name in ("gold.tsv", "sentences_train.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_reads_a_checkout_and_a_git_directory_alike(tmp_path):
    data = fake_release(tmp_path / "src")
    git = ["git", "-C", str(tmp_path / "src"), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "release"], check=True)
    from_checkout = read_source(str(tmp_path / "src"))
    from_git = read_source(str(tmp_path / "src" / ".git"))
    assert from_checkout[0] == from_git[0] == data
    assert from_checkout[1] == from_git[1] == DOMAINS
    assert " at " in from_git[2]  # the commit read is said


def test_the_study_adapts_on_the_mined_pairs_and_says_how_to_build_the_domain(tmp_path):
    from bench.studies.adaptation import CLINC_PAIRS, prepare

    built = tmp_path / "built"
    try:
        prepare("clinc150", tmp_path / "shared", tmp_path / "out", built)
    except SystemExit as error:
        assert "python -m bench.domains.clinc150" in str(error)
    else:
        raise AssertionError("an unbuilt domain must stop the study")
    data = fake_release(tmp_path / "src")
    build(data, DOMAINS, built / "clinc150")
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)  # the failed prepare above made it
    # the start model's mining, as it was written once (read back for every row and seed)
    pd.DataFrame(
        {
            "sentence1": ["train visa query 1", "train balance query 2"],
            "sentence2": ["train visa query 2", "train book_flight query 0"],
            "kind": ["neighbour", "random"],
            "cosine": [0.9, 0.1],
        }
    ).to_csv(out / f"mined_pairs.{CLINC_PAIRS}.tsv", sep="\t", index=False)
    prepared = prepare("clinc150", tmp_path / "shared", out, built)
    adapt = pd.read_csv(prepared["pairs"], sep="\t")
    assert list(adapt.columns) == ["sentence1", "sentence2"] and len(adapt) == 2
    assert prepared["adapt_sentences"] == 4
    gold = pd.read_csv(prepared["gold"]["clinc150"], sep="\t")
    assert set(gold.columns) == {"sentence1", "sentence2", "label"}
