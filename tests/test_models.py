import json

import pytest

from transenc.errors import TransencError
from transenc.models import default_model_path, detect_kind, load_cross_encoder, resolve_model


def test_kind_from_files_not_names(tiny_bi, tiny_cross, tmp_path):
    assert detect_kind(str(tiny_bi)) == "bi"
    assert detect_kind(str(tiny_cross)) == "cross"
    # a misleading name changes nothing
    misleading = tiny_bi.rename(tmp_path / "my-cross-encoder")
    assert detect_kind(str(misleading)) == "bi"


def test_plain_transformers_folder_is_a_bi_encoder(tiny_hf):
    assert detect_kind(str(tiny_hf)) == "bi"


def test_legacy_cross_encoder_folder(tiny_hf):
    config = json.loads((tiny_hf / "config.json").read_text())
    config["architectures"] = ["BertForSequenceClassification"]
    (tiny_hf / "config.json").write_text(json.dumps(config))
    assert detect_kind(str(tiny_hf)) == "cross"


def test_default_is_the_embedded_model():
    assert resolve_model("default") == str(default_model_path())
    assert detect_kind("default") == "bi"


def test_not_a_model(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(TransencError, match="not a model folder"):
        detect_kind(str(tmp_path / "empty"))
    with pytest.raises(TransencError, match="model folder not found"):
        resolve_model(str(tmp_path / "missing"))


def test_bi_encoder_folder_loads_as_cross_encoder_with_fresh_head(tiny_bi):
    model = load_cross_encoder(str(tiny_bi))
    assert model.predict([("a man", "a woman")]).shape == (1,)


def test_hub_id_without_network_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(TransencError, match="someone/some-model: not a local folder"):
        detect_kind("someone/some-model")
    from transenc.models import load_bi_encoder

    with pytest.raises(TransencError, match="someone/some-model: cannot load model"):
        load_bi_encoder("someone/some-model")
