"""Versions of the libraries that shape results, recorded in every metrics file and manifest."""

from __future__ import annotations

import platform
from importlib import metadata

PACKAGES = ("transenc", "torch", "transformers", "sentence-transformers", "scipy", "pandas")


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions
