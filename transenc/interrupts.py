"""Ctrl-C and SIGTERM during a long command: one line saying what was running, what is kept and
how to resume, and the shell's exit status (130, 143), instead of a traceback or silence.

A run's stages are resumable: each finished stage is on disk with its manifest, and the rerun
of the same command skips them; the stage that was cut short starts again from its beginning.
"""

from __future__ import annotations

import shlex
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it unwinds as Ctrl-C does."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def mark(err: BaseException, stage: str) -> None:
    """Records on an interrupt which stage it cut short (the innermost one wins)."""
    if isinstance(err, KeyboardInterrupt) and not getattr(err, "stage", None):
        err.stage = stage


def rerun_command() -> str:
    return shlex.join(["transenc", *sys.argv[1:]])


@contextmanager
def announced(what: str, say) -> Iterator[None]:
    """Runs the block with SIGTERM turned into an interrupt; an interrupt becomes one line
    (``say``) and ``SystemExit`` with the shell's status."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except KeyboardInterrupt as err:
        status = EXIT_SIGTERM if isinstance(err, Terminated) else EXIT_SIGINT
        stage = getattr(err, "stage", None)
        running = f" during {stage}" if stage else ""
        say(
            f"interrupted{running} ({'SIGTERM' if status == EXIT_SIGTERM else 'Ctrl-C'}): "
            f"{what} kept; to resume, run again: {rerun_command()}"
        )
        raise SystemExit(status) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
