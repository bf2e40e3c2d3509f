"""Compute threads chosen for the machine as it is (issue 42)."""

import pytest
import torch
from typer.testing import CliRunner

from transenc import threads
from transenc.cli import app
from transenc.errors import TransencError


def test_an_explicit_count_wins_then_the_environment(monkeypatch):
    monkeypatch.setenv(threads.THREADS_ENV, "3")
    assert threads.chosen(1) == 1 and threads.chosen() == 3
    monkeypatch.setenv(threads.THREADS_ENV, "many")
    with pytest.raises(TransencError, match="TRANSENC_THREADS"):
        threads.chosen()
    with pytest.raises(TransencError, match="--threads 0"):
        threads.chosen(0)


def test_the_free_cores_are_shared_and_never_below_one(monkeypatch):
    monkeypatch.delenv(threads.THREADS_ENV, raising=False)
    monkeypatch.setattr(threads, "usable_cores", lambda: 8)
    monkeypatch.setattr(threads, "busy_cores", lambda: 2)
    assert threads.chosen() == 6 and threads.chosen(local_processes=2) == 3
    monkeypatch.setattr(threads, "busy_cores", lambda: 9)  # a machine busier than its cores
    assert threads.chosen() == 1


def test_busy_cores_reads_the_machine():
    assert 0 <= threads.busy_cores(0.05) <= threads.usable_cores() * 4


def test_the_cli_sets_torchs_threads(monkeypatch, tmp_path):
    monkeypatch.delenv(threads.THREADS_ENV, raising=False)
    before = torch.get_num_threads()
    try:
        result = CliRunner().invoke(app, ["--threads", "1", "pairs-info", str(tmp_path / "no")])
        assert torch.get_num_threads() == 1, result.output
    finally:
        torch.set_num_threads(before)
        monkeypatch.delenv(threads.THREADS_ENV, raising=False)
