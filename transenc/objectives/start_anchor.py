"""Start anchor: a switch on any bi objective that keeps the bi-encoder near the model it
started from.

A frozen copy of the stage's start model (taken before the first step) embeds each batch's
sentences too; ``weight`` times the mean of (1 - cosine) between each sentence's embedding and
the frozen copy's is added to the objective. Pair targets pin one number per pair; on a corpus
of a few hundred pairs everything else about the embedding space is free to drift, and drifts
(measured on STS12 SMTnews, 198 training pairs: a bi-encoder trained 7 passes on the start
model's own cosines, targets that ask for no change at all, lost 1.8 points of Spearman on the
held-out half). The anchor pins each sentence's whole vector, so only what the targets ask for
moves. Costs one forward pass without gradients per step.

Measured with the run's own targets (``bench/studies/bi_drift.py``), it shrinks the gains on the
sources where training helps as much as the fall where it hurts, so no shipped recipe sets it.
"""

from __future__ import annotations

import copy
import math


def check(weight, where: str) -> float:
    """The anchor's weight as a float >= 0 (0: off), or ValueError naming ``where``."""
    if isinstance(weight, bool) or not isinstance(weight, (int, float)):
        raise ValueError(f"{where} must be a number, not {weight!r}")
    if not 0 <= weight < math.inf:
        raise ValueError(f"{where} must be >= 0 and finite, not {weight!r}")
    return float(weight)


def wrap(base, model, weight: float):
    """``base`` (a sentence-transformers loss on (sentence1, sentence2, score)) plus the anchor
    to ``model`` as it is now."""
    if weight == 0:
        return base
    import torch
    from sentence_transformers.base.losses.merged_forward import embed_columns
    from torch import nn

    frozen = copy.deepcopy(model).eval()
    frozen.requires_grad_(False)

    class StartAnchorLoss(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.base = base

        def forward(self, sentence_features, labels):
            # copies: a forward pass writes its outputs into the feature dicts
            sentence_features = list(sentence_features)
            device = next(self.model.parameters()).device
            if next(frozen.parameters()).device != device:  # the trainer moved the student
                frozen.to(device)
            with torch.no_grad():
                fixed = embed_columns(frozen, [dict(f) for f in sentence_features])
            if hasattr(self.base, "compute_loss_from_embeddings"):
                # one forward pass of the student serves both terms
                moving = embed_columns(self.model, [dict(f) for f in sentence_features])
                loss = self.base.compute_loss_from_embeddings(moving, labels)
            else:
                loss = self.base(sentence_features, labels)
                moving = embed_columns(self.model, [dict(f) for f in sentence_features])
            drift = torch.stack(
                [
                    (1 - torch.nn.functional.cosine_similarity(now, then, dim=-1)).mean()
                    for now, then in zip(moving, fixed, strict=True)
                ]
            ).mean()
            return loss + weight * drift

    return StartAnchorLoss()
