"""Where the STS data and the pretrained models are found, the same way for the CLI, the Python
API and the Makefile, from any working directory.

In order: the environment variable (``$TRANSENC_DATA``, ``$TRANSENC_MODELS``); then the per-user
folder (``$XDG_DATA_HOME/transenc/sts`` and ``.../models``, by default under
``~/.local/share``); then the project's own folder when transenc runs from a checkout
(``data/sts`` and ``models/`` beside ``pyproject.toml``; for the STS data also the shared copy
the Makefile reads, ``../shared/data/sts``); then the working directory's. The first that exists
wins; where none does, the first candidate is named in the error.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV_VAR = "TRANSENC_DATA"
MODELS_ENV_VAR = "TRANSENC_MODELS"


def project_root() -> Path | None:
    """The checkout transenc runs from (editable install), or ``None`` for an installed copy."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


def user_dir(what: str) -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "transenc" / what


def candidates(env_var: str, what: str, project_paths: tuple[str, ...]) -> list[Path]:
    if os.environ.get(env_var):
        return [Path(os.environ[env_var])]
    root = project_root()
    found = [user_dir(what)]
    found += [root / p for p in project_paths] if root is not None else []
    return [*found, Path(project_paths[0])]


def locate(env_var: str, what: str, project_paths: tuple[str, ...]) -> Path:
    """The first candidate folder that exists; else where it should be (the project's folder in
    a checkout, the per-user one otherwise)."""
    options = candidates(env_var, what, project_paths)
    for folder in options:
        if folder.is_dir():
            return folder
    return options[0] if len(options) == 1 or project_root() is None else options[1]


def sts_data_dir() -> Path:
    return locate(DATA_ENV_VAR, "sts", ("data/sts", "../shared/data/sts"))


def models_dir() -> Path:
    return locate(MODELS_ENV_VAR, "models", ("models",))
