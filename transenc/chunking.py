"""Length-sorted chunks inside a training batch: the same batch, less padding.

The trainers pad a batch to its longest input, so in a random batch of short sentences with a
few long ones many of the tokens computed are padding. Here the encoder's forward pass is
split: the batch's rows are sorted by length, cut into chunks of ``size`` rows, each chunk is
run trimmed to its own longest row, and the outputs are put back in the batch's order (token
vectors re-padded with zeros at masked positions). The loss then sees the batch it would have
seen; only float rounding and dropout's random draws differ, so unlike length-grouped batching
(:mod:`transenc.batching`) it changes nothing the run learns from. Every chunk keeps its
activations for the backward pass, as the whole batch would, but trimmed chunks hold fewer of
them: less time and less memory.

Training only (the model's ``encode`` and ``predict`` already sort their batches by length),
and only for right-padded text batches whose encoder is not asked for every layer's hidden
states; anything else runs as one pass. (A left-padded BERT numbers its positions from the
batch's first column, so its output already depends on the batch's width: trimming would
change it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def length_chunked(model, size: int) -> Iterator[None]:
    """While training, runs ``model``'s transformer module in length-sorted chunks of ``size``
    rows (0: off)."""
    if not size:
        yield
        return
    module = model[0]
    whole_batch = module.forward

    def forward(features, **kwargs):
        if not module.training or not _chunkable(module, features, size):
            return whole_batch(features, **kwargs)
        return _chunked(whole_batch, module.module_output_name, features, size, kwargs)

    module.forward = forward  # an instance attribute: nn.Module's __call__ looks it up first
    try:
        yield
    finally:
        del module.forward


def _chunkable(module, features: dict, size: int) -> bool:
    mask = features.get("attention_mask")
    return (
        isinstance(mask, torch.Tensor)
        and mask.ndim == 2
        and mask.shape[0] > size
        and bool(mask[:, 0].all())  # right-padded: every row starts with a real token
        and features.get("modality", "text") == "text"
        and not getattr(module.model.config, "output_hidden_states", False)
    )


def _chunked(whole_batch, output_name: str, features: dict, size: int, kwargs: dict) -> dict:
    mask = features["attention_mask"]
    rows, width = mask.shape
    lengths = mask.sum(dim=1)
    order = torch.argsort(lengths, descending=True, stable=True)
    outputs = []
    for chunk in order.split(size):
        chunk_width = int(lengths[chunk].max())
        part = {
            key: _rows(value, chunk, chunk_width, rows, width) for key, value in features.items()
        }
        output = whole_batch(part, **kwargs)[output_name]
        if output.ndim == 3 and output.shape[1] == chunk_width and chunk_width < width:
            output = torch.nn.functional.pad(output, (0, 0, 0, width - chunk_width))
        outputs.append(output)
    features[output_name] = torch.cat(outputs)[torch.argsort(order)]
    return features


def _rows(value, chunk: torch.Tensor, chunk_width: int, rows: int, width: int):
    """``value``'s rows in ``chunk`` (and, for per-token tensors, the chunk's first
    ``chunk_width`` columns)."""
    if not isinstance(value, torch.Tensor) or value.ndim == 0 or value.shape[0] != rows:
        return value  # batch-level metadata
    if value.ndim >= 2 and value.shape[1] == width:
        return value[chunk][:, :chunk_width]
    return value[chunk]
