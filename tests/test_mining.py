"""From sentences to pairs: the search, the sentence files, mine-pairs, bootstrap --sentences
and bootstrap --augment."""

import gzip
import json
import random

import pytest
import torch
from test_bootstrap import config, tiny_recipe
from test_robustness import fails
from typer.testing import CliRunner

from transenc import bootstrap
from transenc.cli import app
from transenc.data import read_pair_file
from transenc.errors import DataError, TransencError
from transenc.mining import mine, nearest, read_sentences

WORDS = "a man is playing guitar the woman eating food dog runs in park kids play soccer".split()


def unit(n: int, d: int = 16, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(n, d, generator=generator), dim=1)


def test_neighbours_are_the_nearest_whatever_the_blocks():
    embeddings = unit(203)
    brute = embeddings @ embeddings.T
    brute.fill_diagonal_(-float("inf"))
    expected = torch.topk(brute, 4, dim=1).indices
    for rows, cols in ((1, 7), (16, 50), (64, 203), (1000, 1000)):
        index, value = nearest(embeddings, 4, rows, cols)
        assert torch.equal(index, expected), (rows, cols)
        assert torch.allclose(value, brute.gather(1, expected))


def test_faiss_finds_the_same_neighbours_as_the_blocked_search():
    pytest.importorskip("faiss")
    embeddings = unit(203, seed=3)
    expected, values = nearest(embeddings, 4, search="torch")
    index, found = nearest(embeddings, 4, search="faiss")
    assert torch.equal(index, expected)
    assert torch.allclose(found, values, atol=1e-5)
    # a row with an exact copy: the copy is its nearest, never the row itself
    copied = torch.cat([embeddings, embeddings[:1]])
    index, _ = nearest(copied, 3, search="faiss")
    assert index[0, 0] == 203 and index[203, 0] == 0
    assert all(i not in index[i].tolist() for i in range(len(copied)))
    mined = mine(embeddings, neighbours=3, random_partners=2, seed=5, search="faiss")
    blocked = mine(embeddings, neighbours=3, random_partners=2, seed=5, search="torch")
    assert mined.search == "faiss" and blocked.search == "torch"
    assert mined.first.tolist() == blocked.first.tolist()
    assert mined.second.tolist() == blocked.second.tolist()
    with pytest.raises(TransencError, match="unknown search 'annoy'"):
        nearest(embeddings, 3, search="annoy")


def test_mined_pairs_have_no_self_pair_no_repeat_and_repeat_for_a_seed():
    embeddings = unit(120, seed=1)
    mined = mine(embeddings, neighbours=3, random_partners=2, seed=5)
    pairs = list(zip(mined.first.tolist(), mined.second.tolist(), strict=True))
    assert all(a != b for a, b in pairs)
    assert len({tuple(sorted(p)) for p in pairs}) == len(pairs)
    # every sentence's 3 nearest are among its pairs
    index, _ = nearest(embeddings, 3)
    found = {tuple(sorted(p)) for p in pairs}
    assert all(tuple(sorted((i, int(j)))) in found for i in range(120) for j in index[i])
    assert set(mined.kinds) == {"neighbour", "random"}
    again = mine(embeddings, neighbours=3, random_partners=2, seed=5, block_rows=7, block_cols=9)
    assert again.first.tolist() == mined.first.tolist()
    assert again.second.tolist() == mined.second.tolist()
    other = mine(embeddings, neighbours=3, random_partners=2, seed=6)
    assert other.kinds.count("random") and other.second.tolist() != mined.second.tolist()
    capped = mine(embeddings, neighbours=3, random_partners=2, seed=5, max_pairs=50)
    kept = set(zip(capped.first.tolist(), capped.second.tolist(), strict=True))
    assert len(kept) == 50 and kept <= set(
        zip(mined.first.tolist(), mined.second.tolist(), strict=True)
    )


def test_given_pairs_lead_as_they_are_and_are_never_mined_again():
    embeddings = unit(60, seed=2)
    index, _ = nearest(embeddings, 1)
    # the given pairs: each sentence's nearest neighbour, one of them reversed, and a repeat
    first = [5, int(index[7, 0]), 9, 5]
    second = [int(index[5, 0]), 7, 11, int(index[5, 0])]
    given = (torch.tensor(first).numpy(), torch.tensor(second).numpy())
    joined = mine(embeddings, neighbours=3, random_partners=1, seed=5, given=given)
    assert joined.first[:4].tolist() == first and joined.second[:4].tolist() == second
    assert joined.kinds[:4] == ["given"] * 4 and "given" not in joined.kinds[4:]
    mined = {tuple(sorted(p)) for p in zip(joined.first[4:], joined.second[4:], strict=True)}
    assert not mined & {tuple(sorted(p)) for p in zip(first, second, strict=True)}
    alone = mine(embeddings, neighbours=3, random_partners=1, seed=5)
    alone_pairs = {tuple(sorted(p)) for p in zip(alone.first, alone.second, strict=True)}
    assert mined == alone_pairs - {tuple(sorted(p)) for p in zip(first, second, strict=True)}
    # the cap takes mined pairs only; the given ones all stay
    capped = mine(embeddings, neighbours=3, random_partners=1, seed=5, given=given, max_pairs=10)
    assert len(capped.kinds) == 14 and capped.kinds[:4] == ["given"] * 4
    assert torch.allclose(
        torch.from_numpy(joined.cosines[:4]).float(),
        (embeddings[first] * embeddings[second]).sum(dim=1),
        atol=1e-6,
    )


def test_sentence_files_of_every_kind(tmp_path):
    (tmp_path / "s.txt").write_text("one\n\ntwo\none\nthree\n")
    assert read_sentences(tmp_path / "s.txt") == ["one", "two", "three"]
    (tmp_path / "s.tsv").write_text('id\ttext\n1\t"unbalanced start\n2\tsecond\n')
    assert read_sentences(tmp_path / "s.tsv") == ['"unbalanced start', "second"]
    (tmp_path / "s.jsonl").write_text('{"body": "x"}\n{"body": "y"}\n')
    assert read_sentences(tmp_path / "s.jsonl", column="body") == ["x", "y"]
    with gzip.open(tmp_path / "s.txt.gz", "wt") as handle:
        handle.write("alpha\nbeta\n")
    assert read_sentences(tmp_path / "s.txt.gz") == ["alpha", "beta"]
    with pytest.raises(DataError, match=r"s\.jsonl:1: no column 'sentence' or 'text'"):
        read_sentences(tmp_path / "s.jsonl")
    (tmp_path / "one.txt").write_text("same\nsame\n")
    with pytest.raises(DataError, match="1 distinct sentence"):
        read_sentences(tmp_path / "one.txt")


@pytest.fixture
def sentences_file(tmp_path):
    rng = random.Random(1)
    lines = {" ".join(rng.choices(WORDS, k=rng.randint(3, 7))) for _ in range(40)}
    path = tmp_path / "sentences.txt"
    path.write_text("\n".join(sorted(lines)) + "\n")
    return path


def test_mine_pairs_writes_a_corpus_bootstrap_reads(sentences_file, tiny_bi, tmp_path):
    out = tmp_path / "pairs.tsv"
    args = ["mine-pairs", str(sentences_file), "--out", str(out), "-m", str(tiny_bi)]
    result = CliRunner().invoke(app, [*args, "--neighbours", "2", "--random", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    corpus = read_pair_file(out)
    assert len(corpus) >= len(read_sentences(sentences_file)) * 2  # 2 neighbours each, at least
    assert "neighbours" in result.output and "random" in result.output
    fails([*args, "--neighbours", "0", "--random", "0"], "not both 0")
    # no --progress flag, output not a terminal: lines only, no bar's carriage returns
    plain = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "again.tsv")])
    assert plain.exit_code == 0, plain.output
    assert "\r" not in plain.output and "Batches" not in plain.output
    fails(["mine-pairs", str(tmp_path / "none.txt"), "--out", str(out)], "none.txt")


def test_bootstrap_from_sentences_resumes_without_mining_again(
    sentences_file, tiny_bi, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=False)

    def make():
        return config("", out, [tiny_bi], recipe=recipe, sentences=str(sentences_file))

    def killed(cfg):
        raise KeyboardInterrupt  # as if the run died while the cross-encoder trained

    with monkeypatch.context() as patch:
        patch.setattr(bootstrap.train_cross, "run", killed)
        with pytest.raises(KeyboardInterrupt):
            bootstrap.run(make())
    assert (out / "mined" / "pairs.tsv").is_file()
    result = bootstrap.run(make())
    assert "mined/mine" in result.stages_skipped and "round-1/train-cross" in result.stages_run
    manifest = json.loads((out / "mined" / "mine.manifest.json").read_text())
    assert manifest["metrics"]["sentences"] == len(read_sentences(sentences_file))
    run = json.loads((out / "run.json").read_text())
    assert run["sentences"]["neighbours"] == 3 and run["corpus"].endswith("mined/pairs.tsv")
    # other sentences under the same run directory: refused before anything is written
    other = tmp_path / "other.txt"
    other.write_text("first sentence\nsecond sentence\n")
    before = (out / "mined" / "pairs.tsv").read_bytes()
    with pytest.raises(TransencError, match="different sentences to mine"):
        bootstrap.run(config("", out, [tiny_bi], recipe=recipe, sentences=str(other)))
    assert (out / "mined" / "pairs.tsv").read_bytes() == before
    with pytest.raises(TransencError, match="--pairs or --sentences, not both"):
        config("x.tsv", out, [tiny_bi], recipe=recipe, sentences=str(other))


def test_bootstrap_augment_trains_on_its_pairs_and_the_mined_ones(
    sentences_file, tiny_bi, tmp_path
):
    sentences = read_sentences(sentences_file)
    pairs = tmp_path / "pairs.tsv"
    given = list(zip(sentences[:-1:2], sentences[1::2], strict=False))
    pairs.write_text("sentence1\tsentence2\n" + "".join(f"{a}\t{b}\n" for a, b in given))
    out = tmp_path / "run"
    recipe = tiny_recipe(rounds=1, contrastive=False)
    result = bootstrap.run(config(pairs, out, [tiny_bi], recipe=recipe, augment=True))
    trained = read_pair_file(out / "pairs.tsv")
    # the given pairs first, as they were; then mined pairs over the same sentences
    assert (
        list(zip(trained.sentence1[: len(given)], trained.sentence2[: len(given)], strict=True))
        == given
    )
    assert len(trained) > len(given) and set(trained.sentences) == set(sentences[: 2 * len(given)])
    manifest = json.loads((out / "mined" / "mine.manifest.json").read_text())
    assert manifest["metrics"]["given_pairs"] == len(given)
    run = json.loads((out / "run.json").read_text())
    assert run["augment"]["pairs"] == str(pairs) and run["corpus"].endswith("mined/pairs.tsv")
    again = bootstrap.run(config(pairs, out, [tiny_bi], recipe=recipe, augment=True))
    assert "mined/mine" in again.stages_skipped and not again.stages_run
    assert result.final_bi == again.final_bi
    # other given pairs under the same run directory: refused before anything is written
    before = (out / "mined" / "pairs.tsv").read_bytes()
    pairs.write_text(f"sentence1\tsentence2\n{sentences[0]}\t{sentences[-1]}\n")
    with pytest.raises(TransencError, match="different pairs to augment"):
        bootstrap.run(config(pairs, out, [tiny_bi], recipe=recipe, augment=True))
    assert (out / "mined" / "pairs.tsv").read_bytes() == before
    with pytest.raises(TransencError, match="--augment mines more pairs"):
        config("", tmp_path / "new", [tiny_bi], sentences=str(sentences_file), augment=True)
    fails(["bootstrap", "--out", str(tmp_path / "new"), "--augment"], "--augment")


def test_a_recipe_can_augment_and_the_command_line_decides(sentences_file, tiny_bi, tmp_path):
    from transenc.recipe import Recipe, load_recipe

    recipe = tiny_recipe(rounds=1, contrastive=False).with_overrides(augment=True)
    (tmp_path / "r.toml").write_text(recipe.to_toml())
    assert load_recipe(tmp_path / "r.toml").augment is True
    assert recipe.fingerprint() != recipe.with_overrides(augment=False).fingerprint()
    assert Recipe().fingerprint() == Recipe(augment=False).fingerprint()  # old runs resume
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("sentence1\tsentence2\na b\tc d\ne f\tg h\n")
    augmented = config(pairs, tmp_path / "a", [tiny_bi], recipe=recipe)
    assert augmented.augment and augmented.given_pairs == str(pairs)
    assert augmented.pairs.endswith("mined/pairs.tsv")
    plain = config(pairs, tmp_path / "b", [tiny_bi], recipe=recipe, augment=False)
    assert not plain.augment and plain.pairs == str(pairs)
    mined = config("", tmp_path / "c", [tiny_bi], recipe=recipe, sentences=str(sentences_file))
    assert not mined.augment  # every pair is mined already
    with pytest.raises(TransencError, match="recipe augment must be true or false"):
        Recipe(augment="yes")
