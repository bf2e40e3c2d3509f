"""Shared helpers for benchmark scripts: arguments, timing, memory and a JSON record per run.

Every benchmark appends one record (machine, versions, command, figures) to
``bench/results/<name>.jsonl``; ``python -m bench.report`` turns the records into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

from transenc.versions import library_versions

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def arguments(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None):
    """The options every benchmark takes: ``--data-dir`` and ``--quick``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--quick", action="store_true", help="a small workload (make bench-quick)")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def machine() -> dict:
    import torch

    from transenc.precision import choose

    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").is_file():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    found = {
        "platform": platform.platform(),
        "processor": cpu,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        # what precision "auto" runs in here, and why (the CPU's flags or an override)
        "precision_auto": choose("auto").note,
    }
    if torch.cuda.is_available():  # models ran there (transenc.device), not on the CPU
        found["accelerator"] = torch.cuda.get_device_name(0)
    return found


def _overrides() -> str:
    """The environment settings that change what a benchmark computes, as a command prefix."""
    from transenc.precision import NATIVE_BF16_ENV

    value = os.environ.get(NATIVE_BF16_ENV)
    return f"{NATIVE_BF16_ENV}={shlex.quote(value)} " if value else ""


def record(name: str, figures: dict, quick: bool = False) -> Path:
    """Appends one JSON record (machine, versions, command, figures) for benchmark ``name``."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    entry = {
        "benchmark": name,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": _overrides() + "python -m " + shlex.join([_module_name(), *sys.argv[1:]]),
        "quick": quick,
        "machine": machine(),
        "versions": library_versions(),
        "figures": figures,
    }
    path = RESULTS_DIR / f"{name}.jsonl"
    with path.open("a") as handle:
        handle.write(json.dumps(entry) + "\n")
    print(f"recorded in {path}")
    return path


def _module_name() -> str:
    script = Path(sys.argv[0]).resolve()
    root = Path(__file__).resolve().parent.parent
    try:
        return ".".join(script.relative_to(root).with_suffix("").parts)
    except ValueError:
        return str(script)


def timed(work: Callable[[], object]) -> tuple[object, float]:
    """``work()``'s result and its wall time in seconds."""
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def show(figures: dict) -> None:
    for key, value in figures.items():
        print(f"{key}: {value}")
