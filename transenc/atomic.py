"""Atomic writes: a file or folder appears under its final name complete, or not at all.

Everything is first written under a temporary name in the same directory, then renamed, so a
run killed at any moment never leaves a half-written artifact under a name that looks finished.

Under torchrun only rank 0 writes: on the other ranks these functions write nothing (a folder
to fill is a throwaway one outside the output's folder), so two processes never race for one
file, and a stage's code need not ask which process it runs in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from transenc.distributed import is_main
from transenc.errors import TransencError


def check_writable(path: str | Path, what: str = "output") -> Path:
    """Fails early, before any work, when ``path`` cannot be created: a parent is a regular
    file, or the nearest existing folder is not writable."""
    path = Path(path)
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise TransencError(f"{path}: cannot write the {what} here ({ancestor} is a file)")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise TransencError(f"{path}: cannot write the {what} here ({ancestor} is not writable)")
    return path


def _write_error(path: Path, err: OSError) -> TransencError:
    return TransencError(f"{path}: cannot write ({err.strerror or type(err).__name__})")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | Path, text: str) -> Path:
    with atomic_file(path) as handle:
        handle.write(text)
    return Path(path)


@contextmanager
def atomic_file(path: str | Path) -> Iterator[TextIO]:
    """A UTF-8 text handle to write ``path`` piece by piece (a large file need not be held in
    memory); the file appears under its name complete when the block ends, or not at all."""
    path = check_writable(path)
    if not is_main():
        with open(os.devnull, "w", encoding="utf-8") as nowhere:
            yield nowhere
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise _write_error(path, err) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except OSError as err:  # a full disk, a vanished folder: nothing half-written is left
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(path, err) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yields a temporary folder to fill; on success it replaces ``path`` in one rename. An
    OSError while filling it (a full disk) becomes one line naming ``path``; the temporary
    folder is removed either way."""
    path = check_writable(path)
    if not is_main():
        with tempfile.TemporaryDirectory(prefix="transenc-not-rank-0-") as throwaway:
            yield Path(throwaway)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as err:
        raise _write_error(path, err) from None
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except OSError as err:
        raise _write_error(path, err) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
