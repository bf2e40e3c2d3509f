"""cross -> bi, as published: MSE between the bi-encoder's cosine and the label."""

from __future__ import annotations

from dataclasses import dataclass

NAME = "cosine-mse"
SIDE = "bi"
NEEDS = "labels"
DESCRIPTION = "MSE between cosine and label (CosineSimilarityLoss)"
SCORE_RANGE = (-1.0, 1.0)  # a cosine cannot reach a target outside it


@dataclass
class Params:
    pass


def build(model, params: Params, teacher=None):
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

    return CosineSimilarityLoss(model)
