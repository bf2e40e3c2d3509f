"""Study: how good each label source of a recorded run was, on the pairs it labelled.

For every adaptation-study run folder of a row (``runs/adapt/<domain>/<row>-seed<N>``, and the
STS sources' under ``sts-genres``) it reads the label files the run wrote in round 1: the start
model's cosines (``bi_labels.start.tsv``), the trained model's (``bi_labels.bi.tsv``: after the
SimCSE stage, the SimCSE model's), the round's bi labels (their mix), the cross-encoder's labels
and the bi-encoder's targets. Each is scored against the gold of the run's own training pairs
(AP for binary domains, Spearman x100 otherwise): transductive label quality, gold read here
only to judge, never by a run. Nothing is trained. The change against the start's cosines says
whether a source would teach the start something or pull it down. Beside it, label-free: the
SimCSE model's agreement with the start (Spearman of their cosines over all the run's pairs),
and over the runs, how well that agreement tracks the SimCSE labels' change.

    python -m bench.studies.label_sources --row transenc-anchored --record
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np

from bench.common import record
from bench.studies.adaptation import _read, sts_genre_domains
from transenc.labels import read_labels

# label file of each source, in round 1 of a run with the start model as a teacher
SOURCES = {
    "start": "bi_labels.start.tsv",
    "simcse": "bi_labels.bi.tsv",
    "bi labels": "bi_labels.tsv",
    "cross": "cross_labels.tsv",
    "targets": "bi_targets.tsv",
}
BINARY = ("mqp", "ukp")


def gold_of(domain: str, domains_dir: Path, genres: dict) -> dict[tuple[str, str], float]:
    """Every gold pair of a domain (either order) -> its score."""
    if domain in genres:
        frame = genres[domain].to_frame()
    else:
        file = {"mqp": "mqp/gold.tsv", "ukp": "ukp_aspect/gold.tsv"}.get(
            domain, "parade/gold_train.tsv"
        )
        frame = _read(domains_dir / file)
    column = "score" if "score" in frame.columns else "label"
    gold = {}
    for first, second, score in zip(frame.sentence1, frame.sentence2, frame[column], strict=True):
        gold[(first, second)] = float(score)
        gold.setdefault((second, first), float(score))
    return gold


def quality(binary: bool, gold: np.ndarray, scores: np.ndarray) -> float:
    from scipy.stats import spearmanr
    from sklearn.metrics import average_precision_score

    if binary:
        return 100 * float(average_precision_score(gold > 0.5, scores))
    return 100 * float(spearmanr(scores, gold).statistic)


def run_sources(folder: Path, gold: dict, binary: bool) -> dict | None:
    """Each source's quality on the run's training pairs and its change against the start's."""
    round_dir = folder / "round-1"
    if not all((round_dir / file).is_file() for file in SOURCES.values()):
        return None
    labels = {name: read_labels(round_dir / file) for name, file in SOURCES.items()}
    pairs = labels["start"].pairs
    scores = np.array([gold.get(pair, np.nan) for pair in pairs])
    known = ~np.isnan(scores)
    figures = {
        name: quality(binary, scores[known], corpus.scores[known])
        for name, corpus in labels.items()
    }
    from scipy.stats import spearmanr

    return {
        "pairs": int(known.sum()),
        "simcse_agreement": round(
            float(spearmanr(labels["start"].scores, labels["simcse"].scores).statistic), 4
        ),
        "quality": {k: round(v, 2) for k, v in figures.items()},
        "change": {k: round(v - figures["start"], 2) for k, v in figures.items() if k != "start"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--row", default="transenc-anchored")
    parser.add_argument("--out", type=Path, default=Path("runs/adapt"))
    parser.add_argument("--sts-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--domains-dir", type=Path, default=Path("../shared/data/domains"))
    parser.add_argument("--record", action="store_true", help="append the summary as a record")
    args = parser.parse_args()
    genres = sts_genre_domains(args.sts_dir)
    runs = sorted(args.out.glob(f"*/{args.row}-seed*"))
    runs += sorted(args.out.glob(f"sts-genres/*/{args.row}-seed*"))
    found = {}
    for folder in runs:
        domain = folder.parent.name
        about = run_sources(folder, gold_of(domain, args.domains_dir, genres), domain in BINARY)
        if about:
            found[f"{domain}/{folder.name}"] = about
            print(json.dumps({"run": f"{domain}/{folder.name}", **about}))
    summary = {}
    for group, keep in (("sts sources", True), ("domains", False)):
        part = {k: v for k, v in found.items() if k.startswith("sts") == keep}
        if not part:
            continue
        summary[group] = {
            name: {
                "average": round(statistics.mean(v["change"][name] for v in part.values()), 2),
                "worst": min(
                    ((v["change"][name], k) for k, v in part.items()), key=lambda item: item[0]
                ),
            }
            for name in SOURCES
            if name != "start"
        }
        summary[group]["runs"] = len(part)
    if len(found) > 2:
        from scipy.stats import spearmanr

        agreement = [v["simcse_agreement"] for v in found.values()]
        change = [v["change"]["simcse"] for v in found.values()]
        # does a label-free agreement single out the runs where SimCSE's labels fell?
        summary["simcse agreement against its change (Spearman over runs)"] = round(
            float(spearmanr(agreement, change).statistic), 2
        )
    print(json.dumps(summary, indent=1))
    if args.record:
        record(
            "label_sources",
            {
                "row": args.row,
                "protocol": "transductive: each run's own training pairs, gold read only to "
                "judge; nothing trained",
                "summary": summary,
                "runs": found,
            },
        )


if __name__ == "__main__":
    main()
