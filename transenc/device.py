"""Where models run: CUDA when present, the CPU otherwise, or what ``--device`` forces.

The choice is made once per process, at the entry point (``--device`` sets
``TRANSENC_DEVICE``, which torchrun's processes inherit); every model loader and trainer asks
:func:`device` for it. Under torchrun on CUDA each process takes the GPU of its local rank.
"""

from __future__ import annotations

import os

from transenc.errors import TransencError

DEVICE_ENV = "TRANSENC_DEVICE"
DEVICES = ("auto", "cpu", "cuda")


def choose_device(name: str) -> None:
    """Forces ``cpu`` or ``cuda`` (``auto``: CUDA when present) for this process and the ones
    it starts."""
    if name not in DEVICES:
        raise TransencError(f"--device {name!r} unknown; use one of {', '.join(DEVICES)}")
    if name == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise TransencError("--device cuda: no CUDA device is visible to torch")
    os.environ[DEVICE_ENV] = name


def device_type() -> str:
    """``cuda`` or ``cpu``."""
    import torch

    wanted = os.environ.get(DEVICE_ENV, "auto")
    if wanted == "cpu":
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def device() -> str:
    """The torch device string for this process: ``cpu``, or ``cuda:LOCAL_RANK``."""
    if device_type() == "cpu":
        return "cpu"
    from transenc.distributed import local_rank

    return f"cuda:{local_rank()}"
