"""Late interaction (ColBERT-style): one vector per token, pairs scored by MaxSim.

The model is sentence-transformers' :class:`MultiVectorEncoder`. A cascade starts it from the
run's bi-encoder: the same transformer, its token vectors normalised, no projection (a fresh
random projection would throw away what the bi-encoder knows). A pair's score is the symmetric
mean MaxSim: for each token of one sentence its best cosine with any token of the other,
averaged over the sentence's tokens, then averaged over both directions, so it lies in [-1, 1]
like a cosine and does not depend on the pair's order (STS pairs have no query side).
"""

from __future__ import annotations

import torch


def from_bi_encoder(bi_encoder):
    """A late-interaction model sharing ``bi_encoder``'s transformer (its token vectors,
    normalised; the pooling dropped)."""
    from sentence_transformers import MultiVectorEncoder
    from sentence_transformers.base.modules import Normalize
    from sentence_transformers.multi_vector_encoder.modules import MultiVectorMask

    normalise = Normalize(
        module_input_name="token_embeddings", module_output_name="token_embeddings"
    )
    return MultiVectorEncoder(
        modules=[bi_encoder[0], MultiVectorMask(), normalise],
        device=str(bi_encoder.device),
        similarity_fn_name="meanmaxsim",
    )


def mean_maxsim(
    query: torch.Tensor,
    query_mask: torch.Tensor,
    document: torch.Tensor,
    document_mask: torch.Tensor,
) -> torch.Tensor:
    """Per row b: the mean over ``query[b]``'s tokens of their best dot product with a token
    of ``document[b]`` (padding masked out on both sides). Shapes (B, Q, D), (B, Q), (B, K, D),
    (B, K) -> (B,)."""
    similarity = torch.einsum("bqd,bkd->bqk", query, document)
    similarity = similarity.masked_fill(~document_mask.bool().unsqueeze(1), float("-inf"))
    best = similarity.max(dim=2).values.masked_fill(~query_mask.bool(), 0.0)
    return best.sum(dim=1) / query_mask.sum(dim=1).clamp(min=1)


def pair_scores(
    first: torch.Tensor, first_mask: torch.Tensor, second: torch.Tensor, second_mask: torch.Tensor
) -> torch.Tensor:
    """The symmetric mean MaxSim of each row's pair."""
    forward = mean_maxsim(first, first_mask, second, second_mask)
    backward = mean_maxsim(second, second_mask, first, first_mask)
    return (forward + backward) / 2


def embed(model, features: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """Token vectors and attention mask of one tokenised batch (a forward pass of ``model``)."""
    output = model(features)
    return output["token_embeddings"], output["attention_mask"]


def batch_scores(model, sentence_features) -> torch.Tensor:
    """The symmetric mean MaxSim of each pair of a training batch (two tokenised columns)."""
    first, second = (embed(model, features) for features in sentence_features)
    return pair_scores(*first, *second)
