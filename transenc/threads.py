"""How many compute threads a process uses on the CPU, chosen for the machine as it is.

torch starts one thread per core by default, whatever else runs: two transenc processes on a
2-core machine then fight over the cores, and a training step measured at 0.2 s alone took 11 s
beside a second run. The choice, made once at the entry point: ``--threads N``, else
``$TRANSENC_THREADS``, else the cores this process may run on (its CPU affinity) less those
other processes keep busy (sampled from ``/proc/stat`` over a quarter of a second; the load
average, which lags by a minute, where there is no ``/proc``), at least 1. Under torchrun the
free cores are shared among the node's processes.

A choice made at the start goes stale when a second run starts later: the first keeps every
core and both slow down (``bench.suite.concurrency``). So while a training stage runs, a run
whose threads were chosen (not given) looks again every ``REBALANCE_SECONDS``
(:class:`Rebalance`): the cores other processes kept busy since the last look, and torch's
threads set to what is left, at least 1; up again when the other run ends.
"""

from __future__ import annotations

import os

from transenc.errors import TransencError

THREADS_ENV = "TRANSENC_THREADS"
REBALANCE_SECONDS = 10.0
_chosen_here = False  # True where apply() chose the count from the free cores


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

    others = Others()
    time.sleep(sample_seconds)
    busy = others.busy()
    if busy is not None:
        return busy
    try:  # no /proc: the load average
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

    global _chosen_here
    _chosen_here = requested is None and not os.environ.get(THREADS_ENV)
    count = chosen(requested, int(os.environ.get("LOCAL_WORLD_SIZE") or 1))
    torch.set_num_threads(count)
    os.environ[THREADS_ENV] = str(count)
    return count


def rebalancing() -> bool:
    """Whether this process may change its threads as others come and go: they were chosen
    here, not given, and it is the only process of its run on this machine."""
    return _chosen_here and int(os.environ.get("LOCAL_WORLD_SIZE") or 1) == 1


def _own_cpu_ticks() -> int:
    """This process's CPU time (all its threads, user and system), in clock ticks."""
    with open("/proc/self/stat", encoding="ascii") as handle:
        after_name = handle.read().rsplit(")", 1)[1].split()
    return int(after_name[11]) + int(after_name[12])  # utime, stime (fields 14 and 15)


class Others:
    """The cores other processes kept busy between two looks (this one's own time taken out)."""

    def __init__(self):
        self.last = self._sample()

    @staticmethod
    def _sample() -> tuple[int, int, int] | None:
        try:
            busy, total = _cpu_times()
            return busy, total, _own_cpu_ticks()
        except (OSError, ValueError, IndexError):
            return None

    def busy(self) -> int | None:
        now = self._sample()
        before, self.last = self.last, now
        if now is None or before is None or now[1] <= before[1]:
            return None
        others = (now[0] - before[0]) - (now[2] - before[2])
        return max(0, round(others / (now[1] - before[1]) * (os.cpu_count() or 1)))


def rebalanced(current: int, others: Others) -> int:
    """The thread count for the cores others leave free now (``current`` if unknown)."""
    busy = others.busy()
    return current if busy is None else max(1, usable_cores() - busy)


def rebalancer():
    """A trainer callback that applies :func:`rebalanced` every ``REBALANCE_SECONDS``."""
    import time

    import torch
    from transformers import TrainerCallback

    class Rebalance(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.others, self.when = Others(), time.monotonic()

        def on_step_end(self, args, state, control, **kwargs):
            if time.monotonic() - self.when < REBALANCE_SECONDS:
                return
            self.when = time.monotonic()
            count = rebalanced(torch.get_num_threads(), self.others)
            if count != torch.get_num_threads():
                torch.set_num_threads(count)

    return Rebalance()
