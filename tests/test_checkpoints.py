"""Mid-stage resume: SIGINT in the middle of a training stage, then the rerun picks up at the
stage's last checkpoint and ends on the weights of a run that was never interrupted."""

import signal

import pytest
import torch
from safetensors.torch import load_file
from transformers.trainer_callback import CallbackHandler
from typer.testing import CliRunner

from transenc import interrupts
from transenc.checkpoints import FINGERPRINT_FILE, StageCheckpoints
from transenc.cli import app

runner = CliRunner()


def bootstrap_args(pairs_file, out, tiny_bi, *extra):
    # checkpoint_minutes 0.00001: a checkpoint after every step of the tiny run
    return [
        "bootstrap", "--pairs", str(pairs_file), "--out", str(out), "--model", str(tiny_bi),
        "--rounds", "1", "--no-contrastive", "--recipe", "cpu-fast", "--no-progress",
        "--checkpoint-minutes", "0.00001", *extra,
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def ctrl_c_raises():
    """Ctrl-C as a terminal delivers it, even where this process was started with SIGINT
    ignored (as a shell does for a command it runs in the background)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def sigint_after_saving(monkeypatch, stage_leaf: str, step: int) -> None:
    """Sends this process SIGINT once ``stage_leaf`` has saved its checkpoint at ``step``."""
    real_on_save = CallbackHandler.on_save
    sent = []

    def on_save(self, args, state, control):
        control = real_on_save(self, args, state, control)
        if (
            not sent
            and args.output_dir.endswith(f"{stage_leaf}.checkpoints")
            and state.global_step == step
        ):
            sent.append(step)
            # to this thread (the main one), so that it lands here and not where a finalizer
            # on another thread's schedule could swallow it
            signal.raise_signal(signal.SIGINT)
        return control

    monkeypatch.setattr(CallbackHandler, "on_save", on_save)


def count_steps(monkeypatch, stage_leaf: str) -> list[int]:
    """The optimizer steps ``stage_leaf`` takes from here on, as they end."""
    real_on_step_end = CallbackHandler.on_step_end
    taken = []

    def on_step_end(self, args, state, control):
        if args.output_dir.endswith(f"{stage_leaf}.checkpoints"):
            taken.append(state.global_step)
        return real_on_step_end(self, args, state, control)

    monkeypatch.setattr(CallbackHandler, "on_step_end", on_step_end)
    return taken


def weights(folder):
    return load_file(str(folder / "model.safetensors"))


# 48 pairs: train-bi takes 2 epochs of 2 steps (step 3 is mid-epoch), train-cross 3 steps
@pytest.mark.parametrize("stage_leaf, step, steps", [("train-bi", 3, 4), ("train-cross", 2, 3)])
def test_sigint_mid_stage_resumes_at_its_checkpoint(
    pairs_file, tiny_bi, tmp_path, monkeypatch, stage_leaf, step, steps
):
    taken = count_steps(monkeypatch, stage_leaf)
    whole = runner.invoke(app, bootstrap_args(pairs_file, tmp_path / "whole", tiny_bi))
    assert whole.exit_code == 0, whole.output
    assert taken == list(range(1, steps + 1))

    out = tmp_path / "cut"
    sigint_after_saving(monkeypatch, stage_leaf, step)
    cut = runner.invoke(app, bootstrap_args(pairs_file, out, tiny_bi))
    assert cut.exit_code == interrupts.EXIT_SIGINT, cut.output
    line = [x for x in cut.stderr.splitlines() if x.startswith("interrupted")]
    assert len(line) == 1 and f"during round-1/{stage_leaf} (Ctrl-C)" in line[0]
    assert f"round-1/{stage_leaf}'s checkpoint at step {step} kept" in line[0]
    assert "Traceback" not in cut.output
    assert (out / "round-1" / f"{stage_leaf}.checkpoints" / f"checkpoint-{step}").is_dir()

    monkeypatch.undo()
    taken = count_steps(monkeypatch, stage_leaf)
    again = runner.invoke(app, bootstrap_args(pairs_file, out, tiny_bi))
    assert again.exit_code == 0, again.output
    assert f"[resume] round-1/{stage_leaf}: from its checkpoint at step {step}" in again.output
    assert taken == list(range(step + 1, steps + 1))  # only the steps the cut run had not taken
    assert not (out / "round-1" / f"{stage_leaf}.checkpoints").exists()  # spent, removed
    # the resumed stage ends where the uninterrupted one did
    model = "bi" if stage_leaf == "train-bi" else "cross"
    resumed, uncut = weights(out / "round-1" / model), weights(tmp_path / "whole/round-1" / model)
    assert resumed.keys() == uncut.keys()
    for name, tensor in uncut.items():
        torch.testing.assert_close(resumed[name], tensor, msg=name)


def test_checkpoints_of_another_config_are_thrown_away(tmp_path):
    checkpoints = StageCheckpoints(tmp_path / "train-bi.checkpoints", 60)
    assert checkpoints.prepare("config A") is None
    for step, complete in ((4, True), (6, True), (8, False)):  # 8 was cut off mid-save
        folder = checkpoints.folder / f"checkpoint-{step}"
        folder.mkdir()
        if complete:
            (folder / "trainer_state.json").write_text("{}")
    assert checkpoints.prepare("config A") == 6
    assert not (checkpoints.folder / "checkpoint-8").exists()
    assert checkpoints.prepare("config B") is None  # changed: nothing of A's is resumed
    assert sorted(p.name for p in checkpoints.folder.iterdir()) == [FINGERPRINT_FILE]


def test_no_checkpoints_when_switched_off(pairs_file, tiny_bi, tmp_path, monkeypatch):
    sigint_after_saving(monkeypatch, "train-bi", 1)
    args = bootstrap_args(pairs_file, tmp_path / "run", tiny_bi)
    args[args.index("--checkpoint-minutes") + 1] = "0"
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output  # no save, so no signal
    assert not list((tmp_path / "run").rglob("*.checkpoints"))


KEEP_BEST_RECIPE = """
format = 2
name = "keep-best-tiny"
rounds = 1
held_back = 0.25

[contrastive]
enabled = false

[cross]
min_steps = 6
keep_best = true
check_every = 2

[bi]
min_steps = 8
keep_best = true
check_every = 2
patience = 3
"""


def test_resume_keeps_the_best_weights_tracking(pairs_file, tiny_bi, tmp_path, monkeypatch):
    """With keep_best the trainer scores held-back pairs and ends on its best weights: a resume
    keeps that bookkeeping (best score, best checkpoint, patience) and ends where the
    uninterrupted run ends."""
    recipe = tmp_path / "keep-best.toml"
    recipe.write_text(KEEP_BEST_RECIPE)

    def args(out):
        listed = bootstrap_args(pairs_file, out, tiny_bi)
        listed[listed.index("--recipe") + 1] = str(recipe)
        return listed

    whole = runner.invoke(app, args(tmp_path / "whole"))
    assert whole.exit_code == 0, whole.output
    sigint_after_saving(monkeypatch, "train-bi", 5)
    cut = runner.invoke(app, args(tmp_path / "cut"))
    assert cut.exit_code == interrupts.EXIT_SIGINT, cut.output
    monkeypatch.undo()
    again = runner.invoke(app, args(tmp_path / "cut"))
    assert again.exit_code == 0, again.output
    assert "[resume] round-1/train-bi: from its checkpoint at step 5" in again.output
    resumed, uncut = weights(tmp_path / "cut/round-1/bi"), weights(tmp_path / "whole/round-1/bi")
    for name, tensor in uncut.items():
        torch.testing.assert_close(resumed[name], tensor, msg=name)
