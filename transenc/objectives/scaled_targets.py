"""A sentence-transformers list loss that learns each list's targets multiplied by a factor.

Listwise losses read their labels as logits (ListNet) or relevance grades (LambdaLoss), while
transenc's targets are scores in [0, 1]: the factor is what gives them a usable spread.
"""

from __future__ import annotations


def with_scaled_targets(loss_class, factor: float, setting: str, value: float):
    """``loss_class`` learning every list's targets times ``factor``; its config (on the model
    card) names ``setting`` = ``value``, the recipe parameter the factor came from."""

    class ScaledTargets(loss_class):
        def forward(self, inputs, labels, **kwargs):
            return super().forward(inputs, [row * factor for row in labels], **kwargs)

        def get_config_dict(self):
            return {**super().get_config_dict(), setting: value}

    # the card names the loss by its class: keep the library loss's name in it
    ScaledTargets.__name__ = ScaledTargets.__qualname__ = f"Scaled{loss_class.__name__}"
    return ScaledTargets
