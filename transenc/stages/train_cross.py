"""bi -> cross: a cross-encoder learns the bi-encoder's cosine labels with binary cross-entropy.

Cosines become soft targets in [0, 1] through an explicit, recorded map (``clip`` or ``minmax``,
see :func:`transenc.labels.cosine_to_target`). Each pair is trained in both orders, so the
cross-encoder does not learn an order the labels do not have. A listwise objective (``listnet``)
reads each sentence's candidates as one list instead (:func:`candidate_lists`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from transenc import objectives
from transenc.atomic import check_writable
from transenc.checkpoints import StageCheckpoints
from transenc.errors import TransencError
from transenc.labels import cosine_to_target
from transenc.models import load_cross_encoder
from transenc.recipe import LABEL_MAPS
from transenc.stages.declare import added_field, input_field, output_field, runtime_field
from transenc.stages.learn_labels import Learner, TrainResult, learn_labels
from transenc.train_settings import TrainSettings, cross_defaults

DEFAULT_CROSS_LOSS = "bce"


@dataclass
class TrainCrossConfig:
    """Train a cross-encoder starting at ``model`` on the labels in ``labels``."""

    model: str = input_field()
    labels: Path = input_field()
    output: Path = output_field()
    label_map: str = "clip"
    both_orders: bool = True
    settings: TrainSettings = field(default_factory=cross_defaults)
    seed: int = 42
    # the share of the pairs kept out of training, for held-back fidelity
    held_back: float = added_field(0.0)
    show_progress: bool = runtime_field(False)
    # where a cut-off run resumes mid-stage (set by the runner; None: no checkpoints)
    checkpoints: StageCheckpoints | None = runtime_field(None)
    # the bi -> cross objective (transenc.objectives, side cross) and its parameters
    loss: str = added_field(DEFAULT_CROSS_LOSS)
    loss_params: dict = added_field(default_factory=dict)

    def __post_init__(self) -> None:
        check_writable(self.output, "model folder")
        objectives.parse_params(
            objectives.get(self.loss, "cross"), self.loss_params, f"loss {self.loss}"
        )
        if self.label_map not in LABEL_MAPS:
            raise TransencError(
                f"unknown label map {self.label_map!r}; use {', '.join(LABEL_MAPS)}"
            )


def candidate_lists(corpus, targets: np.ndarray, list_size: int) -> dict[str, list]:
    """The pairs as lists, one per sentence (``query``) with its partners (``docs``) and their
    targets (``labels``), for listwise objectives. Each pair joins the list of its first sentence
    and that of its second (both orders, as pairs are trained); lists keep the corpus's order,
    a list longer than ``list_size`` is cut into several, and a sentence with one partner gives
    no list (a one-candidate list ranks nothing)."""
    partners: dict[str, list[tuple[str, float]]] = {}
    for first, second, target in zip(corpus.sentence1, corpus.sentence2, targets, strict=True):
        partners.setdefault(first, []).append((second, float(target)))
        partners.setdefault(second, []).append((first, float(target)))
    lists: dict[str, list] = {"query": [], "docs": [], "labels": []}
    for query, candidates in partners.items():
        count = len(candidates)
        pieces = -(-count // list_size)  # near-equal pieces, none of one candidate
        for piece in np.array_split(np.arange(count), pieces):
            if len(piece) < 2:
                continue
            lists["query"].append(query)
            lists["docs"].append([candidates[i][0] for i in piece])
            lists["labels"].append([candidates[i][1] for i in piece])
    if not lists["query"]:
        raise TransencError(
            "a listwise cross-encoder loss needs sentences with two or more partners, and no "
            "sentence of these pairs has one; add pairs from the corpus's own sentences "
            "(recipe [cross] pair_pool, or bootstrap --augment) or use loss bce"
        )
    return lists


def run(config: TrainCrossConfig) -> TrainResult:
    objective = objectives.get(config.loss, "cross")
    params = objectives.parse_params(objective, config.loss_params, f"loss {config.loss}")

    def columns(corpus) -> dict[str, list]:
        if objective.listwise:
            targets = cosine_to_target(corpus.scores, config.label_map)
            return candidate_lists(corpus, targets, params.list_size)
        targets = cosine_to_target(corpus.scores, config.label_map).tolist()
        first, second = corpus.sentence1, corpus.sentence2
        if config.both_orders:  # the labels have no order, so the cross-encoder learns none
            first, second, targets = first + second, second + first, targets + targets
        return {"sentence1": first, "sentence2": second, "label": targets}

    learner = Learner(
        title="transenc cross-encoder",
        loader="CrossEncoder",
        labels_are="bi-encoder cosines",
        load=load_cross_encoder,
        columns=columns,
        reads_pairs=True,
        scores_as="cross",
        fidelity_on_training_pairs=False,
        loss=lambda model: objective.build(model, params),
        loss_note=f"{objective.description} (label map `{config.label_map}`), "
        + (
            "each sentence's candidates as one list"
            if objective.listwise
            else f"{'both pair orders' if config.both_orders else 'one pair order'}"
        ),
    )
    # clip maps cosines to [0, 1]; a score no cosine can have is a wrong file, not a target
    score_range = objective.score_range if config.label_map == "clip" else None
    return learn_labels(config, learner, score_range, "cross-encoder labels are bi-encoder cosines")
