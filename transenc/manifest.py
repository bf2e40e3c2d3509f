"""Stage manifests: what a finished stage read, how it was configured and what it wrote.

A stage is *done* when its manifest exists, its recorded config equals the one asked for, its
inputs still have the recorded checksums, and its outputs exist with the recorded checksums.
Anything else (a kill mid-stage, an edited or truncated pseudo-label file, a changed input
upstream) makes the stage run again. Manifests are written last and atomically, so their presence
means the outputs were complete.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path

from transenc.atomic import write_text_atomic
from transenc.versions import library_versions

MANIFEST_VERSION = 2  # 2: settings, inputs and outputs built from the stage declarations
_CHUNK = 1 << 20


def checksum(path: str | Path) -> str:
    """sha256 of a file, or of a folder's relative file names and contents (temp files skipped)."""
    path = Path(path)
    digest = hashlib.sha256()
    files = (
        [path]
        if path.is_file()
        else sorted(p for p in path.rglob("*") if p.is_file() and not p.name.endswith(".tmp"))
    )
    for file in files:
        if file != path:
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


# a dataclass field's role in what a manifest records (see transenc.stages.declare)
ROLE = "transenc_role"
ADDED = "added"
# how a stage runs, not what it computes (it changes no result beyond float rounding): never in
# a fingerprint or a stage's recorded config, so changing it never makes a finished stage rerun
RUNTIME = "runtime"


def recorded_fields(item) -> dict:
    """A dataclass as a manifest (or a recipe's fingerprint) records it: a field marked as
    added after run directories were made is left out while at its default, so that those
    runs still match, and a runtime field is always left out."""
    values = asdict(item)
    for spec in fields(item):
        role = spec.metadata.get(ROLE)
        if role == RUNTIME or (role == ADDED and values[spec.name] == spec.default):
            del values[spec.name]
    return values


def _normalise(value) -> object:
    """JSON round-trip, so configs compare equal however they were built."""

    def encode(item):
        return recorded_fields(item) if is_dataclass(item) else str(item)

    return json.loads(json.dumps(value, sort_keys=True, default=encode))


@dataclass
class Stage:
    """A unit of resumable work: its manifest file, config, inputs and outputs."""

    name: str
    manifest: Path
    config: dict
    inputs: dict[str, Path]
    outputs: dict[str, Path]
    _input_sums: dict[str, str] | None = field(default=None, init=False, repr=False)

    def input_checksums(self) -> dict[str, str]:
        """Checksums of the inputs, computed once: inputs do not change while a stage runs,
        and hashing model folders twice per stage is wasted work."""
        if self._input_sums is None:
            self._input_sums = {name: checksum(path) for name, path in self.inputs.items()}
        return self._input_sums

    def recorded_config(self) -> dict:
        """The config as the manifest records it."""
        return _normalise(self.config)

    def problem(self) -> str | None:
        """Why the stage must run (``None`` when it is done and intact)."""
        if not self.manifest.is_file():
            return "not run yet"
        try:
            recorded = json.loads(self.manifest.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "manifest is damaged"
        if recorded.get("format") != MANIFEST_VERSION:
            return "manifest format changed"
        if recorded.get("config") != self.recorded_config():
            return "config changed"
        if recorded.get("inputs") != self.input_checksums():
            return "inputs changed"
        for name, path in self.outputs.items():
            if not path.exists():
                return f"output {path.name} is missing"
            if checksum(path) != recorded.get("outputs", {}).get(name, {}).get("sha256"):
                return f"output {path.name} was changed or damaged since it was written"
        return None

    def record(self, started: float, metrics: dict | None = None) -> dict:
        """Writes the manifest after the outputs are complete; returns what it wrote."""
        entry = {
            "format": MANIFEST_VERSION,
            "stage": self.name,
            "config": self.recorded_config(),
            "inputs": self.input_checksums(),
            "input_paths": {name: str(path) for name, path in self.inputs.items()},
            "outputs": {
                name: {"path": str(path), "sha256": checksum(path)}
                for name, path in self.outputs.items()
            },
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "seconds": round(time.time() - started, 2),
            "metrics": metrics or {},
            "versions": library_versions(),
        }
        write_text_atomic(self.manifest, json.dumps(entry, indent=2) + "\n")
        return entry

    def recorded_seconds(self) -> float:
        return float(json.loads(self.manifest.read_text()).get("seconds", 0.0))

    def recorded_metrics(self) -> dict:
        return json.loads(self.manifest.read_text()).get("metrics", {})
