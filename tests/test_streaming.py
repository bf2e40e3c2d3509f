"""Corpora larger than memory: pairs and labels read in chunks, labelled chunk by chunk with a
bounded embedding cache, giving the files one-shot labelling gives."""

from __future__ import annotations

import numpy as np
import pytest

from transenc.data.readers import read_pair_chunks, read_pair_file
from transenc.embedding_cache import EmbeddingCache
from transenc.errors import DataError
from transenc.labels import read_label_chunks, read_labels, write_labels
from transenc.stages import label


def test_pair_chunks_add_up_to_the_file(pairs_file):
    whole = read_pair_file(pairs_file)
    chunks = list(read_pair_chunks(pairs_file, 10))
    assert [len(c) for c in chunks] == [10, 10, 10, 10, 8]
    assert [p for c in chunks for p in c.pairs] == whole.pairs


def test_a_bad_line_in_a_later_chunk_is_named(tmp_path):
    path = tmp_path / "pairs.tsv"
    rows = [f"s{k} a\ts{k} b" for k in range(30)]
    rows[24] = "only one sentence"
    path.write_text("sentence1\tsentence2\n" + "\n".join(rows) + "\n")
    chunks = read_pair_chunks(path, 10)
    assert len(next(chunks)) == 10 and len(next(chunks)) == 10
    with pytest.raises(DataError, match=r"pairs.tsv:26: row has one sentence"):
        next(chunks)


def test_label_chunks_add_up_to_the_file_and_truncation_is_caught(pairs_file, tmp_path):
    corpus = read_pair_file(pairs_file)
    labelled = corpus.with_scores(np.linspace(-1, 1, len(corpus)))
    path = write_labels(labelled, tmp_path / "labels.tsv")
    chunks = list(read_label_chunks(path, 7))
    assert [p for c in chunks for p in c.pairs] == corpus.pairs
    np.testing.assert_allclose(
        np.concatenate([c.scores for c in chunks]), labelled.scores, atol=1e-7
    )
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-5]))
    with pytest.raises(DataError, match="truncated: 43 of 48 pairs"):
        list(read_label_chunks(path, 7))


def test_embedding_cache_is_bounded_and_recomputes_what_it_dropped():
    encoded: list[str] = []

    def encode(sentences):
        encoded.extend(sentences)
        return np.array([[len(s), ord(s[0])] for s in sentences], dtype=np.float32)

    cache = EmbeddingCache(max_sentences=2)
    first = cache.lookup(["a", "bb", "ccc"], encode)
    assert first.shape == (3, 2) and len(cache) == 2  # "a" dropped: least recently used
    again = cache.lookup(["bb", "ccc", "a"], encode)
    assert encoded == ["a", "bb", "ccc", "a"]  # only the dropped one was encoded again
    np.testing.assert_array_equal(again, first[[1, 2, 0]])
    assert (cache.hits, cache.misses) == (2, 4)


@pytest.mark.parametrize("kind", ["bi", "cross"])
def test_chunked_labelling_equals_one_shot(kind, tiny_bi, tiny_cross, pairs_file, tmp_path):
    """Chunks of 7 pairs and a cache of 5 sentences (so embeddings are dropped and recomputed),
    with a frozen teacher's label file read in step: the files of labelling in one go."""
    corpus = read_pair_file(pairs_file)
    teacher = write_labels(
        corpus.with_scores(np.linspace(0, 1, len(corpus))), tmp_path / "teacher.tsv"
    )
    model = tiny_bi if kind == "bi" else tiny_cross
    results = {}
    for name, chunk_pairs, cache in (("one-shot", 10_000, 10_000), ("chunked", 7, 5)):
        config = label.LabelConfig(
            [str(model)],
            str(pairs_file),
            tmp_path / name / "labels.tsv",
            extra_labels={"teacher-1": teacher},
            chunk_pairs=chunk_pairs,
            cache_sentences=cache,
        )
        label.run(config)
        results[name] = {
            source: read_labels(path)
            for source, path in {"combined": config.output, **config.extra_outputs()}.items()
        }
    assert set(results["chunked"]) == {"combined", "model-1", "teacher-1"}
    for source, one_shot in results["one-shot"].items():
        chunked = results["chunked"][source]
        assert chunked.pairs == one_shot.pairs
        np.testing.assert_allclose(chunked.scores, one_shot.scores, atol=1e-6)


def test_a_teacher_file_with_other_pairs_is_refused(tiny_bi, pairs_file, tmp_path):
    corpus = read_pair_file(pairs_file)
    shifted = corpus.with_scores(np.zeros(len(corpus)))
    teacher = write_labels(shifted, tmp_path / "teacher.tsv")
    rows = teacher.read_text().splitlines(keepends=True)
    rows[20], rows[21] = rows[21], rows[20]
    teacher.write_text("".join(rows))
    config = label.LabelConfig(
        [str(tiny_bi)],
        str(pairs_file),
        tmp_path / "labels.tsv",
        extra_labels={"teacher-1": teacher},
        chunk_pairs=7,
    )
    with pytest.raises(DataError, match="teacher.tsv: pairs differ"):
        label.run(config)
    assert not list(tmp_path.glob("labels*.tsv"))
