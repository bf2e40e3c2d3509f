"""Precision ``auto``: bf16 only where the device computes it natively, recorded with the run."""

import json
import logging

import pytest
from test_bootstrap import config, tiny_recipe

from transenc import bootstrap, precision
from transenc.recipe import Recipe, TrainSettings, load_recipe, shipped_recipes


@pytest.fixture
def cpu_with(monkeypatch):
    monkeypatch.delenv(precision.NATIVE_BF16_ENV, raising=False)

    def set_flags(*flags):
        monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"sse2", *flags}))
        precision._warn_slow_bf16.cache_clear()

    return set_flags


def test_auto_follows_the_cpu_flags(cpu_with):
    cpu_with("avx2")
    choice = precision.choose("auto", "cpu")
    assert choice.precision == "fp32" and "lacks amx_bf16 and avx512_bf16" in choice.reason
    cpu_with("amx_bf16", "avx512_bf16")
    assert precision.choose("auto", "cpu").note == "bf16 (auto: CPU has amx_bf16, avx512_bf16)"
    cpu_with("avx512_bf16")
    assert precision.choose("auto", "cpu").precision == "bf16"
    assert precision.choose("fp32", "cpu").precision == "fp32"


def test_explicit_bf16_without_support_runs_with_one_warning(cpu_with, caplog):
    cpu_with()
    with caplog.at_level(logging.WARNING, logger="transenc.precision"):
        first = precision.choose("bf16", "cpu")
        precision.choose("bf16", "cpu")
    assert first.precision == "bf16"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "several times slower than fp32" in warnings[0]


def test_the_environment_overrides_the_device(cpu_with, monkeypatch):
    cpu_with("amx_bf16")
    monkeypatch.setenv(precision.NATIVE_BF16_ENV, "0")
    assert precision.choose("auto", "cpu").note == "fp32 (auto: TRANSENC_NATIVE_BF16=0)"
    cpu_with()
    monkeypatch.setenv(precision.NATIVE_BF16_ENV, "1")
    assert precision.choose("auto", "cpu").precision == "bf16"


def test_unreadable_cpuinfo_means_no_flags(monkeypatch, tmp_path):
    monkeypatch.setattr(precision, "CPUINFO", tmp_path / "missing")
    precision.cpu_flags.cache_clear()
    try:
        assert precision.cpu_flags() == frozenset()
    finally:
        precision.cpu_flags.cache_clear()


def test_every_shipped_recipe_decides_from_the_device():
    for name in shipped_recipes():
        recipe = load_recipe(name)
        assert recipe.label_precision == "auto", name
        for section in ("contrastive_training", "cross", "bi"):
            if section != "contrastive_training" or recipe.contrastive:
                assert getattr(recipe, section).precision == "auto", (name, section)
    with pytest.raises(Exception, match="precision must be one of auto, fp32, bf16"):
        Recipe(bi=TrainSettings(precision="fp16"))


def test_the_choice_is_recorded_in_the_manifests(pairs_file, tiny_bi, tmp_path, cpu_with):
    cpu_with("avx2")  # a CPU without bf16: auto must run fp32
    small = TrainSettings(epochs=1, batch_size=8, max_length=16, precision="auto")
    recipe = tiny_recipe(rounds=1, contrastive=False, label_precision="auto", cross=small, bi=small)
    out = tmp_path / "run"
    bootstrap.run(config(pairs_file, out, [tiny_bi], recipe=recipe))
    for manifest in ("label-bi", "train-cross", "label-cross", "train-bi"):
        metrics = json.loads((out / "round-1" / f"{manifest}.manifest.json").read_text())["metrics"]
        assert metrics["precision"].startswith("fp32 (auto: CPU lacks"), manifest


def test_auto_on_a_cuda_gpu_without_bf16_is_fp16(monkeypatch):
    monkeypatch.setattr(precision, "native_bf16", lambda device: (False, "CUDA bf16 support: no"))
    assert precision.choose("auto", "cuda").note == "fp16 (auto: CUDA bf16 support: no)"
    monkeypatch.setattr(precision, "native_bf16", lambda device: (True, "CUDA bf16 support: yes"))
    assert precision.choose("auto", "cuda").precision == "bf16"


def test_device_choice(monkeypatch):
    import torch

    from transenc import device
    from transenc.errors import TransencError

    monkeypatch.setenv(device.DEVICE_ENV, "auto")  # restored after the test
    device.choose_device("cpu")
    assert device.device() == "cpu" and precision.default_device_type() == "cpu"
    with pytest.raises(TransencError, match="--device 'tpu' unknown"):
        device.choose_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(TransencError, match="no CUDA device"):
            device.choose_device("cuda")
        device.choose_device("auto")
        assert device.device() == "cpu"
