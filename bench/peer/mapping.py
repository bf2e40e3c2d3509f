"""A transenc recipe as the arguments of the peer's ``src/self_distill.py``.

The peer's script takes epochs, batch sizes, cycles, pooling and seed as arguments and fixes
everything else in its code (learning rates, warm-up, lengths, objectives). A recipe maps only
when every value the peer fixes is the one the recipe asks for; otherwise :class:`PeerMismatch`
names the setting, so that a comparison is never run at unequal settings by accident.
:func:`differences` lists what still differs at equal settings and cannot be made equal.
"""

from __future__ import annotations

import json
from pathlib import Path

from transenc.recipe import DEFAULT_ROUND_STEPS, Recipe

# section, setting -> the value the peer's code fixes
PEER_FIXED = {
    ("cross", "learning_rate"): 2e-5,  # CrossEncoder.fit's default optimizer_params
    ("cross", "warmup_ratio"): 0.1,  # ceil(10% of the steps)
    ("cross", "max_length"): 64,
    ("bi", "learning_rate"): 5e-5,
    ("bi", "warmup_ratio"): 0.0,  # warmup_steps=0
    ("bi", "max_length"): 32,
}
POOLING_KEYS = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


class PeerMismatch(ValueError):
    """The recipe asks for a setting the peer's script cannot take."""


def _whole(value: float, what: str) -> int:
    if float(value) != int(value):
        raise PeerMismatch(f"{what} is {value}; the peer takes whole epochs only")
    return int(value)


def _check(recipe: Recipe) -> None:
    for (section, name), peer_value in PEER_FIXED.items():
        value = getattr(getattr(recipe, section), name)
        if value != peer_value:
            raise PeerMismatch(
                f"[{section}] {name} is {value!r}; the peer's code fixes {peer_value!r}"
            )
    fixed = {
        "[contrastive] enabled": (recipe.contrastive, False),
        "[cross] loss": (recipe.cross_loss, "bce"),
        "[bi] loss": (recipe.bi_loss, "cosine-mse"),
        "[bi] dual_reg": (bool(recipe.bi_dual_reg), False),
        "[bi] cross_label_weight": (recipe.cross_label_weight, 1.0),
        "[label] both_orders": (recipe.cross_label_both_orders, False),
        "[round] steps": (list(recipe.round_steps), list(DEFAULT_ROUND_STEPS)),
        "max_pairs": (recipe.max_pairs, 0),
    }
    for what, (value, peer_value) in fixed.items():
        if value != peer_value:
            raise PeerMismatch(f"{what} is {value!r}; the peer's script has {peer_value!r}")
    if recipe.rounds > 1 and recipe.bi_round_start != "initial":
        raise PeerMismatch(
            "[bi] round_start is 'previous'; the peer's published runs (--init_with_new_models) "
            "start every cycle's bi-encoder from the initial model: use 'initial'"
        )


def pooling_mode(model_dir: Path) -> str:
    """``mean`` or ``cls``, from a sentence-transformers folder's ``1_Pooling/config.json``."""
    config = json.loads((Path(model_dir) / "1_Pooling" / "config.json").read_text())
    modes = [mode for key, mode in POOLING_KEYS.items() if config.get(key)]
    if len(modes) != 1:
        raise PeerMismatch(f"{model_dir}: pooling {config} is neither mean nor cls alone")
    return modes[0]


def peer_arguments(recipe: Recipe, model_dir: Path, pairs_file: Path, seed: int) -> list[str]:
    """The ``self_distill.py`` arguments for ``recipe`` from ``model_dir`` on ``pairs_file``."""
    _check(recipe)
    return [
        "--model_name_or_path", str(model_dir),
        "--task", "custom",
        "--custom_corpus_path", str(pairs_file),
        "--cycle", str(recipe.rounds),
        "--bi_encoder_pooling_mode", pooling_mode(model_dir),
        "--num_epochs_cross_encoder", str(_whole(recipe.cross.epochs, "[cross] epochs")),
        "--num_epochs_bi_encoder", str(_whole(recipe.bi.epochs, "[bi] epochs")),
        "--batch_size_cross_encoder", str(recipe.cross.batch_size),
        "--batch_size_bi_encoder", str(recipe.bi.batch_size),
        "--random_seed", str(seed),
        "--init_with_new_models",
    ]  # fmt: skip


KEEP_LAST_NOTE = (
    "the peer with `--keep_last` trains without its dev checks and keeps its last weights, as "
    "transenc does; it still scores STS-B dev once after each stage, for its log only"
)


def differences(recipe: Recipe, keep_last: bool = False) -> list[str]:
    """What differs between the two at equal settings, and cannot be set equal
    (``keep_last``: the peer run with ``--keep_last``)."""
    notes = [
        "label map: the peer trains BCE on the raw cosine (negative cosines as targets below 0); "
        f"transenc maps them with `{recipe.label_map}`",
        "weight decay: the peer 0.01 (sentence-transformers 2.0 fit), transenc 0 (Trainer default)",
        KEEP_LAST_NOTE
        if keep_last
        else "the peer evaluates on STS-B dev during training (every 200 steps and each epoch) "
        "and keeps the best checkpoint: it reads gold; transenc reads none",
        "precision: the peer asks for CUDA AMP, which is off on a CPU (fp32); transenc `auto`",
        "label lengths: the peer labels with the bi-encoder truncated to 32 tokens and the "
        "cross-encoder to 64 (its training lengths); transenc labels whole sentences (up to "
        "the model's own limit) and truncates only in training",
    ]
    chunks = {name: getattr(recipe, name).length_chunk for name in ("cross", "bi")}
    if any(chunks.values()):
        notes.append(
            "forward passes: transenc runs each training batch in length-sorted chunks ("
            + ", ".join(f"{name} {size} rows" for name, size in chunks.items() if size)
            + "): the same batches and loss as the peer's single pass, with less padding"
        )
    if recipe.rounds > 1:
        notes.append(
            "after round 1 the peer starts each cross-encoder from the initial model, transenc "
            "from the previous round's cross-encoder"
        )
    return notes
