"""cross -> bi by ranking: the cosines order each batch's pairs as the labels do (CoSENT), so
the bi-encoder is not pushed to reproduce the labels' scale; any scale of labels will do."""

from __future__ import annotations

from dataclasses import dataclass

NAME = "cosent"
SIDE = "bi"
NEEDS = "labels"
DESCRIPTION = "pairwise ranking of cosines by label within a batch (CoSENTLoss)"


@dataclass
class Params:
    pass


def build(model, params: Params, teacher=None):
    from sentence_transformers.sentence_transformer.losses import CoSENTLoss

    return CoSENTLoss(model)
