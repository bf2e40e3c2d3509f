"""Shared fixtures: tiny random BERTs built once per session, STS data fixtures.

Nothing here downloads anything: the tiny models are built from a config and a hand-written
WordPiece vocabulary; the real STS data is used only when ``../shared/data/sts`` (or
``$TRANSENC_DATA``) is present, otherwise those tests skip with a reason.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

# No test may reach a model hub: fail fast instead of waiting on a network that is not there.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SHARED_STS = REPO.parent / "shared" / "data" / "sts"

WORDS = (
    "a an the is are was man woman men women boy girl dog cat kid kids child playing plays play "
    "guitar piano ball soccer running runs walks walking on in at of and with to by for street "
    "park beach car red blue small big young old sitting riding horse bike eating food water "
    "there no not two three one group people person someone something his her their"
).split()


def build_vocab() -> list[str]:
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
    digits = [str(d) for d in range(10)]
    punctuation = list(".,;:!?'\"-()/&%$#@")
    return (
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        + letters
        + digits
        + punctuation
        + [f"##{c}" for c in letters + digits]
        + WORDS
    )


def build_tiny_bert(folder: Path, hidden_size: int = 32, layers: int = 2, seed: int = 0) -> Path:
    """A random 2-layer BERT (hidden 32) with its tokenizer, saved as a transformers folder."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(build_vocab()) + "\n")
    tokenizer = BertTokenizerFast(str(vocab_file), do_lower_case=True, model_max_length=128)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(build_vocab()),
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=hidden_size * 2,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory) -> dict[str, Path]:
    """Folders built once: ``hf`` (plain transformers), ``bi`` (sentence-transformers),
    ``cross`` (CrossEncoder, one output) and ``bi_small`` (a smaller bi-encoder)."""
    from sentence_transformers import CrossEncoder, SentenceTransformer

    root = tmp_path_factory.mktemp("tiny-models")
    hf = build_tiny_bert(root / "hf")
    SentenceTransformer(str(hf), device="cpu").save(str(root / "bi"))
    CrossEncoder(str(hf), num_labels=1, device="cpu").save(str(root / "cross"))
    small = build_tiny_bert(root / "hf_small", hidden_size=16, layers=1, seed=1)
    SentenceTransformer(str(small), device="cpu").save(str(root / "bi_small"))
    return {"hf": hf, "bi": root / "bi", "cross": root / "cross", "bi_small": root / "bi_small"}


def _copy_fixture(name: str):
    @pytest.fixture
    def fixture(tiny_model_dirs, tmp_path) -> Path:
        target = tmp_path / f"model-{name}"
        shutil.copytree(tiny_model_dirs[name], target)
        return target

    return fixture


tiny_hf = _copy_fixture("hf")
tiny_bi = _copy_fixture("bi")
tiny_cross = _copy_fixture("cross")
tiny_bi_small = _copy_fixture("bi_small")


PAIR_WORDS = (
    "a man is playing guitar the woman eating food dog runs in park kids play soccer on beach"
)


@pytest.fixture
def pairs_file(tmp_path) -> Path:
    """48 random unlabeled pairs over a small vocabulary, as a TSV corpus."""
    rng = random.Random(0)
    words = PAIR_WORDS.split()
    rows = [
        (" ".join(rng.choices(words, k=6)), " ".join(rng.choices(words, k=5))) for _ in range(48)
    ]
    path = tmp_path / "pairs.tsv"
    path.write_text("sentence1\tsentence2\n" + "".join(f"{a}\t{b}\n" for a, b in rows))
    return path


@pytest.fixture(scope="session")
def sts_data_dir() -> Path:
    """The real STS release files, or a skip when this machine does not have them."""
    candidates = [Path(p) for p in (os.environ.get("TRANSENC_DATA"), SHARED_STS) if p]
    for candidate in candidates:
        if (candidate / "stsbenchmark" / "sts-test.csv").is_file():
            return candidate
    pytest.skip("STS data not found (../shared/data/sts or $TRANSENC_DATA)")


# --- a miniature data directory with every quirk of the real releases ------------------------


def write(path: Path, text: str, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


@pytest.fixture
def mini_sts_dir(tmp_path) -> Path:
    """A data dir laid out like the releases, a few pairs per task, every documented trap."""
    root = tmp_path / "sts"
    pairs = [
        ("A man is playing a guitar.", "A man plays the guitar."),
        ("A woman is eating food.", "A dog runs in the park."),
        ("Two kids are playing soccer.", "Children play soccer on the beach."),
        ("A cat is sitting.", "A cat sits on a red car."),
    ]
    scored = ["4.8", "0.2", "3.5", "2.0"]
    for year in (12, 13, 14, 15):
        folder = root / "STS" / f"STS{year}-en-test"
        write(folder / "STS.input.alpha.txt", "".join(f"{a}\t{b}\n" for a, b in pairs))
        gold = scored if year != 15 else ["4.8", "", "3.5", ""]  # STS15: unscored pairs
        write(folder / "STS.gs.alpha.txt", "".join(f"{g}\n" for g in gold))
    write(root / "STS/STS12-en-test/STS.gs.ALL.txt", "1\n2\n3\n4\n")  # gold without input
    write(root / "STS/STS13-en-test/STS.gs.SMT.txt", "1\n2\n")  # input not redistributable
    folder = root / "STS" / "STS16-en-test"
    write(
        folder / "STS2016.input.beta.txt",
        "".join(f"{a}\t{b}\tsrc one\tsrc two\n" for a, b in pairs),
    )
    write(folder / "STS2016.gs.beta.txt", "5\n\n1\n3\n")
    stsb_rows = [
        f"main-captions\tMSRvid\t2012test\t{i:04d}\t{g}\t{a}\t{b}"
        for i, ((a, b), g) in enumerate(zip(pairs, scored, strict=True))
    ]
    stsb_rows[1] += "\tsource one\tsource two"  # extra columns on some rows
    stsb_rows[2] = stsb_rows[2].replace("Two kids", 'Two "kids')  # an unbalanced bare quote
    for split in ("train", "dev", "test"):
        write(root / "stsbenchmark" / f"sts-{split}.csv", "\n".join(stsb_rows) + "\n")
    header = "pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment\n"
    sick = header + "".join(
        f"{i}\t{a}\t{b}\t{float(g) + 1:.1f}\tNEUTRAL\n"
        for i, ((a, b), g) in enumerate(zip(pairs, scored, strict=True))
    )
    write(root / "SICK/SICK_train.txt", sick)
    write(root / "SICK/SICK_trial.txt", sick)
    write(root / "SICK/SICK_test_annotated.txt", sick, newline="\r\n")
    return root
