"""cross -> bi, ERNIE-Search's listwise KL with lists the live cross-encoder scores on the fly.

For a batch of B pairs (x_i, y_i), row i's list is every combination (x_i, y_j) of the batch:
the cross-encoder (the round's, handed over by bootstrap) scores all B x B combinations, the
bi-encoder gives their B x B cosines, and each row's softmax of cosines (``temperature``) is
pulled towards the row's softmax of the teacher's probabilities (``teacher_temperature``):
the in-batch negatives the pair labels never show. ``mse_weight`` keeps MSE between each pair's
own cosine and its label next to it, so the scale of the cosines stays anchored.

The joint inputs are built from the bi-encoder's tokenisation (as VIRT builds them), so teacher
and student must share a tokenizer (the cross-encoder starts from the bi-encoder, so they do).
Costs B x B cross-encoder forwards per step (1,024 at batch 32) on top of the bi-encoder's;
``list_size`` L cuts that to B x L: the batch is split into blocks of L pairs, and each row's
list is the combinations within its block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transenc.errors import TransencError

NAME = "kl-inbatch"
SIDE = "bi"
NEEDS = "teacher"
DESCRIPTION = (
    "listwise KL over in-batch combinations scored by the live cross-encoder, plus MSE on "
    "each pair's cosine (ERNIE-Search)"
)
SCORE_RANGE = (-1.0, 1.0)


@dataclass
class Params:
    temperature: float = 0.05  # of the student's cosines
    teacher_temperature: float = 0.05  # of the teacher's probabilities
    mse_weight: float = 1.0  # of MSE between each pair's cosine and its label
    list_size: int = 0  # pairs per list (B x L teacher forwards a step); 0: the whole batch

    def __post_init__(self) -> None:
        if isinstance(self.list_size, bool) or not isinstance(self.list_size, int):
            raise ValueError(f"list_size must be a whole number, not {self.list_size!r}")
        if self.list_size < 0 or self.list_size == 1:
            raise ValueError(
                f"list_size must be 0 (the whole batch) or 2 or more, not {self.list_size}"
            )
        for name in ("temperature", "teacher_temperature", "mse_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number, not {value!r}")
            bound = ">= 0" if name == "mse_weight" else "positive"
            low_ok = value >= 0 if name == "mse_weight" else value > 0
            if not (low_ok and value < math.inf):
                raise ValueError(f"{name} must be {bound} and finite, not {value!r}")


def all_combinations(x: dict, y: dict) -> tuple[dict, dict]:
    """Tokenised batches whose row i * B + j is (x_i, y_j)."""
    size = x["input_ids"].shape[0]
    rows = {k: v.repeat_interleave(size, 0) for k, v in x.items() if hasattr(v, "repeat")}
    columns = {
        k: v.repeat(size, *[1] * (v.dim() - 1)) for k, v in y.items() if hasattr(v, "repeat")
    }
    return rows, columns


def list_blocks(size: int, list_size: int) -> list[slice]:
    """The batch's rows, split into the blocks whose combinations form the lists."""
    block = list_size or size
    return [slice(start, min(start + block, size)) for start in range(0, size, block)]


def rows_of(features: dict, rows: slice) -> dict:
    return {k: v[rows] for k, v in features.items() if hasattr(v, "shape")}


def build(model, params: Params, teacher=None):
    import torch
    from sentence_transformers.base.losses.merged_forward import embed_columns
    from torch import nn

    from transenc.objectives.virt import joint_positions, teacher_inputs

    if teacher is None:
        raise TransencError("kl-inbatch needs the live cross-encoder as teacher")
    if model.tokenizer.get_vocab() != teacher.tokenizer.get_vocab():
        raise TransencError(
            "kl-inbatch: the cross-encoder and the bi-encoder use different tokenizers"
        )
    teacher_model = teacher.model
    teacher_model.eval()

    class InBatchKLLoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def teacher_matrix(self, x, y):
            size = x["input_ids"].shape[0]
            rows, columns = all_combinations(x, y)
            joint_len, y_pos, y_valid = joint_positions(
                rows["attention_mask"], columns["attention_mask"]
            )
            inputs = teacher_inputs(rows, columns, joint_len, y_pos, y_valid)
            inputs = {k: v.to(teacher_model.device) for k, v in inputs.items()}
            with torch.no_grad():
                logits = teacher_model(**inputs).logits.float().view(size, size)
            return torch.sigmoid(logits)

        def forward(self, sentence_features, labels):
            x, y = list(sentence_features)
            first, second = embed_columns(self.model, [x, y])
            first = torch.nn.functional.normalize(first, dim=-1)
            second = torch.nn.functional.normalize(second, dim=-1)
            cosines = first @ second.T  # (B, B): row i, column j is (x_i, y_j)
            kl = cosines.new_zeros(())
            for rows in list_blocks(cosines.shape[0], params.list_size):
                target = self.teacher_matrix(rows_of(x, rows), rows_of(y, rows))
                student = torch.log_softmax(cosines[rows, rows] / params.temperature, dim=1)
                teacher_log = torch.log_softmax(
                    target.to(cosines.device) / params.teacher_temperature, dim=1
                )
                kl = kl + torch.nn.functional.kl_div(
                    student, teacher_log, log_target=True, reduction="sum"
                )
            kl = kl / cosines.shape[0]
            mse = torch.nn.functional.mse_loss(torch.diagonal(cosines), labels.float())
            return kl + params.mse_weight * mse

        @property
        def citation(self) -> str:
            return "ERNIE-Search (Lu et al., 2022): in-batch listwise distillation"

    return InBatchKLLoss()
