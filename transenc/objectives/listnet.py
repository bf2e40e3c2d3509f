"""bi -> cross as a ranking: ListNet over each sentence's candidates.

The pairs are grouped into lists, one per sentence with two or more partners (each pair joins
the list of either of its sentences, so both orders are read): a list's targets, divided by
``temperature``, become a softmax over its candidates, and the cross-encoder's scores are
pulled towards that distribution (sentence-transformers' ``ListNetLoss``). Only the order and the
relative gaps within a list matter, not the scores' scale: the cross-encoder's outputs are then
not calibrated to the cosine scale, which matters where its labels are mixed into the
bi-encoder's targets (``cross_label_weight`` above 0). A corpus whose sentences each appear in
one pair gives no lists: use ``[cross] pair_pool`` (neighbours and random partners mined from the
corpus's sentences) or ``bootstrap --augment``.
"""

from __future__ import annotations

from dataclasses import dataclass

from transenc.objectives import checks
from transenc.objectives.scaled_targets import with_scaled_targets

NAME = "listnet"
SIDE = "cross"
NEEDS = "labels"
DESCRIPTION = "ListNet over each sentence's candidates (ListNetLoss)"
SCORE_RANGE = (-1.0, 1.0)  # cosine labels; the label map takes them to [0, 1]
LISTWISE = True  # the stage groups the pairs into candidate lists (transenc.stages.train_cross)


@dataclass
class Params:
    temperature: float = 0.1  # of the targets: their softmax's sharpness
    list_size: int = 16  # candidates per list at most (a longer list is cut into several)

    def __post_init__(self) -> None:
        checks.positive_number("temperature", self.temperature)
        checks.list_size(self.list_size)


def build(model, params: Params, teacher=None):
    from sentence_transformers.cross_encoder.losses import ListNetLoss

    # targets divided by the temperature: soft targets in [0, 1] would otherwise give an almost
    # flat distribution
    scaled = with_scaled_targets(
        ListNetLoss, 1 / params.temperature, "temperature", params.temperature
    )
    return scaled(model)
