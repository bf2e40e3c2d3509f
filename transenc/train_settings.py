"""Training settings: one training stage's epochs, batch, learning rate, length and precision,
with the public defaults of each stage and the checks a recipe section gets."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from transenc.errors import TransencError
from transenc.manifest import ADDED, ROLE, RUNTIME
from transenc.precision import PRECISIONS  # auto, fp32, bf16: see transenc.precision


@dataclass
class TrainSettings:
    """One training stage: epochs, batch size, learning rate, linear warm-up, input length, and how
    the trainer runs: ``precision`` (``fp32``, ``bf16`` mixed precision, or ``auto``: bf16 where
    the device computes it natively, see :mod:`transenc.precision`) and ``length_grouped``
    batches (see :mod:`transenc.batching`). ``min_steps`` sets a floor on the optimizer steps:
    on a corpus too small for ``epochs`` to reach it, the stage trains that many steps instead
    (more passes over the same pairs), so that a budget set in epochs does not shrink with the
    corpus; ``max_passes`` caps that floor at that many passes over the pairs, so that on a very
    small corpus it does not become hundreds. ``keep_best`` scores the pairs the recipe's
    ``held_back`` keeps out every ``check_every`` steps (0: a tenth of the planned steps) by the
    Spearman of the model's scores with their targets (held-back fidelity: no gold label is
    read), keeps the weights where it was highest, and with ``patience`` stops after that many
    checks without a gain (0: trains the whole budget); with fewer than ``min_checked_pairs``
    held-back pairs, too few to rank weights by, the stage skips the checks and keeps its last
    weights. ``length_chunk`` runs each training batch's forward pass in length-sorted chunks of
    that many rows (0: the whole batch at once): the same batches, less padding computed (see
    :mod:`transenc.chunking`)."""

    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    # tokens, or "auto": the length covering 99% of the stage's inputs, all of the bi-encoder's
    # sentences (transenc.lengths)
    max_length: int | str = 64
    precision: str = "fp32"
    # off by default: measured on STS-B train it cost a cross-encoder 1.1 points
    # (bench.suite.training)
    length_grouped: bool = False
    # added after run directories were made: recorded only when set (transenc.manifest)
    min_steps: int = field(default=0, metadata={ROLE: ADDED})
    max_passes: int = field(default=0, metadata={ROLE: ADDED})
    keep_best: bool = field(default=False, metadata={ROLE: ADDED})
    check_every: int = field(default=0, metadata={ROLE: ADDED})
    patience: int = field(default=0, metadata={ROLE: ADDED})
    min_checked_pairs: int = field(default=0, metadata={ROLE: ADDED})
    # the same batches and loss, less padding: how the stage runs, so not in its fingerprint
    length_chunk: int = field(default=0, metadata={ROLE: RUNTIME})

    def __post_init__(self) -> None:
        # TOML writes 1 and 1.0 alike; normalise so equal recipes have equal fingerprints
        self.epochs = float(self.epochs)
        self.learning_rate = float(self.learning_rate)
        self.warmup_ratio = float(self.warmup_ratio)

    def check(self, section: str) -> None:
        if self.epochs <= 0:
            raise TransencError(f"recipe [{section}] epochs must be positive")
        if self.batch_size < 1:
            raise TransencError(f"recipe [{section}] batch_size must be at least 1")
        if not 0 < self.learning_rate < 1:
            raise TransencError(f"recipe [{section}] learning_rate must be in (0, 1)")
        if not 0 <= self.warmup_ratio < 1:
            raise TransencError(f"recipe [{section}] warmup_ratio must be in [0, 1)")
        if self.max_length != "auto" and (
            isinstance(self.max_length, bool)
            or not isinstance(self.max_length, int)
            or self.max_length < 4
        ):
            raise TransencError(
                f'recipe [{section}] max_length must be a whole number of at least 4, or "auto"'
            )
        counts = ("min_steps", "max_passes", "check_every", "patience", "min_checked_pairs")
        for key in (*counts, "length_chunk"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TransencError(f"recipe [{section}] {key} must be a whole number")
            if value < 0:
                raise TransencError(f"recipe [{section}] {key} must be 0 (off) or positive")
        if self.max_passes and self.epochs > self.max_passes:
            raise TransencError(
                f"recipe [{section}] epochs ({self.epochs:g}) is more than max_passes "
                f"({self.max_passes})"
            )
        if not isinstance(self.keep_best, bool):
            raise TransencError(f"recipe [{section}] keep_best must be true or false")
        if (self.check_every or self.patience or self.min_checked_pairs) and not self.keep_best:
            raise TransencError(
                f"recipe [{section}] check_every, patience and min_checked_pairs need "
                "keep_best = true"
            )
        if self.precision not in PRECISIONS:
            raise TransencError(
                f"recipe [{section}] precision must be one of {', '.join(PRECISIONS)}"
            )


def contrastive_defaults() -> TrainSettings:
    # unsupervised SimCSE: batch 64, lr 3e-5, max length 32, one epoch
    return TrainSettings(
        epochs=1, batch_size=64, learning_rate=3e-5, warmup_ratio=0.0, max_length=32
    )


def cross_defaults() -> TrainSettings:
    return TrainSettings(
        epochs=1, batch_size=32, learning_rate=2e-5, warmup_ratio=0.1, max_length=64
    )


def bi_defaults() -> TrainSettings:
    return TrainSettings(
        epochs=10, batch_size=128, learning_rate=5e-5, warmup_ratio=0.1, max_length=32
    )


def late_defaults() -> TrainSettings:
    return TrainSettings(
        epochs=1, batch_size=32, learning_rate=2e-5, warmup_ratio=0.1, max_length=32
    )


def check_section(value, name: str, source: str) -> None:
    if not isinstance(value, dict):
        raise TransencError(f"{source}: [{name}] must be a table")
    bad = sorted(set(value) - {f.name for f in fields(TrainSettings)})
    if bad:
        raise TransencError(f"{source}: unknown key(s) in [{name}]: {', '.join(bad)}")
    defaults = TrainSettings()
    for key, item in value.items():
        if key == "max_length" and item == "auto":
            continue
        check_type(item, getattr(defaults, key), f"[{name}] {key}", source)


def check_type(value, default, key: str, source: str) -> None:
    """A value of the default's type: ``true``/``false`` for a switch (``"no"`` is not false),
    a whole number for a count (1.5 is not one), a finite number for a rate."""
    if isinstance(default, bool):
        expected, ok = "true or false", isinstance(value, bool)
    elif isinstance(default, int):
        expected, ok = "a whole number", isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        expected = "a finite number"
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
    else:
        expected, ok = "a string", isinstance(value, str)
    if not ok:
        raise TransencError(f"{source}: {key} must be {expected}, not {value!r}")
