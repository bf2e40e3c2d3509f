"""How many compute threads a process uses on the CPU, chosen for the machine as it is.

torch starts one thread per core by default, whatever else runs: two transenc processes on a
2-core machine then fight over the cores, and a training step measured at 0.2 s alone took 11 s
beside a second run. The choice, made once at the entry point: ``--threads N``, else
``$TRANSENC_THREADS``, else the cores this process may run on (its CPU affinity) less those
other processes keep busy (sampled from ``/proc/stat`` over a quarter of a second; the load
average, which lags by a minute, where there is no ``/proc``), at least 1. Under torchrun the
free cores are shared among the node's processes.
"""

from __future__ import annotations

import os

from transenc.errors import TransencError

THREADS_ENV = "TRANSENC_THREADS"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies over all cores since boot, from the first line of /proc/stat."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(sample_seconds: float = 0.25) -> int:
    """Cores other processes keep busy now (this one has not started computing yet)."""
    import time

    try:
        busy_before, total_before = _cpu_times()
        time.sleep(sample_seconds)
        busy_after, total_after = _cpu_times()
        share = (busy_after - busy_before) / max(1, total_after - total_before)
        return round(share * (os.cpu_count() or 1))
    except (OSError, ValueError, IndexError):
        try:
            return round(os.getloadavg()[0])
        except (AttributeError, OSError):
            return 0


def chosen(requested: int | None = None, local_processes: int = 1) -> int:
    """The thread count: ``requested``, the environment's, or the free cores' share."""
    if requested is None and os.environ.get(THREADS_ENV):
        value = os.environ[THREADS_ENV]
        if not value.isdigit() or int(value) < 1:
            raise TransencError(f"${THREADS_ENV}={value!r}: give a whole number of at least 1")
        requested = int(value)
    if requested is not None:
        if requested < 1:
            raise TransencError(f"--threads {requested}: give a whole number of at least 1")
        return requested
    free = usable_cores() - busy_cores()
    return max(1, free // max(1, local_processes))


def apply(requested: int | None = None) -> int:
    """Sets torch's intra-op threads (and the environment, for the processes this one starts)."""
    import torch

    count = chosen(requested, int(os.environ.get("LOCAL_WORLD_SIZE") or 1))
    torch.set_num_threads(count)
    os.environ[THREADS_ENV] = str(count)
    return count
