"""What the steps of a run hand each other, and what they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from transenc.data.corpus import PairCorpus
from transenc.pipeline.names import PAIRS_FILE, round_dir


@dataclass
class RunState:
    """The models and label files the steps give each other (a step's ``needs`` and ``gives``
    name these fields). Label files belong to one round; models carry over."""

    number: int = 0
    folder: Path | None = None
    bis: list[str] = field(default_factory=list)
    crosses: list[str] = field(default_factory=list)
    lates: list[str] = field(default_factory=list)
    bi_labels: Path | None = None
    # the cross-encoder's training labels where they are not the bi labels ([cross] pair_pool)
    cross_train_labels: Path | None = None
    # the bi-encoder's pool labelled ([bi] unchecked_pair_pool, where it applies)
    bi_pool_labels: Path | None = None
    cross_labels: Path | None = None
    targets: Path | None = None
    late_labels: Path | None = None

    def next_round(self, out: Path) -> None:
        self.number += 1
        self.folder = out / round_dir(self.number)
        self.bi_labels = self.cross_labels = self.targets = self.late_labels = None
        self.cross_train_labels = self.bi_pool_labels = None

    def has(self, name: str) -> bool:
        value = getattr(self, name)
        return bool(value) if isinstance(value, list) else value is not None


@dataclass
class RunContext:
    """What every step of one run reads: the config, its runner, the evaluation sets, and
    what the start steps found (teachers' label files, the starting bi-encoders)."""

    config: object  # BootstrapConfig
    runner: object  # Runner
    corpus: PairCorpus
    benchmarks: dict[str, PairCorpus]
    stsb_dev: dict[str, PairCorpus] | None = None
    teachers: list[str] = field(default_factory=list)  # resolved, in --teacher order
    gold: dict = field(default_factory=dict)  # the user's gold sets by name (--eval-gold)
    teacher_labels: dict[str, dict[str, Path]] = field(
        default_factory=lambda: {"bi": {}, "cross": {}}
    )
    initial_bis: list[str] = field(default_factory=list)
    # the models as the user gave them (before any SimCSE stage), and their own label files
    # where the recipe keeps them as teachers (start_teacher)
    start_bis: list[str] = field(default_factory=list)
    start_labels: dict[str, Path] = field(default_factory=dict)
    cross_pool: Path | None = None  # [cross] pair_pool: the mined pool of cross-encoder pairs
    # [bi] unchecked_pair_pool, where the corpus is too small to check the bi-encoder's stage
    bi_pool: Path | None = None
    table: dict[str, dict[str, float]] = field(default_factory=dict)
    dev_scores: dict[int, float] = field(default_factory=dict)

    @property
    def recipe(self):
        return self.config.recipe

    @property
    def out(self) -> Path:
        return self.config.out

    @property
    def pairs(self) -> Path:
        return self.config.out / PAIRS_FILE

    @property
    def count(self) -> int:
        return len(self.config.models)

    def settings(self, k: int, section: str):
        return self.recipe.settings_for(self.config.models[k], section)
