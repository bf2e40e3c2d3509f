"""A stage declares what it reads, writes and depends on once: in its config dataclass.

Every field of a stage config is a *setting* (it shapes the result and is recorded in the
manifest) unless marked otherwise:

- :func:`input_field`: a file or folder the stage reads. Its checksum is recorded, so a changed
  input makes the stage run again. A value that is no local path (a hub id) is recorded as a
  setting instead. Lists and dicts of inputs are recorded entry by entry.
- :func:`output_field`: what the stage writes (checked to exist, unchanged, on resume). A config
  may add derived outputs by defining ``extra_outputs()``.
- :func:`runtime_field`: how the stage runs, not what it computes (progress bars, data already
  loaded in memory); never recorded.
- :func:`added_field`: a setting added after run directories were made: recorded only when it
  differs from its default, so that a manifest written before it existed still matches.

:func:`stage_for` builds the resumable :class:`~transenc.manifest.Stage` from that declaration,
so what a manifest records cannot drift from what a stage is configured with.
"""

from __future__ import annotations

from dataclasses import MISSING, field, fields
from pathlib import Path

from transenc.manifest import ADDED, ROLE, RUNTIME, Stage

INPUT, OUTPUT = "input", "output"


def _field(role: str, default=MISSING, default_factory=MISSING):
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata={ROLE: role})
    return field(default=default, metadata={ROLE: role})


def input_field(default=MISSING, default_factory=MISSING):
    return _field(INPUT, default, default_factory)


def output_field(default=MISSING):
    return _field(OUTPUT, default)


def runtime_field(default=MISSING, default_factory=MISSING):
    return _field(RUNTIME, default, default_factory)


def added_field(default=MISSING, default_factory=MISSING):
    return _field(ADDED, default, default_factory)


def _default(spec):
    return spec.default_factory() if spec.default_factory is not MISSING else spec.default


def _entries(name: str, value) -> dict[str, object]:
    """A field's value as named entries: lists as ``name0, name1``, dicts as ``name.key``."""
    if isinstance(value, (list, tuple)):
        return {f"{name}{k}": item for k, item in enumerate(value)}
    if isinstance(value, dict):
        return {f"{name}.{key}": item for key, item in value.items()}
    return {name: value}


def declared(config) -> tuple[dict, dict[str, Path], dict[str, Path]]:
    """(settings, inputs, outputs) of a stage config, as its manifest records them."""
    settings: dict = {}
    inputs: dict[str, Path] = {}
    outputs: dict[str, Path] = {}
    for spec in fields(config):
        role = spec.metadata.get(ROLE)
        value = getattr(config, spec.name)
        if role == RUNTIME or (role == ADDED and value == _default(spec)):
            continue
        if role == OUTPUT:
            outputs[spec.name] = Path(value)
        elif role == INPUT:
            for name, item in _entries(spec.name, value).items():
                if item is not None and Path(str(item)).exists():
                    inputs[name] = Path(str(item))
                else:
                    settings[name] = item  # a hub id or a name: no file to checksum
        else:
            settings[spec.name] = value
    extra = getattr(config, "extra_outputs", None)
    if extra is not None:
        outputs.update(extra())
    return settings, inputs, outputs


def stage_for(config, name: str, manifest: Path) -> Stage:
    """The resumable stage of ``config``: its manifest at ``manifest``, shown as ``name``."""
    settings, inputs, outputs = declared(config)
    return Stage(name, manifest, settings, inputs, outputs)
