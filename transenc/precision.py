"""Which numeric precision to run in: ``fp32``, ``bf16``, or ``auto`` (decided from the device).

bfloat16 autocast pays off only where the hardware computes in bfloat16: on a CPU with AMX or
AVX512-BF16 it is about twice as fast as fp32; on a CPU without them (measured on an AMD EPYC
with no AVX-512) it is five to seven times *slower*, because every product is emulated. ``auto``
therefore picks bf16 only where the device reports native support, and fp32 everywhere else
(fp16 on a CUDA GPU without bf16, where fp16 is native).
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16")
# overrides what the device reports: 1 (it has native bf16) or 0 (it has not), for machines
# whose CPU flags cannot be read, and to measure what auto does on a CPU without bf16
NATIVE_BF16_ENV = "TRANSENC_NATIVE_BF16"
# CPU flags (Linux /proc/cpuinfo) of native bfloat16 matrix arithmetic
BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")
CPUINFO = Path("/proc/cpuinfo")


@dataclass(frozen=True)
class Choice:
    """The precision a run uses, and why (recorded in manifests and reports)."""

    precision: str
    reason: str

    @property
    def note(self) -> str:
        """``bf16 (auto: CPU has amx_bf16, avx512_bf16)``, for manifests and reports."""
        return f"{self.precision} ({self.reason})"


@functools.cache
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags, as Linux reports them (empty where it cannot be read)."""
    try:
        text = CPUINFO.read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def native_bf16(device_type: str) -> tuple[bool, str]:
    """Whether ``device_type`` (``cpu``, ``cuda``) computes bfloat16 natively, and the evidence."""
    import torch

    forced = os.environ.get(NATIVE_BF16_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1", f"{NATIVE_BF16_ENV}={forced}"
    if device_type == "cuda":
        supported = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        return supported, f"CUDA bf16 support: {'yes' if supported else 'no'}"
    if device_type != "cpu":
        return False, f"{device_type}: bf16 support unknown"
    found = sorted(set(BF16_CPU_FLAGS) & cpu_flags())
    if found:
        return True, f"CPU has {', '.join(found)}"
    return False, f"CPU lacks {' and '.join(BF16_CPU_FLAGS)}"


def default_device_type() -> str:
    """Where transenc runs models (:mod:`transenc.device`): ``cuda`` or ``cpu``."""
    from transenc.device import device_type

    return device_type()


def choose(requested: str, device_type: str | None = None) -> Choice:
    """Resolves ``requested`` on ``device_type`` (default: :func:`default_device_type`); an
    explicit bf16 without native support runs, with one warning that it will be slow."""
    device_type = device_type or default_device_type()
    if requested not in PRECISIONS:
        raise ValueError(f"unknown precision {requested!r}")
    if requested == "fp32":
        return Choice("fp32", "asked for fp32")
    native, evidence = native_bf16(device_type)
    if requested == "auto":
        if not native and device_type == "cuda":  # every CUDA GPU computes fp16 natively
            return Choice("fp16", f"auto: {evidence}")
        return Choice("bf16" if native else "fp32", f"auto: {evidence}")
    if not native:
        _warn_slow_bf16(evidence)
    return Choice("bf16", f"asked for bf16 ({evidence})")


@functools.cache
def _warn_slow_bf16(evidence: str) -> None:
    logger.warning(
        "bf16 was asked for, but the %s: it will run several times slower than fp32 "
        "(use precision 'auto' or 'fp32')",
        evidence,
    )
