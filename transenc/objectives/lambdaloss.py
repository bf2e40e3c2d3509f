"""bi -> cross as a ranking: LambdaLoss (NDCG-weighted pairwise) over each sentence's candidates.

The pairs are grouped into lists as for ``listnet`` (one per sentence with two or more partners,
both orders read). Within a list, each pair of candidates whose targets differ is pushed into
their order, weighted by how much swapping them would change the list's NDCG
(sentence-transformers' ``LambdaLoss`` with its default ``NDCGLoss2PPScheme``): the top of each
list counts most, as in reranking. NDCG's gains are ``2 ** target - 1``, so the targets (cosines
mapped to [0, 1]) are multiplied by ``gain_scale`` first, to spread the gains as graded relevance
of 0 to ``gain_scale`` would. Like ``listnet``, only the order matters, so the cross-encoder's
scores are not on the cosine scale.
"""

from __future__ import annotations

from dataclasses import dataclass

from transenc.objectives import checks
from transenc.objectives.scaled_targets import with_scaled_targets

NAME = "lambdaloss"
SIDE = "cross"
NEEDS = "labels"
DESCRIPTION = "LambdaLoss (NDCG-weighted) over each sentence's candidates (LambdaLoss)"
SCORE_RANGE = (-1.0, 1.0)  # cosine labels; the label map takes them to [0, 1]
LISTWISE = True  # the stage groups the pairs into candidate lists (transenc.stages.train_cross)


@dataclass
class Params:
    gain_scale: float = 4.0  # targets in [0, 1] become relevance grades in [0, gain_scale]
    list_size: int = 16  # candidates per list at most (a longer list is cut into several)

    def __post_init__(self) -> None:
        checks.positive_number("gain_scale", self.gain_scale)
        checks.list_size(self.list_size)


def build(model, params: Params, teacher=None):
    from sentence_transformers.cross_encoder.losses import LambdaLoss

    # targets times the gain scale: graded relevance
    scaled = with_scaled_targets(LambdaLoss, params.gain_scale, "gain_scale", params.gain_scale)
    return scaled(model)
