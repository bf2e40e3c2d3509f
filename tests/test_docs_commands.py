"""Every command in README.md and docs/*.md, run as written from a folder outside the checkout,
as a newcomer would: ``$TRANSENC_DATA`` unset, no per-user data, the user's files made here.

Each page runs in its own fresh folder, its commands in the order the page gives them (a later
command reads what an earlier one wrote). Commands that finish in a minute or two run to the
end and must exit 0; the benchmark reproductions (hours on a CPU) run until their first stage
starts, then get SIGINT and must say so in one line and exit 130. A command added to the docs
fails this test until it is listed in ``HOW`` below. Opt-in (``-m docs``; ``make docs-check``,
run by ``.ci/run``): it takes several minutes.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from transenc.locations import sts_data_dir
from transenc.model_store import is_complete

pytestmark = pytest.mark.docs

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
WHOLE, FIRST_STAGE = "to the end", "until its first stage starts"
# torchrun answers SIGINT with its own traceback and exit 1; what transenc owes is its one line
LAUNCHED = "until its first stage starts, under torchrun"
# how each documented command runs here, and what it needs that a fresh clone may lack
HOW = {
    "transenc bootstrap --pairs my_pairs.tsv --out runs/first --recipe cpu-fast": (WHOLE, ()),
    "transenc eval runs/first/final/bi --gold my_gold.tsv --gold stsb --output metrics.json": (
        WHOLE,
        ("sts",),
    ),
    "transenc eval-sts runs/first/final/bi": (WHOLE, ("sts",)),
    "transenc bootstrap --pairs my_pairs.tsv --out runs/mine --recipe adapt": (WHOLE, ()),
    "transenc mine-pairs my_sentences.txt --out runs/my_pairs.tsv -m default": (WHOLE, ()),
    "transenc bootstrap --sentences my_sentences.txt --out runs/mine --recipe adapt "
    "--eval-gold my_gold.tsv": (WHOLE, ()),
    "transenc eval runs/mine/final/bi --gold my_gold.tsv": (WHOLE, ()),
    "transenc eval runs/mine/final/cross --gold my_gold.tsv": (WHOLE, ()),
    "transenc bootstrap --pairs eval-pairs --recipe cpu --out runs/cpu --eval-data sts": (
        FIRST_STAGE,
        ("sts",),
    ),
    "transenc eval-sts default --output metrics.json": (WHOLE, ("sts",)),
    "transenc eval-sts default --tasks stsb,sickr --train-pairs eval-pairs": (WHOLE, ("sts",)),
    "torchrun --nproc-per-node 2 -m transenc bootstrap --pairs pairs.tsv --out runs/big "
    "--model default": (LAUNCHED, ()),
    "transenc bootstrap --pairs stsb:train --out runs/stsb --model default --rounds 3 "
    "--eval-data sts": (FIRST_STAGE, ("sts",)),
    "transenc fetch-model mpnet": (WHOLE, ("mpnet",)),  # a no-op where it is in place
    "transenc eval-sts mpnet": (WHOLE, ("sts", "mpnet")),
    "transenc bootstrap --pairs my_pairs.tsv --model default --model mpnet --recipe adapt "
    "--out runs/mine-mutual": (FIRST_STAGE, ("mpnet",)),
    "transenc bootstrap --pairs eval-pairs --recipe cpu-fast --teacher mpnet "
    "--out runs/cpu-fast-mpnet --eval-data sts": (FIRST_STAGE, ("sts", "mpnet")),
}
# the checkout's own targets (make test is what CI runs; make demo and make models are the
# commands above with the Makefile's paths): they run in the project root by design
IN_THE_CHECKOUT = re.compile(r"^make\b")

TOPICS = ["password", "invoice", "delivery", "refund", "account", "printer", "wifi", "login"]
ASKS = [
    "How do I reset my {}?",
    "My {} is not working, what now?",
    "Who can help me with the {}?",
    "Where can I find the {} settings?",
    "Is there a guide for the {}?",
]


def documented_commands(page: Path) -> list[str]:
    """The shell commands in a page's ```bash blocks, continuation lines joined, comments off."""
    commands, block, pending = [], False, ""
    for line in page.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            block = stripped == "```bash" and not block
            continue
        if not block or not stripped or stripped.startswith("#"):
            continue
        pending += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            commands.append(shlex.join(shlex.split(pending, comments=True)))
            pending = ""
    return commands


def all_commands() -> dict[str, list[str]]:
    return {page: documented_commands(ROOT / page) for page in PAGES}


def python_blocks(page: Path) -> list[str]:
    """The page's ```python blocks, each as one program."""
    return re.findall(r"^```python\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)


# python blocks that are fragments, not programs, and the test that runs what they show
FRAGMENTS = {"docs/loop.md": "tests/test_pipeline.py registers and runs such a step"}


def test_every_documented_command_is_listed():
    found = {c for commands in all_commands().values() for c in commands}
    unlisted = sorted(c for c in found if c not in HOW and not IN_THE_CHECKOUT.match(c))
    assert not unlisted, "documented but not run by this test: " + "; ".join(unlisted)
    stale = sorted(set(HOW) - found)
    assert not stale, "listed but in no page: " + "; ".join(stale)


def users_files(folder: Path) -> None:
    """What a user brings: pairs, sentences, graded gold (header rows as the README asks)."""
    sentences = [ask.format(topic) for topic in TOPICS for ask in ASKS]
    pairs = [(a, b) for k, a in enumerate(sentences) for b in sentences[k + 1 : k + 3]]
    (folder / "my_sentences.txt").write_text("\n".join(sentences) + "\n")
    table = "".join(f"{a}\t{b}\n" for a, b in pairs)
    (folder / "my_pairs.tsv").write_text("sentence1\tsentence2\n" + table)
    (folder / "pairs.tsv").write_text("sentence1\tsentence2\n" + table)
    gold = "".join(
        f"{a}\t{b}\t{5.0 if a.split()[-1] == b.split()[-1] else 1.0}\n" for a, b in pairs
    )
    (folder / "my_gold.tsv").write_text("sentence1\tsentence2\tscore\n" + gold)


def newcomer_env(tmp_path: Path, monkeypatch) -> dict[str, str]:
    """A newcomer's environment, here too (so that what is found here is what they find)."""
    monkeypatch.delenv("TRANSENC_DATA", raising=False)
    monkeypatch.delenv("TRANSENC_MODELS", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "nothing-per-user"))  # none per user
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def missing(needs: tuple[str, ...]) -> str | None:
    if "sts" in needs and not (sts_data_dir() / "stsbenchmark").is_dir():
        return "the STS data (../shared/data/sts beside the checkout)"
    if "mpnet" in needs and not is_complete("mpnet", None):
        return "all-mpnet-base-v2 (transenc fetch-model mpnet)"
    return None


def run_whole(command: str, cwd: Path, env: dict) -> None:
    done = subprocess.run(
        shlex.split(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=1200
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{command} (in {cwd}):\n{output[-3000:]}"
    assert "Traceback" not in output, output[-3000:]


def run_until_first_stage(command: str, cwd: Path, env: dict, launched: bool = False) -> None:
    process = subprocess.Popen(
        shlex.split(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # SIGINT reaches the whole group, as Ctrl-C does
        # as from a terminal: not ignoring SIGINT, as a command run in the background would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("[start] "):
            os.killpg(process.pid, signal.SIGINT)
            break
    rest = process.communicate(timeout=300)[0]
    output = "".join(seen) + rest
    assert any(x.startswith("[start] ") for x in seen), f"{command}: no stage started\n{output}"
    lines = re.findall(r"^interrupted during \S+ \(Ctrl-C\)", output, re.M)
    assert len(lines) == 1, output[-3000:]  # one line, from one process even under torchrun
    if not launched:
        assert process.returncode == 130, f"{command}: exit {process.returncode}\n{output[-3000:]}"
        assert "Traceback" not in output, output[-3000:]


@pytest.mark.parametrize("page", PAGES)
def test_the_page_runs_as_written_from_elsewhere(page, tmp_path, monkeypatch):
    commands = [c for c in all_commands()[page] if not IN_THE_CHECKOUT.match(c)]
    if not commands:
        pytest.skip(f"{page} has no commands")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    users_files(folder)
    env = newcomer_env(tmp_path, monkeypatch)
    ran, skipped = [], []
    for command in commands:
        how, needs = HOW[command]
        lacking = missing(needs)
        if lacking:
            skipped.append(f"{command} (needs {lacking})")
            continue
        if how == WHOLE:
            run_whole(command, folder, env)
        else:
            run_until_first_stage(command, folder, env, launched=how == LAUNCHED)
        ran.append(command)
    if skipped and not ran:
        pytest.skip("not run here: " + "; ".join(skipped))
    for command in skipped:  # the rest ran and passed; say what could not
        warnings.warn(f"not run here: {command}", stacklevel=1)


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_python_runs_as_written_from_elsewhere(page, tmp_path, monkeypatch):
    programs = python_blocks(ROOT / page)
    if not programs:
        pytest.skip(f"{page} has no python")
    if page in FRAGMENTS:
        pytest.skip(f"{page}: a fragment; {FRAGMENTS[page]}")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    users_files(folder)
    env = newcomer_env(tmp_path, monkeypatch)
    lacking = missing(("sts",))
    if lacking:
        pytest.skip(f"needs {lacking}")
    for program in programs:
        done = subprocess.run(
            [sys.executable, "-c", program], cwd=folder, env=env, capture_output=True,
            text=True, timeout=1200,
        )  # fmt: skip
        assert done.returncode == 0, f"{page}:\n{program}\n{(done.stdout + done.stderr)[-3000:]}"
