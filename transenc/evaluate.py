"""STS evaluation: Spearman x100 per task in the "all" setting, and their average.

All tasks are scored in one pass: the bi-encoder encodes the union of the tasks' distinct
sentences once (STS years and STS-B share many), the cross-encoder reads each distinct pair once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from transenc.atomic import check_writable, write_text_atomic
from transenc.data.corpus import PairCorpus
from transenc.data.sts import STS_TASKS, default_data_dir, load_sts_task
from transenc.errors import DataError, TransencError
from transenc.models import KINDS, detect_kind, load_model
from transenc.scoring import scores_of
from transenc.versions import library_versions

logger = logging.getLogger(__name__)

AVERAGE = "avg"


@dataclass
class EvalConfig:
    """What to evaluate and how.

    Attributes:
        model: a model folder, a hub id, or ``default`` (the embedded all-MiniLM-L6-v2).
        kind: ``auto`` (from the folder's files), ``bi``, ``cross`` or ``late``.
        data_dir: STS data directory; ``None`` means ``$TRANSENC_DATA`` or ``data/sts``.
        tasks: task names out of ``STS_TASKS``.
        both_orders: cross-encoders only: average the scores of (s1, s2) and (s2, s1) (the
            default, as bootstrap scores them, so that both give one figure per model).
        output: where to write the metrics JSON (``None``: nowhere).
        train_pairs: a corpus spec the model was trained on: the result then says how many of
            each task's pairs it contains (transductive, partly, inductive).
    """

    model: str
    kind: str = "auto"
    data_dir: Path | None = None
    tasks: tuple[str, ...] = STS_TASKS
    batch_size: int = 64
    max_seq_length: int | None = None
    both_orders: bool = True
    output: Path | None = None
    show_progress: bool = False
    train_pairs: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TransencError(f"unknown kind {self.kind!r}; use one of {', '.join(KINDS)}")
        self.tasks = tuple(dict.fromkeys(self.tasks))
        unknown = [t for t in self.tasks if t not in STS_TASKS]
        if unknown or not self.tasks:
            raise TransencError(
                f"unknown task(s) {', '.join(unknown) or '(none given)'}; "
                f"known tasks: {', '.join(STS_TASKS)}"
            )
        if self.batch_size < 1:
            raise TransencError("batch size must be at least 1")
        if self.max_seq_length is not None and self.max_seq_length < 1:
            raise TransencError("max sequence length must be at least 1")
        self.data_dir = Path(self.data_dir) if self.data_dir is not None else default_data_dir()
        self.output = Path(self.output) if self.output is not None else None
        if self.output is not None:  # before the evaluation, not after it
            check_writable(self.output, "metrics file")


@dataclass
class EvalResult:
    """Spearman x100 per task plus ``avg``, with what produced them."""

    model: str
    kind: str
    data_dir: str
    spearman: dict[str, float]
    pairs: dict[str, int]
    both_orders: bool = False
    versions: dict[str, str] = field(default_factory=library_versions)
    output: str | None = None
    train_pairs: str | None = None
    overlap: dict[str, dict] = field(default_factory=dict)

    @property
    def average(self) -> float:
        return self.spearman[AVERAGE]

    def to_dict(self) -> dict:
        return asdict(self)


def load_tasks(data_dir: Path, tasks: tuple[str, ...] = STS_TASKS) -> dict[str, PairCorpus]:
    """The scored test pairs of each task, by name; a task with fewer than two scored pairs is
    an error (its Spearman would be NaN)."""
    loaded = {task: load_sts_task(data_dir, task) for task in tasks}
    for task, corpus in loaded.items():
        if len(corpus) < 2:
            raise DataError(
                data_dir,
                f"task {task} has {len(corpus)} scored pair(s); a Spearman needs at least 2",
            )
    return loaded


def spearman_by_task(
    model,
    kind: str,
    benchmarks: dict[str, PairCorpus],
    batch_size: int = 64,
    both_orders: bool = False,
    show_progress: bool = False,
) -> dict[str, float]:
    """Spearman x100 of an already loaded model on each benchmark, plus their average."""
    pooled = PairCorpus.concat(benchmarks.values())
    predicted = scores_of(model, kind, pooled, batch_size, show_progress, both_orders=both_orders)
    return spearman_of_scores(benchmarks, predicted)


def spearman_of_scores(
    benchmarks: dict[str, PairCorpus], predicted: np.ndarray
) -> dict[str, float]:
    """Spearman x100 of ``predicted`` (scores for the benchmarks' pairs, concatenated in order)
    against each benchmark's gold scores, plus their average."""
    names = list(benchmarks)
    bounds = np.cumsum([0] + [len(benchmarks[n]) for n in names])
    result = {}
    for name, start, stop in zip(names, bounds[:-1], bounds[1:], strict=True):
        rho = spearmanr(benchmarks[name].scores, predicted[start:stop]).statistic
        result[name] = float(rho) * 100
    result[AVERAGE] = float(np.mean([result[n] for n in names]))
    return {name: round(value, 4) for name, value in result.items()}


def run(config: EvalConfig) -> EvalResult:
    """Evaluates ``config.model`` on the STS tasks; writes ``config.output`` if set."""
    benchmarks = load_tasks(config.data_dir, config.tasks)
    kind = detect_kind(config.model) if config.kind == "auto" else config.kind
    logger.info("evaluating %s as a %s-encoder on %s", config.model, kind, ", ".join(config.tasks))
    model = load_model(config.model, kind, config.max_seq_length)
    spearman = spearman_by_task(
        model, kind, benchmarks, config.batch_size, config.both_orders, config.show_progress
    )
    result = EvalResult(
        model=config.model,
        kind=kind,
        data_dir=str(config.data_dir),
        spearman=spearman,
        pairs={name: len(corpus) for name, corpus in benchmarks.items()},
        both_orders=config.both_orders and kind == "cross",
    )
    if config.train_pairs is not None:
        from transenc.data.readers import resolve_corpus
        from transenc.overlap import overlap_by_task

        result.train_pairs = config.train_pairs
        result.overlap = overlap_by_task(
            resolve_corpus(config.train_pairs, config.data_dir), benchmarks
        )
    if config.output is not None:
        result.output = str(config.output)
        write_text_atomic(config.output, json.dumps(result.to_dict(), indent=2) + "\n")
    return result


def format_table(rows: dict[str, dict[str, float]]) -> str:
    """A fixed-width table: one row per label, one column per task (and ``avg``)."""
    import pandas as pd

    def cell(value) -> str:
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    # format cell by cell first: a frame would turn a row of counts into floats
    cells = {label: {k: cell(v) for k, v in row.items()} for label, row in rows.items()}
    return pd.DataFrame.from_dict(cells, orient="index").fillna("").to_string()


def markdown_table(rows: dict[str, dict[str, float]]) -> str:
    """The same table as :func:`format_table`, as GitHub markdown."""
    columns = list(dict.fromkeys(c for row in rows.values() for c in row))
    lines = ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for label, row in rows.items():
        cells = [f"{row[c]:.2f}" if c in row else "" for c in columns]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
