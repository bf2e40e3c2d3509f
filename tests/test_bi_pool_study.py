"""The pool study (bench/studies/bi_pool.py): a recorded run's bi-encoder stage again, on its
corpus's pairs and on a pool mined from their sentences, both labelled by the same two models."""

import json
import random

from bench.studies.bi_pool import markdown, study

WORDS = "a man is playing guitar the woman eating food dog runs in park kids play soccer".split()


def fake_run(folder, tiny_bi):
    """A source folder holding a gold half and one recorded run: its corpus, and the manifests of
    its contrastive and train-bi stages."""
    rng = random.Random(0)
    run = folder / "transenc-vouched-seed1"
    (run / "round-1").mkdir(parents=True)
    (run / "contrastive").mkdir()
    pairs = {
        (" ".join(rng.choices(WORDS, k=5)), " ".join(rng.choices(WORDS, k=4))) for _ in range(30)
    }
    (run / "pairs.tsv").write_text(
        "sentence1\tsentence2\n" + "".join(f"{a}\t{b}\n" for a, b in sorted(pairs))
    )
    settings = {"epochs": 1, "batch_size": 8, "max_length": 16, "learning_rate": 1e-3}
    for stage in ("contrastive/bi", "round-1/train-bi"):
        manifest = {
            "config": {"settings": settings, "seed": 3, "held_back": 0.0, "loss": "cosine-mse"},
            "input_paths": {"model": str(tiny_bi)},
        }
        (run / f"{stage}.manifest.json").write_text(json.dumps(manifest))
    gold = [
        (" ".join(rng.choices(WORDS, k=5)), " ".join(rng.choices(WORDS, k=4))) for _ in range(30)
    ]
    (folder / "gold_src.tsv").write_text(
        "sentence1\tsentence2\tscore\n"
        + "".join(f"{a}\t{b}\t{rng.uniform(0, 5):.2f}\n" for a, b in gold)
    )
    return run, len(pairs)


def test_the_pool_arm_trains_on_more_pairs_than_the_corpus_arm(tiny_bi, tmp_path):
    folder = tmp_path / "sts-genres" / "src"
    run, count = fake_run(folder, tiny_bi)
    before = sorted(p.name for p in run.rglob("*"))
    found = study(folder, "transenc-vouched", 3.0, last=False)
    assert found["corpus"]["pairs"] == count
    # the corpus's pairs and about twice as many mined (fewer where the sentences run out)
    assert count < found["pool"]["pairs"] <= 3 * count
    for arm in ("corpus", "pool"):  # rounded figures: within a rounding step of the difference
        assert abs(found[arm]["change"] - (found[arm]["bi"] - found["start"])) < 0.011
    assert sorted(p.name for p in run.rglob("*")) == before  # the recorded run is untouched


def test_the_page_puts_each_variant_and_seed_in_its_column():
    def entry(weights, change, seed=None):
        pool = {"pairs": 40, "steps": 9, "kept_step": 5 if weights != "last" else None}
        return {
            "figures": {
                "domain": "src",
                "start": 70.0,
                "corpus": {"pairs": 10, "steps": 3, "change": -2.0},
                "pool_weights": weights,
                "pool": {**pool, "change": change},
                **({"seed": seed} if seed else {}),
            }
        }

    kept = "kept on held-back checks"
    text = markdown([entry(kept, -0.5), entry("last", -3.0), entry(kept, 0.25, seed=2)])
    assert "| src | 70.00 | -2.00 | -0.50 (5) | -3.00 | -2.00 | +0.25 (5) |" in text
    assert "corpus (seed: the run's) | pool, kept on held-back checks (seed: the run's)" in text
    assert "+0.25, worst +0.25, 0 of 1 below -0.5" in text
