"""Length-sorted chunks inside a batch give the loss and gradients of one whole-batch pass."""

from __future__ import annotations

import pytest
import torch

from transenc.chunking import length_chunked
from transenc.errors import TransencError
from transenc.recipe import Recipe
from transenc.train_settings import TrainSettings

# lengths from 1 to 12 words, out of order, so that sorting and trimming both matter
FIRST = [" ".join(["the man is playing guitar"] * n)[: 6 * n] for n in (3, 12, 1, 7, 5, 9, 2, 11)]
SECOND = [" ".join(["a dog runs in the park"] * n)[: 5 * n] for n in (8, 2, 10, 4, 12, 1, 6, 3)]


def without_dropout(model):
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    model.train()
    return model


def gradients(model) -> torch.Tensor:
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])


def bi_step(model, chunk: int):
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

    loss = CosineSimilarityLoss(model)
    features = [model.preprocess(FIRST), model.preprocess(SECOND)]
    labels = torch.linspace(-0.5, 0.9, len(FIRST))
    model.zero_grad()
    with length_chunked(model, chunk):
        value = loss(features, labels)
        embeddings = model(model.preprocess(FIRST))["sentence_embedding"].detach()
    value.backward()
    return value.item(), gradients(model), embeddings


# left-padded batches are run whole (their positions depend on the batch's width)
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_chunked_bi_encoder_step_equals_the_whole_batch(tiny_model_dirs, padding_side):
    from sentence_transformers import SentenceTransformer

    model = without_dropout(SentenceTransformer(str(tiny_model_dirs["bi"]), device="cpu"))
    model.tokenizer.padding_side = padding_side
    whole_loss, whole_grad, whole_rows = bi_step(model, 0)
    chunk_loss, chunk_grad, chunk_rows = bi_step(model, 3)
    assert chunk_loss == pytest.approx(whole_loss, rel=1e-5)
    # each sentence's embedding comes back in its own row, not in the sorted order
    assert torch.allclose(chunk_rows, whole_rows, atol=1e-5)
    assert torch.allclose(chunk_grad, whole_grad, rtol=1e-4, atol=1e-6)
    assert "forward" not in vars(model[0])  # the context put the whole-batch pass back


def test_chunked_cross_encoder_step_equals_the_whole_batch(tiny_model_dirs):
    from sentence_transformers.cross_encoder import CrossEncoder
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    model = without_dropout(CrossEncoder(str(tiny_model_dirs["cross"]), device="cpu"))
    loss = BinaryCrossEntropyLoss(model)
    labels = torch.linspace(0.1, 0.9, len(FIRST))
    results = []
    for chunk in (0, 3):
        model.zero_grad()
        with length_chunked(model, chunk):
            value = loss([FIRST, SECOND], labels)
        value.backward()
        results.append((value.item(), gradients(model)))
    (whole_loss, whole_grad), (chunk_loss, chunk_grad) = results
    assert chunk_loss == pytest.approx(whole_loss, rel=1e-5)
    assert torch.allclose(chunk_grad, whole_grad, rtol=1e-4, atol=1e-6)


def test_chunks_only_while_training(tiny_model_dirs, monkeypatch):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(tiny_model_dirs["bi"]), device="cpu")
    calls = []
    original = type(model[0]).forward
    monkeypatch.setattr(
        type(model[0]), "forward", lambda self, f, **k: calls.append(1) or original(self, f, **k)
    )
    features = model.preprocess(FIRST)
    with length_chunked(model, 3):
        model.eval()
        model(dict(features))
        assert len(calls) == 1  # inference: one pass
        model.train()
        model(dict(features))
    assert len(calls) == 1 + 3  # training: 8 rows in chunks of 3


def test_length_chunk_is_checked():
    with pytest.raises(TransencError, match="length_chunk must be 0"):
        TrainSettings(length_chunk=-1).check("bi")
    with pytest.raises(TransencError, match="length_chunk must be a whole number"):
        TrainSettings(length_chunk=True).check("bi")
    with pytest.raises(TransencError, match="does not work with bi_loss 'virt'"):
        Recipe(bi_loss="virt", bi=TrainSettings(length_chunk=16))
    Recipe(bi_loss="virt")  # unchunked VIRT stays allowed


def test_a_chunked_fit_ends_on_the_weights_of_an_unchunked_one(tiny_model_dirs, monkeypatch):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import CosineSimilarityLoss

    import transenc.chunking
    from transenc.training import fit

    columns = {
        "sentence1": FIRST * 2,
        "sentence2": SECOND * 2,
        "label": torch.linspace(-0.5, 0.9, 2 * len(FIRST)).tolist(),
    }
    chunked_passes = []
    original = transenc.chunking._chunked
    monkeypatch.setattr(
        transenc.chunking, "_chunked", lambda *a: chunked_passes.append(1) or original(*a)
    )
    weights = []
    for chunk in (0, 3):
        model = without_dropout(SentenceTransformer(str(tiny_model_dirs["bi"]), device="cpu"))
        settings = TrainSettings(epochs=2, batch_size=8, learning_rate=1e-3, length_chunk=chunk)
        fitted = fit(model, columns, CosineSimilarityLoss(model), settings, 0, False)
        assert fitted.steps == 4
        weights.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
        assert "forward" not in vars(model[0])
        assert len(chunked_passes) == (0 if chunk == 0 else 4 * 2)  # 4 steps, 2 columns each
    start = SentenceTransformer(str(tiny_model_dirs["bi"]), device="cpu")
    moved = (weights[0] - torch.cat([p.detach().flatten() for p in start.parameters()])).abs()
    assert moved.max() > 1e-3  # the steps changed the weights...
    assert torch.allclose(weights[1], weights[0], atol=1e-5)  # ...alike with and without chunks


def test_length_chunk_is_recorded_as_how_the_stage_ran_not_what_it_is(tmp_path):
    from transenc.manifest import recorded_fields

    assert "length_chunk" not in recorded_fields(TrainSettings(length_chunk=16))
    from dataclasses import replace

    plain = Recipe()
    chunked = Recipe(
        bi=replace(plain.bi, length_chunk=32), cross=replace(plain.cross, length_chunk=16)
    )
    assert chunked.fingerprint() == plain.fingerprint()
