"""bi -> cross, as published: binary cross-entropy of the cross-encoder's output against the
bi-encoder's cosine mapped to a soft target in [0, 1] (the recipe's ``label_map``)."""

from __future__ import annotations

from dataclasses import dataclass

NAME = "bce"
SIDE = "cross"
NEEDS = "labels"
DESCRIPTION = "binary cross-entropy on soft targets (BinaryCrossEntropyLoss)"
SCORE_RANGE = (-1.0, 1.0)  # cosine labels; the label map takes them to [0, 1]


@dataclass
class Params:
    pass


def build(model, params: Params, teacher=None):
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    return BinaryCrossEntropyLoss(model)
