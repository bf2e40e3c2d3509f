"""cross -> bi as VIRT distils it: the cross-encoder's attention between the two sentences,
taught to the bi-encoder's "virtual" attention (Li et al., EMNLP 2022).

For a pair (x, y), at every layer l, the bi-encoder encodes x and y separately; its own query
and key projections of layer l give a virtual attention of x's tokens over y's tokens,
``softmax(Q_x K_y^T / sqrt(d))`` per head, and of y over x. The cross-encoder reads the joint
input ``[CLS] x [SEP] y [SEP]``; its layer-l attention rows of x's tokens, restricted to y's
tokens (and those of y restricted to x's), are the teacher. Both are distributions over the same
tokens: the teacher's slice is renormalised over the other sentence's keys (our reading of the
paper, which does not spell out the normalisation), and y's own [CLS], absent from the joint
input, is left out. The L2 distance, averaged over layers, heads and query tokens, is added to
the score objective (MSE between cosine and label) with weight ``alpha``.

Teacher and student must share a tokenizer and a depth (here the cross-encoder starts from the
bi-encoder, so they do); a mismatch is refused. Train-time only: the bi-encoder's inference is
unchanged (the VIRT-adapted interaction head is not built). Costs one cross-encoder forward per
pair per step on top of the bi-encoder's training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from transenc.errors import TransencError

NAME = "virt"
SIDE = "bi"
NEEDS = "teacher"
DESCRIPTION = "MSE between cosine and label plus VIRT attention-map distillation"
SCORE_RANGE = (-1.0, 1.0)


@dataclass
class Params:
    alpha: float = 1.0  # weight of the attention-map term next to the score loss

    def __post_init__(self) -> None:
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, (int, float)):
            raise ValueError(f"alpha must be a number, not {self.alpha!r}")
        if not 0 <= self.alpha < math.inf:
            raise ValueError(f"alpha must be >= 0 and finite, not {self.alpha!r}")


def encoder_layers(module):
    """The transformer layers of a BERT-like model (``.encoder.layer``), or None."""
    for candidate in (module, getattr(module, "base_model", None)):
        encoder = getattr(candidate, "encoder", None)
        if encoder is not None and hasattr(encoder, "layer"):
            return encoder.layer
    return None


def check_compatible(student, teacher) -> None:
    """Refuses a teacher whose tokenizer, depth or heads differ from the student's."""
    student_tokenizer, teacher_tokenizer = student.tokenizer, teacher.tokenizer
    if student_tokenizer.get_vocab() != teacher_tokenizer.get_vocab():
        raise TransencError("virt: the cross-encoder and the bi-encoder use different tokenizers")
    if student_tokenizer.cls_token_id is None or student_tokenizer.sep_token_id is None:
        raise TransencError("virt: needs a tokenizer with [CLS] and [SEP] tokens (BERT-like)")
    student_layers = encoder_layers(student[0].auto_model)
    teacher_layers = encoder_layers(teacher.model)
    if student_layers is None or teacher_layers is None:
        raise TransencError("virt: needs BERT-like encoders (.encoder.layer)")
    if len(student_layers) != len(teacher_layers):
        raise TransencError(
            f"virt: the bi-encoder has {len(student_layers)} layers and the cross-encoder "
            f"{len(teacher_layers)}; their depths must match"
        )
    heads = (
        student[0].auto_model.config.num_attention_heads,
        teacher.model.config.num_attention_heads,
    )
    if heads[0] != heads[1]:
        raise TransencError(f"virt: {heads[0]} attention heads against {heads[1]}; must match")


def joint_positions(x_mask, y_mask):
    """Where each student token sits in the joint input ``x + y[1:]``: x's tokens keep their
    positions; y's token j (j >= 1) moves to ``len(x) + j - 1``; y's [CLS] has none. Returns
    (the joint input length, y's positions, which y tokens take part)."""
    import torch

    x_len = x_mask.sum(1, keepdim=True)
    steps = torch.arange(y_mask.shape[1], device=y_mask.device).unsqueeze(0)
    y_valid = y_mask.bool() & (steps >= 1)
    y_pos = torch.where(y_valid, x_len + steps - 1, torch.zeros_like(steps))
    joint_len = int((x_len.squeeze(1) + y_mask.sum(1) - 1).max())
    return joint_len, y_pos, y_valid


def teacher_inputs(x, y, joint_len: int, y_pos, y_valid):
    """The joint ``[CLS] x [SEP] y [SEP]`` batch from the two separate tokenisations."""
    import torch

    batch = x["input_ids"].shape[0]
    ids = torch.zeros(batch, joint_len, dtype=torch.long)
    mask = torch.zeros(batch, joint_len, dtype=torch.long)
    types = torch.zeros(batch, joint_len, dtype=torch.long)
    x_valid = x["attention_mask"].bool()
    rows = torch.arange(batch).unsqueeze(1)
    x_pos = torch.arange(x_valid.shape[1]).unsqueeze(0).expand_as(x_valid)
    ids[rows.expand_as(x_pos)[x_valid], x_pos[x_valid]] = x["input_ids"][x_valid]
    mask[rows.expand_as(x_pos)[x_valid], x_pos[x_valid]] = 1
    y_rows = rows.expand_as(y_pos)[y_valid]
    ids[y_rows, y_pos[y_valid]] = y["input_ids"][y_valid]
    mask[y_rows, y_pos[y_valid]] = 1
    types[y_rows, y_pos[y_valid]] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def slices(attention, x_valid, y_pos, y_valid):
    """The teacher's attention (batch, heads, joint, joint) cut to x's queries over y's keys
    (batch, heads, x, y) and y's queries over x's keys (batch, heads, y, x), each row
    renormalised over the other sentence's tokens."""
    import torch

    batch, heads = attention.shape[:2]
    x_len = x_valid.shape[1]
    x_rows = attention[:, :, :x_len, :]  # x sits at the start of the joint input
    index = y_pos.unsqueeze(1).unsqueeze(2).expand(batch, heads, x_len, y_pos.shape[1])
    x_over_y = torch.gather(x_rows, 3, index) * y_valid[:, None, None, :]
    index = y_pos.unsqueeze(1).unsqueeze(3).expand(batch, heads, y_pos.shape[1], attention.shape[3])
    y_rows = torch.gather(attention, 2, index)[:, :, :, :x_len] * x_valid[:, None, None, :]
    normalise = lambda t: t / t.sum(-1, keepdim=True).clamp(min=1e-9)  # noqa: E731
    return normalise(x_over_y), normalise(y_rows)


def virtual_attention(queries, keys, key_valid, heads: int):
    """``softmax(Q K^T / sqrt(d))`` per head over the valid keys: (batch, heads, q, k)."""
    import torch

    batch, q_len, width = queries.shape
    size = width // heads
    q = queries.view(batch, q_len, heads, size).transpose(1, 2)
    k = keys.view(batch, keys.shape[1], heads, size).transpose(1, 2)
    scores = q @ k.transpose(-1, -2) / math.sqrt(size)
    scores = scores.masked_fill(~key_valid[:, None, None, :], float("-inf"))
    return torch.softmax(scores, dim=-1)


def l2(student, teacher, query_valid):
    """Squared distance per query row, averaged over the valid rows and the heads."""
    per_row = ((student - teacher) ** 2).sum(-1)  # (batch, heads, q)
    weight = query_valid[:, None, :].float().expand_as(per_row)
    return (per_row * weight).sum() / weight.sum().clamp(min=1)


def build(model, params: Params, teacher=None):
    import torch
    from sentence_transformers.base.losses.merged_forward import embed_columns
    from torch import nn

    if teacher is None:
        raise TransencError("virt needs the live cross-encoder as teacher")
    check_compatible(model, teacher)
    teacher_model = teacher.model
    teacher_model.set_attn_implementation("eager")  # the only one that returns attention maps
    teacher_model.eval()
    heads = model[0].auto_model.config.num_attention_heads
    layers = encoder_layers(model[0].auto_model)

    class VirtLoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def attention_term(self, x, y, captured):
            x_valid, y_mask = x["attention_mask"].bool(), y["attention_mask"]
            joint_len, y_pos, y_valid = joint_positions(x["attention_mask"], y_mask)
            inputs = teacher_inputs(x, y, joint_len, y_pos, y_valid)
            inputs = {k: v.to(teacher_model.device) for k, v in inputs.items()}
            with torch.no_grad():
                maps = teacher_model(**inputs, output_attentions=True).attentions
            total = 0.0
            for layer, attention in enumerate(maps):
                (qx, qy), (kx, ky) = captured["query"][layer], captured["key"][layer]
                teacher_xy, teacher_yx = slices(attention.float(), x_valid, y_pos, y_valid)
                student_xy = virtual_attention(qx, ky, y_valid, heads)
                student_yx = virtual_attention(qy, kx, x_valid, heads)
                total = total + l2(student_xy, teacher_xy, x_valid)
                total = total + l2(student_yx, teacher_yx, y_valid)
            return total / len(maps)

        def forward(self, sentence_features, labels):
            x, y = list(sentence_features)
            captured = {"query": [[] for _ in layers], "key": [[] for _ in layers]}
            hooks = []
            for index, layer in enumerate(layers):
                for name in ("query", "key"):
                    store = captured[name][index]
                    module = getattr(layer.attention.self, name)
                    hooks.append(module.register_forward_hook(lambda m, i, o, s=store: s.append(o)))
            try:
                first, second = embed_columns(self.model, [x, y])  # x's pass, then y's
            finally:
                for hook in hooks:
                    hook.remove()
            cosines = torch.nn.functional.cosine_similarity(first, second, dim=-1)
            score = torch.nn.functional.mse_loss(cosines, labels.float())
            if params.alpha == 0:
                return score
            for name in captured:
                captured[name] = [tuple(outputs) for outputs in captured[name]]
            return score + params.alpha * self.attention_term(x, y, captured)

    return VirtLoss()
