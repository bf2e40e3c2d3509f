"""Study: what the models a recorded run already holds give when combined afterwards.

Two repairs a user could apply to an ``adapt`` run without training again, each measured on the
run's held-out gold (the adaptation study's other half: inductive, gold read here only to judge):

- **weights moved back toward the start**: the bi-encoder ``start + alpha * (trained - start)``
  (a weight-space average, as WiSE-FT), for each ``--alphas`` value; 0 is the start, 1 the run;
- **fused scores**: the cross-encoder's score and a bi-encoder's cosine, each z-scored by its
  mean and spread over the run's own unlabeled pairs (no label read), averaged; with the trained
  bi-encoder, with the start model, and the two bi-encoders together.

Reads ``runs/adapt/<domain>/<row>-seed<N>`` (and the STS sources' under ``sts-genres``), the
domain's ``adapt_pairs.tsv`` and ``gold_*.tsv``; trains nothing.

    python -m bench.studies.combinations --row transenc-vouched --record
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np

from bench.common import record
from bench.studies.adaptation import done
from transenc.data.readers import read_pair_file
from transenc.gold import read_gold_sets
from transenc.gold_eval import metrics_of
from transenc.models import default_model_path, load_model
from transenc.scoring import scores_of

ALPHAS = (0.5, 0.7)
FUSED = {  # name -> the score sources averaged (z-scored on the run's own pairs)
    "bi+cross": ("bi", "cross"),
    "start+cross": ("start", "cross"),
    "bi+start": ("bi", "start"),
}


def moved_toward_start(start_state: dict, trained, alpha: float, folder: Path) -> str:
    """``trained`` with its weights ``alpha`` of the way from the start's, saved in ``folder``."""
    trained_state = {key: value.clone() for key, value in trained.state_dict().items()}
    moved = {
        key: start_state[key] + alpha * (value - start_state[key])
        if value.is_floating_point()
        else value
        for key, value in trained_state.items()
    }
    trained.load_state_dict(moved)
    trained.save(str(folder))
    trained.load_state_dict(trained_state)
    return str(folder)


def primary(gold, scores: np.ndarray) -> float:
    return next(iter(metrics_of(gold, scores).values()))


def run_combinations(folder: Path, start, start_state: dict, alphas: list[float]) -> dict:
    """Each candidate's primary metric on each of the domain's gold sets, and the start's."""
    domain = folder.parent
    sets = read_gold_sets([str(p) for p in sorted(domain.glob("gold_*.tsv"))])
    own = read_pair_file(domain / "adapt_pairs.tsv")
    models = {
        "bi": (load_model(str(folder / "final" / "bi"), "bi"), "bi"),
        "cross": (load_model(str(folder / "final" / "cross"), "cross"), "cross"),
        "start": (start, "bi"),
    }

    def score(name: str, corpus) -> np.ndarray:
        model, kind = models[name]
        return scores_of(model, kind, corpus, both_orders=kind == "cross")

    own_scores = {name: score(name, own) for name in models}
    spread = {name: (s.mean(), s.std()) for name, s in own_scores.items()}
    found: dict[str, dict[str, float]] = {}
    for set_name, gold in sets.items():
        corpus = gold.corpus()
        scores = {name: score(name, corpus) for name in models}
        z = {name: (s - spread[name][0]) / spread[name][1] for name, s in scores.items()}
        figures = {name: primary(gold, s) for name, s in scores.items()}
        for name, parts in FUSED.items():
            figures[name] = primary(gold, np.mean([z[p] for p in parts], axis=0))
        found[set_name] = figures
    with tempfile.TemporaryDirectory() as scratch:
        for alpha in alphas:
            path = moved_toward_start(start_state, models["bi"][0], alpha, Path(scratch))
            moved = load_model(path, "bi")
            for set_name, gold in sets.items():
                found[set_name][f"alpha {alpha}"] = primary(
                    gold, scores_of(moved, "bi", gold.corpus())
                )
    return {
        name: {k: round(v - figures["start"], 2) for k, v in figures.items() if k != "start"}
        | {"start": round(figures["start"], 2)}
        for name, figures in found.items()
    }


def summarise(found: dict) -> dict:
    """Per group (STS sources, domains): each candidate's average change and its worst."""
    summary = {}
    for group, keep in (("sts sources", True), ("domains", False)):
        part = [
            (f"{run}/{name}", changes)
            for run, sets in found.items()
            if run.startswith("sts") == keep
            for name, changes in sets.items()
        ]
        if not part:
            continue
        names = [k for k in part[0][1] if k != "start"]
        summary[group] = {
            name: {
                "average": round(statistics.mean(c[name] for _, c in part), 2),
                "worst": min(((c[name], where) for where, c in part), key=lambda x: x[0]),
                "more than 0.5 below": sum(c[name] < -0.5 for _, c in part),
            }
            for name in names
        }
        summary[group]["sets"] = len(part)
    return summary


def markdown(figures: dict) -> str:
    """A record as tables: each group's summary, then every gold set's changes."""
    lines = [f"Row `{figures['row']}`; {figures['protocol']}.", ""]
    for group, about in figures["summary"].items():
        names = [k for k in about if k != "sets"]
        lines += [
            f"{group} ({about['sets']} gold sets), change against the start:",
            "",
            "| candidate | average | more than 0.5 below | worst |",
            "|---|---|---|---|",
            *[
                f"| {n} | {about[n]['average']:+.2f} | {about[n]['more than 0.5 below']} "
                f"| {about[n]['worst'][0]:+.2f} ({about[n]['worst'][1]}) |"
                for n in names
            ],
            "",
        ]
    sets = [
        (f"{run}/{name}", c) for run, found in figures["runs"].items() for name, c in found.items()
    ]
    if sets:
        names = [k for k in sets[0][1] if k != "start"]
        lines += [
            "| gold set | start | " + " | ".join(names) + " |",
            "|---|---|" + "---|" * len(names),
            *[
                f"| {where} | {c['start']:.2f} | "
                + " | ".join(f"{c[n]:+.2f}" for n in names)
                + " |"
                for where, c in sets
            ],
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--row", default="transenc-vouched")
    parser.add_argument("--out", type=Path, default=Path("runs/adapt"))
    parser.add_argument(
        "--group", choices=("all", "sts", "domains"), default="all", help="which runs to read"
    )
    parser.add_argument(
        "--domains", nargs="*", metavar="NAME", help="only these domains' runs (clinc150 ...)"
    )
    parser.add_argument("--alphas", type=float, nargs="*", default=list(ALPHAS))
    parser.add_argument("--record", action="store_true", help="append the summary as a record")
    args = parser.parse_args()
    start = load_model(str(default_model_path()), "bi")
    start_state = {k: v.clone() for k, v in start.state_dict().items()}
    runs = sorted(args.out.glob(f"*/{args.row}-seed*")) if args.group != "sts" else []
    if args.group != "domains":
        runs += sorted(args.out.glob(f"sts-genres/*/{args.row}-seed*"))
    if args.domains:
        runs = [folder for folder in runs if folder.parent.name in args.domains]
    found = {}
    for folder in runs:
        seed = int(folder.name.rsplit("-seed", 1)[1])
        benchmark = "sts_genres" if folder.parent.parent.name == "sts-genres" else "adaptation"
        if not done(folder.parent.name, args.row, seed, benchmark):
            continue  # still training, or stopped: its final/ may be a copy's
        key = str(folder.relative_to(args.out))
        found[key] = run_combinations(folder, start, start_state, args.alphas)
        print(json.dumps({"run": key, **found[key]}), flush=True)
    summary = summarise(found)
    print(json.dumps(summary, indent=1))
    if args.record:
        record(
            "combinations",
            {
                "row": args.row,
                "protocol": "inductive: each run's held-out gold, read only to judge; z-scores "
                "from the run's own unlabeled pairs; nothing trained",
                "alphas": args.alphas,
                "summary": summary,
                "runs": found,
            },
        )


if __name__ == "__main__":
    main()
