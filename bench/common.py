"""Shared helpers for benchmark scripts: a JSON record per run under bench/results/."""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

from transenc.versions import library_versions

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    import torch

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }


def record(name: str, figures: dict) -> Path:
    """Appends one JSON record (machine, versions, command, figures) for benchmark ``name``."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    entry = {
        "benchmark": name,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": "python " + shlex.join(sys.argv),
        "machine": machine(),
        "versions": library_versions(),
        "figures": figures,
    }
    path = RESULTS_DIR / f"{name}.jsonl"
    with path.open("a") as handle:
        handle.write(json.dumps(entry) + "\n")
    return path
