"""cross -> late interaction: MSE between the symmetric mean MaxSim and the label."""

from __future__ import annotations

from dataclasses import dataclass

NAME = "maxsim-mse"
SIDE = "late"
NEEDS = "labels"
DESCRIPTION = "MSE between symmetric mean MaxSim and label"
SCORE_RANGE = (-1.0, 1.0)  # a mean MaxSim of normalised token vectors cannot leave it


@dataclass
class Params:
    pass


def build(model, params: Params, teacher=None):
    import torch
    from torch import nn

    from transenc.late_interaction import batch_scores

    class MaxSimMSELoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, sentence_features, labels):
            scores = batch_scores(self.model, sentence_features)
            return torch.nn.functional.mse_loss(scores, labels.float())

    return MaxSimMSELoss()
