"""The same commands as 2 CPU processes under torchrun (gloo): same files, same layout, and a
run whose rank was killed resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from transenc import distributed
from transenc.labels import read_labels

TINY_RECIPE = """rounds = 1
contrastive = false
seed = 7
label_batch_size = 16
[cross]
epochs = 1
batch_size = 8
learning_rate = 1e-4
max_length = 16
[bi]
epochs = 1
batch_size = 8
learning_rate = 1e-4
max_length = 16
"""


def transenc(*args: str, processes: int = 1) -> list[str]:
    """The command line of ``transenc ARGS``, under torchrun with ``processes`` > 1."""
    if processes == 1:
        return [sys.executable, "-m", "transenc", *args]
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        str(processes),
        "--master-port",
        str(29500 + os.getpid() % 1000),  # tests running side by side need their own port
        "-m",
        "transenc",
        *args,
    ]


def run(command: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def files(run_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())


def test_blocks_of_each_process_cover_every_item_once(monkeypatch):
    monkeypatch.setattr(distributed, "_active", lambda: True)
    monkeypatch.setenv("WORLD_SIZE", "3")
    for count in (0, 1, 2, 7, 9):
        blocks = []
        for rank in range(3):
            monkeypatch.setenv("RANK", str(rank))
            blocks.append(distributed.share(count))
        covered = [i for block in blocks for i in range(count)[block]]
        assert covered == list(range(count))
        sizes = [len(range(count)[block]) for block in blocks]
        assert max(sizes) - min(sizes) <= 1


def test_one_process_is_the_identity():
    assert distributed.world_size() == 1 and distributed.is_main()
    assert distributed.share(5) == slice(0, 5)
    block = np.arange(4.0)
    assert distributed.gather(block) is block
    assert distributed.from_main("x") == "x"
    assert distributed.main_first(lambda: 3) == 3


def test_two_processes_label_like_one(tiny_bi, tiny_cross, pairs_file, tmp_path):
    """Labelling split over 2 processes (each its share of the sentences or pairs, gathered)
    writes the file one process writes, once, with no stray files."""
    for model, kind in ((tiny_bi, "bi"), (tiny_cross, "cross")):
        outputs = {}
        for processes in (1, 2):
            out = tmp_path / f"{kind}-{processes}" / "labels.tsv"
            args = ("label", "--pairs", str(pairs_file), "--out", str(out), "-m", str(model))
            run(transenc(*args, "--no-progress", processes=processes))
            outputs[processes] = read_labels(out)
            assert files(out.parent) == ["labels.tsv"]
        assert outputs[1].pairs == outputs[2].pairs
        np.testing.assert_allclose(outputs[2].scores, outputs[1].scores, atol=1e-6)


def test_two_process_bootstrap_matches_one_process(tiny_bi, pairs_file, tmp_path):
    """The same run directory layout and manifests; labels before any training are the same
    scores; labels after training agree closely (DDP splits each batch, so only the dropout
    masks and float rounding differ)."""
    recipe = tmp_path / "tiny.toml"
    recipe.write_text(TINY_RECIPE)
    runs = {}
    for processes in (1, 2):
        out = tmp_path / f"run-{processes}"
        args = ("bootstrap", "--pairs", str(pairs_file), "--out", str(out), "-m", str(tiny_bi))
        done = run(transenc(*args, "--recipe", str(recipe), "--no-progress", processes=processes))
        runs[processes] = out
        assert done.stdout.count("[done] round-1/train-bi") == 1  # rank 0 speaks, once
    assert files(runs[1]) == files(runs[2])
    first = {p: read_labels(runs[p] / "round-1" / "bi_labels.tsv").scores for p in runs}
    np.testing.assert_allclose(first[2], first[1], atol=1e-6)
    after = {p: read_labels(runs[p] / "round-1" / "cross_labels.tsv").scores for p in runs}
    assert spearmanr(after[1], after[2]).statistic > 0.95


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (torchrun's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds torchrun's workers in /proc")
def test_a_killed_rank_leaves_a_run_that_resumes(tiny_bi, pairs_file, tmp_path):
    recipe = tmp_path / "tiny.toml"
    recipe.write_text(TINY_RECIPE.replace("rounds = 1", "rounds = 2"))

    def command(out: Path) -> list[str]:
        args = ("bootstrap", "--pairs", str(pairs_file), "--out", str(out), "-m", str(tiny_bi))
        return transenc(*args, "--recipe", str(recipe), "--no-progress", processes=2)

    clean, killed = tmp_path / "clean", tmp_path / "killed"
    run(command(clean))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    launcher = subprocess.Popen(
        command(killed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 300
    while not (killed / "round-1" / "label-cross.manifest.json").exists():
        assert time.time() < deadline and launcher.poll() is None
        time.sleep(0.05)
    workers = sorted(_children(launcher.pid))
    assert len(workers) == 2
    os.kill(workers[-1], signal.SIGKILL)  # one rank dies; torchrun stops the other
    assert launcher.wait(timeout=120) != 0
    resumed = run(command(killed))
    assert "[skip] round-1/label-cross" in resumed.stdout
    assert files(killed) == files(clean)
    for path in sorted(clean.rglob("*_labels.tsv")):
        again = read_labels(killed / path.relative_to(clean)).scores
        np.testing.assert_allclose(again, read_labels(path).scores, atol=1e-6)
