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


def test_a_run_gives_cores_back_when_another_starts_and_takes_them_again(monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 4)
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 4)
    # /proc/stat (busy, total) and this process's own ticks at each look
    looks = iter([(0, 0, 0), (300, 400, 200), (500, 800, 400)])
    monkeypatch.setattr(threads, "_cpu_times", lambda: next(looks)[:2])
    samples = iter([0, 200, 400])
    monkeypatch.setattr(threads, "_own_cpu_ticks", lambda: next(samples))
    others = threads.Others()
    # 300 busy ticks of 400, 200 of them ours: others kept 1 of 4 cores busy -> 3 threads
    assert threads.rebalanced(4, others) == 3
    # then all 200 busy ticks were ours: the other run ended -> every core again
    assert threads.rebalanced(3, others) == 4


def test_never_below_one_thread_and_unchanged_when_unknown(monkeypatch):
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)

    class Busy:
        def __init__(self, value):
            self.value = value

        def busy(self):
            return self.value

    assert threads.rebalanced(2, Busy(5)) == 1
    assert threads.rebalanced(2, Busy(None)) == 2


def test_only_a_count_chosen_here_is_rebalanced(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.delenv(threads.THREADS_ENV, raising=False)
        threads.apply(1)
        assert not threads.rebalancing()  # --threads 1: the user's word stands
        monkeypatch.setenv(threads.THREADS_ENV, "1")
        threads.apply()
        assert not threads.rebalancing()  # $TRANSENC_THREADS: likewise
        monkeypatch.delenv(threads.THREADS_ENV)
        threads.apply()
        assert threads.rebalancing()
    finally:
        torch.set_num_threads(before)
        threads._chosen_here = False
