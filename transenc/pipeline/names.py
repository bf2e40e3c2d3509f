"""The fixed names of a run directory (see :mod:`transenc.pipeline`)."""

from __future__ import annotations

RUN_FILE = "run.json"
RECIPE_FILE = "recipe.toml"
PAIRS_FILE = "pairs.tsv"
REPORT_FILE = "report.md"
PLOT_FILE = "report.png"
METRICS_FILE = "metrics.json"
BI_LABELS = "bi_labels.tsv"
CROSS_LABELS = "cross_labels.tsv"
BI_TARGETS = "bi_targets.tsv"
LATE_LABELS = "late_labels.tsv"
START_DIR = "start"
CONTRASTIVE_DIR = "contrastive"
FINAL_DIR = "final"
TEACHERS_DIR = "teachers"
MINED_DIR = "mined"  # bootstrap --sentences: the pairs mined from them
MINED_PAIRS = "pairs.tsv"
GIVEN_PAIRS = "given.tsv"  # bootstrap --augment: the pairs the mined ones join
CROSS_POOL_DIR = "cross-pool"  # [cross] pair_pool: the pairs the cross-encoder trains on
CROSS_POOL_LABELS = "cross_pool_labels.tsv"
# [bi] unchecked_pair_pool: the pairs the bi-encoder trains on where the corpus is too small to
# check its stage
BI_POOL_DIR = "bi-pool"
BI_POOL_LABELS = "bi_pool_labels.tsv"


def round_dir(number: int) -> str:
    return f"round-{number}"


def model_dir_name(kind: str, index: int, count: int) -> str:
    """``bi`` for a single model, ``bi-1``, ``bi-2``, ... in mutual distillation."""
    return kind if count == 1 else f"{kind}-{index + 1}"


def start_teacher_name(index: int, count: int) -> str:
    """A starting model as a frozen label source (recipe ``start_teacher``): ``start`` for a
    single model, ``start-1``, ``start-2``, ... in mutual distillation."""
    return "start" if count == 1 else f"start-{index + 1}"
