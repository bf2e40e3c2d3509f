"""cross -> late interaction, as ERNIE-Search distils: listwise KL over score distributions.

Each batch of labelled pairs is one list: the late-interaction model's symmetric mean MaxSim
(:mod:`transenc.late_interaction`), divided by ``temperature``, and the cross-encoder's labels,
divided by ``teacher_temperature``, each become a softmax over the batch, and the student's is
pulled towards the teacher's (KL(teacher || student)). Labels only.
"""

from __future__ import annotations

from dataclasses import dataclass

from transenc.objectives.kl_listwise import Params as ListwiseParams

NAME = "maxsim-kl"
SIDE = "late"
NEEDS = "labels"
DESCRIPTION = "listwise KL between the batch's softmax of MaxSim scores and of labels"


@dataclass
class Params(ListwiseParams):
    pass


def build(model, params: Params, teacher=None):
    import torch
    from torch import nn

    from transenc.late_interaction import batch_scores

    class MaxSimListwiseKLLoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, sentence_features, labels):
            scores = batch_scores(self.model, sentence_features)
            student = torch.log_softmax(scores / params.temperature, dim=0)
            target = torch.log_softmax(labels.float() / params.teacher_temperature, dim=0)
            return torch.nn.functional.kl_div(student, target, log_target=True, reduction="sum")

        @property
        def citation(self) -> str:
            return "ERNIE-Search (Lu et al., 2022): cascade distillation through late interaction"

    return MaxSimListwiseKLLoss()
