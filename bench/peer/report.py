"""The BENCHMARKS section of the peer comparison (records of ``bench.peer.harness``)."""

from __future__ import annotations

from statistics import mean, stdev

STAGES = ("label-bi", "train-cross", "label-cross", "train-bi")
TASKS = ("sts12", "sts13", "sts14", "sts15", "sts16", "stsb", "sickr", "avg")


def _spread(values: list[float], digits: int = 1) -> str:
    if not values:
        return ""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{mean(values):.{digits}f} ± {stdev(values):.{digits}f}"


def _rows_of(entries: list[dict], row: str) -> list[dict]:
    """One run per recipe and seed for the quality table (the latest: a seed rerun with the
    same code gives the same models, and would otherwise count twice)."""
    latest = {
        (e["figures"].get("recipe"), e["figures"]["seed"]): e["figures"]
        for e in sorted(entries, key=lambda e: e.get("time", ""))
        if e["figures"]["row"] == row
    }
    return sorted(latest.values(), key=lambda f: f["seed"])


def _by_recipe(ours: list[dict]) -> dict[str, list[dict]]:
    """transenc's runs per recipe (the recipe file's name), in the order first recorded."""
    groups: dict[str, list[dict]] = {}
    for figures in ours:
        groups.setdefault(figures["recipe"].rsplit("/", 1)[-1].removesuffix(".toml"), []).append(
            figures
        )
    return groups


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def _speed(runs: list[dict]) -> str:
    """The stage table of one invocation's runs, and transenc's speed-up over the peer there."""
    peer = [f for f in runs if f["row"] == "peer"]
    peer_last = [f for f in runs if f["row"] == "peer-keep-last"]
    ours = _by_recipe([f for f in runs if f["row"] == "transenc"])
    header = ["system", "seeds", *STAGES, "cycle s", "cycle s without dev evaluation",
              "process wall s", "peak RSS MiB"]  # fmt: skip
    rows = []
    systems = [("peer (self_distill.py)", peer), ("peer, `--keep_last`", peer_last)]
    systems += [(f"transenc bootstrap, `{recipe}`", group) for recipe, group in ours.items()]
    for name, group in systems:
        if not group:
            continue
        cycle = [f["cycle_seconds"] for f in group]
        bare = [f.get("cycle_seconds_without_dev_evaluation", f["cycle_seconds"]) for f in group]
        rows.append([
            name, ", ".join(str(f["seed"]) for f in group),
            *[_spread([f["stages"].get(s, 0.0) for f in group]) for s in STAGES],
            _spread(cycle), _spread(bare),
            _spread([f["process"]["wall_seconds"] for f in group]),
            _spread([f["process"]["peak_rss_mib"] for f in group], 0),
        ])  # fmt: skip
    text = _table(header, rows)
    for recipe, group in ours.items():
        ours_cycle = mean(f["cycle_seconds"] for f in group)
        ratios = []
        if peer:
            as_run = mean(f["cycle_seconds"] for f in peer) / ours_cycle
            bare = mean(f["cycle_seconds_without_dev_evaluation"] for f in peer) / ours_cycle
            ratios += [
                f"**{as_run:.2f}x** against the peer as it runs",
                f"{bare:.2f}x against the peer less its in-training STS-B dev evaluations",
            ]
        if peer_last:
            last = mean(f["cycle_seconds"] for f in peer_last) / ours_cycle
            ratios.append(f"**{last:.2f}x** against the peer run with `--keep_last`")
        if ratios:
            text += f"\n\nSpeed-up of transenc (`{recipe}`) per cycle: {', '.join(ratios)}."
    return text


def _invocations(entries: list[dict]) -> list[tuple[str, list[dict]]]:
    """Records grouped by the harness invocation that made them (their command where older
    records do not name one), in the order they were made: speed compares only within one."""
    groups: dict[str, tuple[str, list[dict]]] = {}
    for entry in sorted(entries, key=lambda e: e["time"]):
        key = entry["figures"].get("invocation") or entry["command"]
        started = entry["figures"].get("invocation") or entry["time"]
        label = f"{started}, `{entry['command']}`, {entry['machine'].get('processor', '?')}"
        groups.setdefault(key, (label, []))[1].append(entry["figures"])
    return list(groups.values())


def _quality(peer: list[dict], peer_last: list[dict], ours: dict[str, list[dict]]) -> str:
    header = ["system", "model", "seeds", *TASKS]
    rows = []
    systems = [("peer", peer, ("bi", "cross")), ("peer `--keep_last`", peer_last, ("bi", "cross"))]
    systems += [
        (f"transenc `{recipe}`", runs, ("bi", "bi-full-length", "cross"))
        for recipe, runs in ours.items()
    ]
    for name, runs, kinds in systems:
        for kind in kinds:
            if runs and kind in runs[0]["scores"]:
                values = [[f["scores"][kind][t] for f in runs] for t in TASKS]
                rows.append([name, kind, len(runs), *[_spread(v, 2) for v in values]])
    return _table(header, rows)


def _agreement(peer: list[dict]) -> str:
    rows = [
        [f["row"], f["seed"], kind, f"{f['peer_eval'][kind]['avg']:.2f}",
         f"{f['scores'][kind]['avg']:.2f}", f"{f['eval_agreement'][kind]:.2f}"]
        for f in peer for kind in ("bi", "cross")
    ]  # fmt: skip
    return _table(
        ["run", "seed", "model", "peer's eval.py avg", "transenc eval-sts avg", "|diff|"], rows
    )


def peer_comparison(entries: list[dict]) -> str:
    peer, peer_last = _rows_of(entries, "peer"), _rows_of(entries, "peer-keep-last")
    ours = _rows_of(entries, "transenc")
    # a run recorded with --timing-shared had other work beside it: its quality counts only
    timed = [e for e in entries if e["figures"].get("timing_clean", True)]
    recipes = ", ".join(f"`{f['recipe']}`" for f in {f["recipe"]: f for f in ours}.values())
    differences = list(dict.fromkeys(d for f in peer + peer_last + ours for d in f["differences"]))
    any_run = (peer or peer_last or ours)[0]
    machines = sorted({e["machine"].get("processor", "?") for e in entries})
    commands = sorted({f"`{e['command']}`" for e in entries})
    versions = any_run["peer_versions"]
    arguments = any_run["peer_arguments"]
    if "--random_seed" in arguments:  # each run's own seed is in the tables
        at = arguments.index("--random_seed")
        arguments = arguments[:at] + arguments[at + 2 :]
    overlap = any_run.get("overlap")
    parts = [
        f"Pairs: `{any_run['pairs']}` ({any_run['pair_count']} unlabeled pairs, no score read)"
        + (
            "; evaluated pairs among them: "
            + ", ".join(f"{task} {o['in_training']}/{o['pairs']}" for task, o in overlap.items())
            if overlap
            else ""
        )
        + f". Start: all-MiniLM-L6-v2 for both. transenc recipe(s) {recipes}; the peer "
        f"at commit `{any_run['peer_commit'][:7]}` with `{' '.join(arguments)}`.  \n"
        f"Machine: {'; '.join(machines)}. Peer environment: Python {versions['python']}, torch "
        f"{versions['torch']}, transformers {versions['transformers']}, sentence-transformers "
        f"{versions['sentence-transformers']}, huggingface_hub {versions['huggingface_hub']}.  \n"
        f"Command(s): {', '.join(commands)}",
        "Wall seconds per stage and cycle (mean ± sd over seeds); the peer's times come from its "
        "log (1 s resolution), transenc's from its manifests; runs that shared the CPU with "
        "other work are left out. Machines differ between sessions, so each invocation of the "
        "harness is its own table and the speed-up is computed within it:\n\n"
        + "\n\n".join(
            f"Invocation {label}:\n\n{_speed(runs)}" for label, runs in _invocations(timed)
        ),
        "Spearman x100 on the 7 STS tasks (`transenc eval-sts`; bi-encoders at 32 tokens as the "
        "peer's eval.py scores them, `bi-full-length` at the model's own length; cross-encoders "
        "one pair order). Gold read in training: the peer, STS-B dev for checkpoint selection "
        "(with `--keep_last`, none); "
        "transenc, none:\n\n" + _quality(peer, peer_last, _by_recipe(ours)),
    ]
    if peer or peer_last:
        parts.append(
            "The peer's models scored by its own `src/eval.py` and by `transenc eval-sts`:\n\n"
            + _agreement(peer + peer_last)
        )
    parts.append("What differs at equal settings:\n\n" + "\n".join(f"- {d}" for d in differences))
    return "\n\n".join(parts)
