"""``bootstrap``: the trans-encoder loop. Its parts live in :mod:`transenc.pipeline`; this
module keeps the names callers import (``from transenc.bootstrap import run``)."""

from transenc.pipeline import BootstrapConfig, BootstrapResult, protocol_line, run
from transenc.pipeline.names import (
    CONTRASTIVE_DIR,
    FINAL_DIR,
    METRICS_FILE,
    PAIRS_FILE,
    RECIPE_FILE,
    REPORT_FILE,
    RUN_FILE,
    START_DIR,
    TEACHERS_DIR,
    model_dir_name,
)
from transenc.pipeline.registry import parse_stage_ref
from transenc.stages import train_bi, train_cross, train_late  # for tests that patch a stage

__all__ = [
    "CONTRASTIVE_DIR",
    "FINAL_DIR",
    "METRICS_FILE",
    "PAIRS_FILE",
    "RECIPE_FILE",
    "REPORT_FILE",
    "RUN_FILE",
    "START_DIR",
    "TEACHERS_DIR",
    "BootstrapConfig",
    "BootstrapResult",
    "model_dir_name",
    "parse_stage_ref",
    "protocol_line",
    "run",
    "train_bi",
    "train_cross",
    "train_late",
]
