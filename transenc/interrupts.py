"""Ctrl-C and SIGTERM during a long command: one line saying what was running, what is kept and
how to resume, and the shell's exit status (130, 143), instead of a traceback or silence.

A run's stages are resumable: each finished stage is on disk with its manifest, and the rerun
of the same command skips them; a training stage that was cut short resumes from its newest
checkpoint (:mod:`transenc.checkpoints`), any other stage starts again from its beginning.
"""

from __future__ import annotations

import shlex
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from transenc.distributed import is_main

EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it unwinds as Ctrl-C does."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def mark(err: BaseException, stage: str, checkpoint_step: int | None = None) -> None:
    """Records on an interrupt which stage it cut short (the innermost one wins) and the
    checkpoint that stage will resume from, if it saved one."""
    if isinstance(err, KeyboardInterrupt) and not getattr(err, "stage", None):
        err.stage = stage
        err.checkpoint_step = checkpoint_step


def rerun_command() -> str:
    return shlex.join(["transenc", *sys.argv[1:]])


@contextmanager
def announced(what: str, say) -> Iterator[None]:
    """Runs the block with SIGTERM turned into an interrupt; an interrupt becomes one line
    (``say``) and ``SystemExit`` with the shell's status."""
    previous_int = signal.getsignal(signal.SIGINT)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except KeyboardInterrupt as err:
        # a second Ctrl-C while the line is written would end in a traceback: let it pass
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        status = EXIT_SIGTERM if isinstance(err, Terminated) else EXIT_SIGINT
        stage = getattr(err, "stage", None)
        step = getattr(err, "checkpoint_step", None)
        running = f" during {stage}" if stage else ""
        if not is_main():  # under torchrun one process speaks for all
            raise SystemExit(status) from None
        kept = f"{what} and {stage}'s checkpoint at step {step}" if step is not None else what
        say(
            f"interrupted{running} ({'SIGTERM' if status == EXIT_SIGTERM else 'Ctrl-C'}): "
            f"{kept} kept; to resume, run again: {rerun_command()}"
        )
        raise SystemExit(status) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
