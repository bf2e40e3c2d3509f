"""Running as one of several processes under ``torchrun``: who this process is, what share of
the work is its own, and how the shares come back together.

``torchrun --nproc-per-node N -m transenc bootstrap ...`` (or ``accelerate launch``) starts N
copies of the same command with ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` set. transenc then:

- trains with the sentence-transformers trainers' own data parallelism (DDP: gloo on CPU, NCCL
  on CUDA), each process taking its share of every batch;
- labels and evaluates by splitting the distinct sentences (bi-encoder) or distinct pairs
  (cross-encoder) into one contiguous block per process and gathering the scores;
- writes files on rank 0 only (:mod:`transenc.atomic` drops other ranks' writes), while the
  other ranks wait at a barrier after every stage and then read what rank 0 wrote.

Without ``WORLD_SIZE`` (or with 1) every function here is the one-process identity.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_main() -> bool:
    """Whether this process writes files and speaks: rank 0, or the only process."""
    return rank() == 0


def _active() -> bool:
    import torch.distributed as dist

    return world_size() > 1 and dist.is_available() and dist.is_initialized()


def init() -> None:
    """Joins the process group torchrun described (NCCL on CUDA, gloo on CPU); a no-op in one
    process or when already joined. The entry point calls it, before any model is loaded."""
    if world_size() < 2:
        return
    import torch
    import torch.distributed as dist

    from transenc.device import device_type

    if dist.is_initialized():
        return
    if device_type() == "cuda":
        torch.cuda.set_device(local_rank())
        dist.init_process_group("nccl")
    else:
        dist.init_process_group("gloo")
    # leave the group before the interpreter exits: a gloo group still alive at exit can abort
    # a process ("terminate called without an active exception") after its work is done
    atexit.register(_leave)


def _leave() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        # wait for rank 0 to finish writing (a rank that failed alone is stopped by torchrun)
        dist.barrier()
        dist.destroy_process_group()


def barrier() -> None:
    """Every process waits here until all have arrived (after rank 0 has written a stage)."""
    if _active():
        import torch.distributed as dist

        dist.barrier()


def share(count: int) -> slice:
    """This process's contiguous block of ``count`` items; blocks differ by at most one item
    and, concatenated in rank order, give ``range(count)`` back."""
    size, me = world_size() if _active() else 1, rank() if _active() else 0
    base, extra = divmod(count, size)
    start = me * base + min(me, extra)
    return slice(start, start + base + (1 if me < extra else 0))


def gather(block: np.ndarray) -> np.ndarray:
    """Every process's ``block`` (of :func:`share`), concatenated in rank order, on every
    process."""
    if not _active():
        return block
    import torch.distributed as dist

    blocks: list[Any] = [None] * world_size()
    dist.all_gather_object(blocks, block)
    return np.concatenate(blocks)


def from_main(value: Any) -> Any:
    """Rank 0's ``value``, on every process: for decisions that must not differ between
    processes (whether a stage is already done, for example)."""
    if not _active():
        return value
    import torch.distributed as dist

    holder = [value]
    dist.broadcast_object_list(holder, src=0)
    return holder[0]


def main_first(work: Callable[[], T], elsewhere: Callable[[], T] | None = None) -> T:
    """Runs ``work`` (which may write files) on rank 0 while the others wait; then the others
    run ``elsewhere`` (default: they take rank 0's result). A user error on rank 0 is raised on
    every process, so none waits for a rank that has stopped."""
    if not _active():
        return work()
    from transenc.errors import TransencError

    result, problem = None, None
    if is_main():
        try:
            result = work()
        except TransencError as err:
            problem = str(err)
    problem = from_main(problem)
    if problem is not None:
        raise TransencError(problem)
    if elsewhere is not None:
        return result if is_main() else elsewhere()
    return from_main(result)
