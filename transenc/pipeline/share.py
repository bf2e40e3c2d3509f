"""Seeding a run with another run's stages, and what a run's stages cost.

A comparison of recipes that differ only in a late step (the bi-encoder's objective, say)
need not pay twice for what they share: :func:`share_stages` copies a finished run's stages in
before the new run starts, and resume keeps those whose settings and inputs match and redoes
the rest. A copy that does not apply is redone, never trusted.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from transenc.pipeline import registry, rundir
from transenc.pipeline.names import CONTRASTIVE_DIR, START_DIR, TEACHERS_DIR


def stage_seconds(run_dir: Path) -> dict[str, float]:
    """Seconds the run's stages took, summed over their manifests (so a resumed run still
    reports its whole cost): ``work`` (contrastive, labelling, training) and ``eval``."""
    seconds = {"work": 0.0, "eval": 0.0}
    for manifest in run_dir.rglob("*.manifest.json"):
        kind = "eval" if manifest.name == "eval.manifest.json" else "work"
        seconds[kind] += json.loads(manifest.read_text())["seconds"]
    return {kind: round(value, 1) for kind, value in seconds.items()}


def share_stages(donor: Path, config, rounds: bool = False) -> None:
    """Copies a finished run's stages into ``config.out`` (a new run directory) before it runs:
    the ones no seed changes (the start models' evaluation, a frozen teacher's labels), and with
    ``rounds`` every round's too. The copied seconds still count, as if the stage had run
    here. Does nothing when ``config.out`` exists or ``donor`` does not."""
    if config.out.exists() or not donor.is_dir():
        return
    rundir.prepare(config, rundir.read_corpus(config))
    names = [START_DIR, TEACHERS_DIR]
    if rounds:
        names.append(CONTRASTIVE_DIR)
        names += sorted(p.name for p in donor.glob("round-*") if p.is_dir())
    for name in names:
        if (donor / name).is_dir():
            shutil.copytree(donor / name, config.out / name)
            if name.startswith("round-"):
                _drop_unplanned_stages(config.out / name, config.recipe.round_steps)


def _drop_unplanned_stages(folder: Path, round_steps: list[str]) -> None:
    """Removes the manifests of round steps this run's recipe does not take (the donor's
    cascade steps, say): resume never reads them, and ``stage_seconds`` would count them."""
    for manifest in folder.glob("*.manifest.json"):
        step = re.sub(r"-\d+$", "", manifest.name.removesuffix(".manifest.json"))  # train-bi-2
        if step in registry.names("round") and step not in round_steps:
            manifest.unlink()
