"""The skeleton every label-learning stage shares (train-cross, train-bi, train-late).

Read the label file (its scores checked against the objective's range), seed, load the start
model, fit with the stage's loss, write a model card, save atomically, and say what happened
in one :class:`TrainResult`. A stage supplies only what differs: how the model loads, how the
labels become training columns, and how its loss is built.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sentence_transformers.base.evaluation import BaseEvaluator

from transenc.data.corpus import PairCorpus
from transenc.errors import TransencError
from transenc.labels import rank_agreement, read_labels
from transenc.lengths import COVERAGE, resolved
from transenc.precision import choose
from transenc.training import fit, model_card, save_model, seed_everything, truncated_to


@dataclass
class TrainResult:
    output: Path
    pairs: int
    examples: int
    seconds: float
    train_loss: float
    precision: str = "fp32"  # what the settings' precision resolved to here, and why
    max_length: int = 0  # the length it trained at
    length: str = ""  # with max_length "auto": what it covers
    # label-free: Spearman of the trained model's scores with the targets it learnt, on the
    # training pairs (bi- and late-interaction models; a cross-encoder's is read off its labels)
    fidelity: float | None = None
    # the same on the pairs the recipe's ``held_back`` kept out of training (their count)
    held_back: int | None = None
    held_back_fidelity: float | None = None
    # optimizer steps taken: the epochs', the settings' min_steps, or fewer where patience
    # stopped the stage
    steps: int = 0
    # with keep_best: held-back fidelity at each check ({step: fidelity}) and the step kept
    checks: dict[str, float] | None = None
    kept_step: int | None = None
    # keep_best asked for, but the checks skipped: why
    unchecked: str = ""
    # rows per length-sorted chunk of a batch's forward pass (None: whole batches)
    length_chunk: int | None = None

    def summary(self) -> str:
        return (
            f"{self.output}: {self.pairs} pairs ({self.examples} examples), "
            f"loss {self.train_loss:.4f}, {self.seconds:.0f}s, {self.precision}"
            + (f", {self.length}" if self.length else "")
            + (f", fidelity {self.fidelity:.4f}" if self.fidelity is not None else "")
            + (
                f", held-back fidelity {self.held_back_fidelity:.4f} ({self.held_back} pairs)"
                if self.held_back_fidelity is not None
                else ""
            )
            + (
                f", kept step {self.kept_step} of {self.steps} ({len(self.checks)} checks)"
                if self.checks
                else ""
            )
            + (f", {self.unchecked}" if self.unchecked else "")
        )


@dataclass(frozen=True)
class Learner:
    """What a label-learning stage brings to the skeleton."""

    title: str  # the model card's title
    loader: str  # the sentence-transformers class that loads the saved model
    labels_are: str  # what the label file holds, for the card ("bi-encoder cosines")
    load: Callable  # load(model) -> the model to train
    columns: Callable[[PairCorpus], dict[str, list]]  # the trainer's dataset columns
    loss: Callable  # loss(model) -> the sentence-transformers loss module
    loss_note: str  # the card's loss line
    reads_pairs: bool = False  # the model reads a pair jointly (its length is the pair's)
    scores_as: str = "bi"  # "bi", "cross" or "late": how fidelity scores pairs
    # a cross-encoder's fidelity on its training pairs comes free with its labels (label-cross)
    fidelity_on_training_pairs: bool = True
    # the share of its inputs max_length "auto" covers (transenc.lengths)
    length_coverage: float = COVERAGE


def learn_labels(
    config, learner: Learner, score_range, why: str, extra_args: dict | None = None
) -> TrainResult:
    """Trains ``config.model`` on ``config.labels`` as ``learner`` says; saves to
    ``config.output``. ``score_range`` and ``why`` check the label file (see
    :func:`transenc.labels.read_labels`)."""
    started = time.time()
    everything = read_labels(config.labels, score_range, why)
    corpus, held = split_held_back(everything, config.held_back, config.seed)
    columns = learner.columns(corpus)
    seed_everything(config.seed)  # a fresh head's initial weights and dropout depend on it
    model = learner.load(config.model)
    texts = (
        list(zip(corpus.sentence1, corpus.sentence2, strict=True))
        if learner.reads_pairs
        else corpus.sentences
    )
    settings, length_note = resolved(
        config.settings, model, texts, learner.reads_pairs, coverage=learner.length_coverage
    )
    if settings.keep_best and held is None:
        raise TransencError("keep_best scores the held-back pairs: set the recipe's held_back")
    settings, unchecked = _checks_worth_running(settings, held)
    checker = (
        # checked at the model's own input length, as it is scored after training and used,
        # not at the shorter length it may train at
        HeldBackFidelity(held, learner.scores_as, settings.precision, model.max_seq_length)
        if settings.keep_best
        else None
    )
    fitted = fit(
        model,
        columns,
        learner.loss(model),
        settings,
        config.seed,
        config.show_progress,
        evaluator=checker,
        checkpoints=config.checkpoints,
        **(extra_args or {}),
    )
    card = model_card(
        learner.title,
        learner.loader,
        [
            f"start: `{config.model}`",
            f"labels: `{config.labels}` ({len(corpus)} pairs, {learner.labels_are})",
            f"loss: {learner.loss_note}",
            f"settings: {settings}" + (f" ({length_note})" if length_note else ""),
            f"seed: {config.seed}",
        ],
    )
    save_model(model, config.output, card)
    fidelity = held_fidelity = None
    if learner.fidelity_on_training_pairs:
        fidelity = fidelity_of(model, learner.scores_as, corpus, settings.precision)
    if held is not None:
        held_fidelity = fidelity_of(model, learner.scores_as, held, settings.precision)
    return TrainResult(
        config.output,
        len(corpus),
        len(next(iter(columns.values()))),
        time.time() - started,
        fitted.loss,
        choose(settings.precision).note,
        settings.max_length,
        length_note,
        fidelity,
        None if held is None else len(held),
        held_fidelity,
        steps=fitted.steps,
        checks={str(step): value for step, value in checker.history} if checker else None,
        kept_step=checker.best_step() if checker else None,
        unchecked=unchecked,
        length_chunk=settings.length_chunk or None,
    )


def checks_run(settings, pairs: int, held_back: float) -> bool:
    """Whether a stage with ``settings`` training on ``pairs`` pairs, ``held_back`` of them kept
    out, checks its model on the held-back pairs (keep_best, and at least
    ``min_checked_pairs`` of them): the model it hands over is then vouched for."""
    if not settings.keep_best or held_back <= 0:
        return False
    return held_back_count(pairs, held_back) >= settings.min_checked_pairs


def _checks_worth_running(settings, held: PairCorpus | None):
    """(the settings, why the checks were dropped or ""): a Spearman over a few held-back
    pairs is too noisy to choose weights by, so below ``min_checked_pairs`` the stage trains
    its budget and keeps its last weights."""
    if not settings.keep_best or held is None or len(held) >= settings.min_checked_pairs:
        return settings, ""
    why = (
        f"no checks: {len(held)} held-back pairs, fewer than min_checked_pairs "
        f"({settings.min_checked_pairs}); the last weights kept"
    )
    return replace(settings, keep_best=False, check_every=0, patience=0), why


def split_held_back(
    corpus: PairCorpus, share: float, seed: int
) -> tuple[PairCorpus, PairCorpus | None]:
    """(the pairs to train on, the seeded ``share`` kept out or ``None``), both in corpus
    order. At least two pairs are held back (a Spearman needs two) and two kept."""
    if share <= 0:
        return corpus, None
    held = held_back_mask(len(corpus), share, seed)
    return corpus.select(np.flatnonzero(~held)), corpus.select(np.flatnonzero(held))


def held_back_count(size: int, share: float) -> int:
    """How many of ``size`` pairs a stage with ``share`` keeps out of training."""
    return min(max(2, round(share * size)), size - 2)


def held_back_mask(size: int, share: float, seed: int) -> np.ndarray:
    """Which of ``size`` pairs a stage with ``share`` and ``seed`` keeps out of training."""
    count = held_back_count(size, share)
    if count < 2:
        raise TransencError(f"held_back {share}: {size} pairs are too few to keep any out")
    held = np.zeros(size, dtype=bool)
    held[np.random.default_rng(seed).choice(size, count, replace=False)] = True
    return held


def fidelity_of(model, kind: str, corpus: PairCorpus, precision: str) -> float:
    """Spearman of ``model``'s scores with ``corpus``'s targets: how much of what it was taught
    the student holds (no gold label needed)."""

    from transenc.scoring import scores_of

    model.eval()
    # a cross-encoder is scored as its labels are by default: both pair orders averaged
    predicted = scores_of(model, kind, corpus, precision=precision, both_orders=kind == "cross")
    return round(rank_agreement(predicted, corpus.scores), 4)


class HeldBackFidelity(BaseEvaluator):
    """A sentence-transformers evaluator (primary metric ``fidelity``): the model's fidelity on
    the held-back pairs, so that the trainer can keep the weights that hold their targets best
    (no gold label is read). Remembers each check as (step, fidelity)."""

    def __init__(self, held: PairCorpus, kind: str, precision: str, max_length: int) -> None:
        super().__init__()
        self.primary_metric = "fidelity"
        self.held, self.kind, self.precision = held, kind, precision
        self.max_length = max_length
        self.history: list[tuple[int, float]] = []

    def __call__(self, model, output_path=None, epoch: float = -1, steps: int = -1) -> dict:
        with truncated_to(model, self.max_length):
            value = fidelity_of(model, self.kind, self.held, self.precision)
        model.train()  # the trainer goes on training after the check
        self.history.append((steps, value))
        return {"fidelity": value}

    def best_step(self) -> int | None:
        """The step the trainer kept: the first with the highest fidelity."""
        if not self.history:
            return None
        return max(self.history, key=lambda check: (check[1], -check[0]))[0]


def pair_columns(corpus: PairCorpus) -> dict[str, list]:
    """(sentence1, sentence2, score) as the bi-side objectives read them."""
    return {
        "sentence1": corpus.sentence1,
        "sentence2": corpus.sentence2,
        "score": corpus.scores.tolist(),
    }
