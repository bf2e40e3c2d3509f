"""Ctrl-C and SIGTERM during bootstrap: one line, the shell's status, the run resumable."""

import os
import signal

from typer.testing import CliRunner

from transenc import interrupts
from transenc.cli import app
from transenc.pipeline import runner as runner_module

runner = CliRunner()


def interrupted_at(monkeypatch, stage_name: str, signum: int | None = None):
    """Makes the given stage's work raise as Ctrl-C (or deliver ``signum``) when it starts."""
    real_step = runner_module.Runner.step

    def step(self, stage, number, kind, work, checkpoints=None):
        def cut():
            if stage.name == stage_name:
                if signum is None:
                    raise KeyboardInterrupt
                os.kill(os.getpid(), signum)
            return work()

        return real_step(self, stage, number, kind, cut, checkpoints)

    monkeypatch.setattr(runner_module.Runner, "step", step)


def bootstrap_args(pairs_file, out, tiny_bi):
    return [
        "bootstrap", "--pairs", str(pairs_file), "--out", str(out), "--model", str(tiny_bi),
        "--rounds", "1", "--no-contrastive", "--recipe", "cpu-fast", "--no-progress",
    ]  # fmt: skip


def test_ctrl_c_mid_run_says_what_ran_and_how_to_resume(pairs_file, tiny_bi, tmp_path, monkeypatch):
    out = tmp_path / "run"
    interrupted_at(monkeypatch, "round-1/train-bi")
    result = runner.invoke(app, bootstrap_args(pairs_file, out, tiny_bi))
    assert result.exit_code == interrupts.EXIT_SIGINT, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("interrupted")]
    assert len(lines) == 1 and "during round-1/train-bi (Ctrl-C)" in lines[0]
    assert "to resume, run again: transenc" in lines[0] and "Traceback" not in result.output
    # what finished is kept: the rerun of the same command skips it
    monkeypatch.undo()
    again = runner.invoke(app, bootstrap_args(pairs_file, out, tiny_bi))
    assert again.exit_code == 0, again.output
    assert "[skip] round-1/train-cross" in again.output
    assert "[done] round-1/train-bi" in again.output
    # each stage says it is starting before it runs (a stage can run for an hour)
    assert again.output.index("[start] round-1/train-bi") < again.output.index(
        "[done] round-1/train-bi"
    )


def test_sigterm_exits_143_with_the_same_line(pairs_file, tiny_bi, tmp_path, monkeypatch):
    interrupted_at(monkeypatch, "round-1/train-cross", signal.SIGTERM)
    result = runner.invoke(app, bootstrap_args(pairs_file, tmp_path / "run", tiny_bi))
    assert result.exit_code == interrupts.EXIT_SIGTERM, result.output
    assert "interrupted during round-1/train-cross (SIGTERM)" in result.stderr
    assert signal.getsignal(signal.SIGTERM) is not interrupts._raise_terminated  # restored
