"""cross -> bi as ERNIE-Search distils: listwise KL over score distributions.

Each batch of labelled pairs is one list of candidates: the teacher's labels, divided by
``teacher_temperature``, and the student's cosines, divided by ``temperature``, each become a
softmax over the batch, and the student's distribution is pulled towards the teacher's
(KL(teacher || student)). Only the order and the relative gaps of the scores in a batch matter,
not their scale. Labels only: no live teacher is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from transenc.objectives import checks

NAME = "kl-listwise"
SIDE = "bi"
NEEDS = "labels"
DESCRIPTION = "listwise KL between the batch's softmax of cosines and of labels (ERNIE-Search)"


@dataclass
class Params:
    temperature: float = 0.05  # of the student's cosines
    teacher_temperature: float = 0.05  # of the labels (cosine-like scores)

    def __post_init__(self) -> None:
        for name in ("temperature", "teacher_temperature"):
            checks.positive_number(name, getattr(self, name))


def build(model, params: Params, teacher=None):
    import torch
    from sentence_transformers.base.losses.merged_forward import embed_columns
    from torch import nn

    class ListwiseKLLoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, sentence_features, labels):
            first, second = embed_columns(self.model, sentence_features)
            cosines = torch.nn.functional.cosine_similarity(first, second, dim=-1)
            student = torch.log_softmax(cosines / params.temperature, dim=0)
            target = torch.log_softmax(labels.float() / params.teacher_temperature, dim=0)
            return torch.nn.functional.kl_div(student, target, log_target=True, reduction="sum")

        @property
        def citation(self) -> str:
            return "ERNIE-Search (Lu et al., 2022): listwise KL distillation"

    return ListwiseKLLoss()
