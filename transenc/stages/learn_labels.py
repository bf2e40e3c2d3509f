"""The skeleton every label-learning stage shares (train-cross, train-bi, train-late).

Read the label file (its scores checked against the objective's range), seed, load the start
model, fit with the stage's loss, write a model card, save atomically, and say what happened
in one :class:`TrainResult`. A stage supplies only what differs: how the model loads, how the
labels become training columns, and how its loss is built.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transenc.data.corpus import PairCorpus
from transenc.labels import read_labels
from transenc.lengths import resolved
from transenc.precision import choose
from transenc.training import fit, model_card, save_model, seed_everything


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

    def summary(self) -> str:
        return (
            f"{self.output}: {self.pairs} pairs ({self.examples} examples), "
            f"loss {self.train_loss:.4f}, {self.seconds:.0f}s, {self.precision}"
            + (f", {self.length}" if self.length else "")
            + (f", fidelity {self.fidelity:.4f}" if self.fidelity is not None else "")
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
    scores_as: str | None = None  # "bi" or "late": how fidelity scores the training pairs


def learn_labels(
    config, learner: Learner, score_range, why: str, extra_args: dict | None = None
) -> TrainResult:
    """Trains ``config.model`` on ``config.labels`` as ``learner`` says; saves to
    ``config.output``. ``score_range`` and ``why`` check the label file (see
    :func:`transenc.labels.read_labels`)."""
    started = time.time()
    corpus = read_labels(config.labels, score_range, why)
    columns = learner.columns(corpus)
    seed_everything(config.seed)  # a fresh head's initial weights and dropout depend on it
    model = learner.load(config.model)
    texts = (
        list(zip(corpus.sentence1, corpus.sentence2, strict=True))
        if learner.reads_pairs
        else corpus.sentences
    )
    settings, length_note = resolved(config.settings, model, texts, learner.reads_pairs)
    loss = fit(
        model,
        columns,
        learner.loss(model),
        settings,
        config.seed,
        config.show_progress,
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
    fidelity = None
    if learner.scores_as is not None:
        fidelity = fidelity_of(model, learner.scores_as, corpus, settings.precision)
    return TrainResult(
        config.output,
        len(corpus),
        len(next(iter(columns.values()))),
        time.time() - started,
        loss,
        choose(settings.precision).note,
        settings.max_length,
        length_note,
        fidelity,
    )


def fidelity_of(model, kind: str, corpus: PairCorpus, precision: str) -> float:
    """Spearman of ``model``'s scores with ``corpus``'s targets: how much of what it was taught
    the student holds (no gold label needed)."""
    from scipy.stats import spearmanr

    from transenc.scoring import scores_of

    model.eval()
    predicted = scores_of(model, kind, corpus, precision=precision)
    return round(float(spearmanr(predicted, corpus.scores).statistic), 4)


def pair_columns(corpus: PairCorpus) -> dict[str, list]:
    """(sentence1, sentence2, score) as the bi-side objectives read them."""
    return {
        "sentence1": corpus.sentence1,
        "sentence2": corpus.sentence2,
        "score": corpus.scores.tolist(),
    }
