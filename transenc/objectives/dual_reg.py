"""DualReg (ERNIE-Search's dual regularisation, R-Drop-like): a switch on any bi objective.

Besides the objective, the batch is encoded twice more with dropout on; each pass gives an
in-batch similarity matrix (first sentences against second sentences, divided by
``temperature``) and a softmax per row (each first sentence over the batch's second sentences)
and per column (each second sentence over the first ones). The symmetric KL between the two
passes' distributions, on both sides of the pair, is added with ``weight``: the bi-encoder is
asked to score the batch the same way under different dropout masks. Costs two extra forward
passes per step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Params:
    weight: float = 0.0  # 0: off
    temperature: float = 0.05

    def __post_init__(self) -> None:
        for name in ("weight", "temperature"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number, not {value!r}")
        if not 0 <= self.weight < math.inf:
            raise ValueError(f"weight must be >= 0 and finite, not {self.weight!r}")
        if not 0 < self.temperature < math.inf:
            raise ValueError(f"temperature must be positive and finite, not {self.temperature!r}")


def symmetric_kl(first_logits, second_logits, dim: int):
    """(KL(p || q) + KL(q || p)) / 2 between softmaxes along ``dim``, averaged over the rest."""
    import torch

    p = torch.log_softmax(first_logits, dim=dim)
    q = torch.log_softmax(second_logits, dim=dim)
    forward = torch.nn.functional.kl_div(q, p, log_target=True, reduction="none").sum(dim)
    backward = torch.nn.functional.kl_div(p, q, log_target=True, reduction="none").sum(dim)
    return ((forward + backward) / 2).mean()


def wrap(base, model, params: Params):
    """``base`` (a sentence-transformers loss on (sentence1, sentence2, score)) plus DualReg."""
    if params.weight == 0:
        return base
    import torch
    from sentence_transformers.base.losses.merged_forward import embed_columns
    from torch import nn

    class DualRegLoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.base = base

        def regulariser(self, sentence_features):
            passes = []
            for _ in range(2):  # two dropout masks (the trainer keeps the model in train mode)
                first, second = embed_columns(self.model, sentence_features)
                first = torch.nn.functional.normalize(first, dim=-1)
                second = torch.nn.functional.normalize(second, dim=-1)
                passes.append(first @ second.T / params.temperature)
            one, two = passes
            return symmetric_kl(one, two, dim=1) + symmetric_kl(one, two, dim=0)

        def forward(self, sentence_features, labels):
            sentence_features = list(sentence_features)
            loss = self.base(sentence_features, labels)
            return loss + params.weight * self.regulariser(sentence_features)

    return DualRegLoss()
