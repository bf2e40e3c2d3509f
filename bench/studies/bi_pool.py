"""Study: does a pool of pairs mined from a small corpus's own sentences keep the bi-encoder
from drifting (issue 40: STS12 SMTnews falls 2 points on its 198 pairs)?

For a recorded adaptation-study run of an STS source (``runs/adapt/sts-genres/<source>/<row>-
seed1``) it rebuilds the run's label sources (the start model and the SimCSE model, retrained
with the run's own contrastive settings and seed), then trains the bi-encoder from the start
model with the run's train-bi settings (and seed) on

- ``corpus``: the corpus's pairs, labelled by the two sources (equal weights), as the run's
  targets were where the cross-encoder could not be checked;
- ``pool``: the same pairs plus ``(pool - 1) x`` as many mined from the corpus's own sentences
  by the start model (3 neighbours and 1 random partner each, as ``[cross] pair_pool``),
  labelled the same way;

and scores each on the source's held-out half (gold read only to judge; inductive). The two
arms share the label models, so each comparison is paired. Nothing of the recorded run changes.
``--seed S`` replaces the run's seeds (SimCSE, mining, bi-encoder) with S: a second seed of
the whole comparison.

    python -m bench.studies.bi_pool --sources sts12-surprise.SMTnews --pool 4 --record
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.common import record
from bench.studies.adaptation import evaluate
from bench.studies.bi_drift import train_bi_again


def simcse_again(run: Path, output: Path, seed: int | None) -> str:
    """The run's SimCSE model, trained again from its manifest (a few seconds on a source)."""
    from transenc.stages import contrastive
    from transenc.train_settings import TrainSettings

    manifest = json.loads((run / "contrastive" / "bi.manifest.json").read_text())
    contrastive.run(
        contrastive.ContrastiveConfig(
            model=manifest["input_paths"]["model"],
            pairs=str(run / "pairs.tsv"),
            output=output,
            settings=TrainSettings(**manifest["config"]["settings"]),
            seed=manifest["config"]["seed"] if seed is None else seed,
        )
    )
    return str(output)


def pooled_pairs(run: Path, start: str, pool: float, output: Path, seed: int | None) -> Path:
    """The corpus's pairs, then mined ones: ``pool`` times as many in all (as ``mine_pool``)."""
    from transenc.data.readers import read_pair_file
    from transenc.stages import mine

    corpus = read_pair_file(run / "pairs.tsv")
    extra = round((pool - 1) * len(corpus))
    neighbours = mine.neighbours_for(extra, len(corpus.sentences))
    mine.run(
        mine.MineConfig(
            sentences=None,
            models=[start],
            output=output,
            pairs=run / "pairs.tsv",
            neighbours=neighbours,
            random=mine.DEFAULT_RANDOM,
            max_pairs=extra,
            seed=0 if seed is None else seed,
            precision="auto",
        )
    )
    return output


def labelled(pairs: Path, models: list[str], output: Path) -> Path:
    from transenc.stages import label

    label.run(
        label.LabelConfig(
            models=models,
            pairs=str(pairs),
            output=output,
            kind="bi",
            precision="auto",
            source_names=["simcse", "start"],
        )
    )
    return output


def trained(
    run: Path, labels: Path, output: Path, last: bool, seed: int | None
) -> tuple[str, dict]:
    """The run's bi-encoder stage again, from its start model, on ``labels`` (``last``: no
    stopping on held-back checks, the last weights kept)."""
    result = train_bi_again(run, labels, output, seed, {"keep_best": False} if last else {})
    metrics = {
        k: getattr(result, k, None)
        for k in ("steps", "kept_step", "held_back", "held_back_fidelity")
    }
    return str(output), metrics


def study(folder: Path, row: str, pool: float, last: bool, seed: int | None = None) -> dict:
    run = folder / f"{row}-seed1"
    gold = {"gold": str(next(folder.glob("gold_*.tsv")))}
    manifest = json.loads((run / "round-1" / "train-bi.manifest.json").read_text())
    start = manifest["input_paths"]["model"]
    start_score = evaluate(start, gold)["gold"]["spearman"]
    found = {"start": round(start_score, 2)}
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        simcse = simcse_again(run, scratch / "simcse", seed)
        arms = {
            "corpus": run / "pairs.tsv",
            "pool": pooled_pairs(run, start, pool, scratch / "pool.tsv", seed),
        }
        for arm, pairs in arms.items():
            began = time.time()
            labels = labelled(pairs, [simcse, start], scratch / f"{arm}_labels.tsv")
            model, metrics = trained(
                run, labels, scratch / f"{arm}-bi", last and arm == "pool", seed
            )
            score = evaluate(model, gold)["gold"]["spearman"]
            found[arm] = {
                "pairs": sum(1 for _ in open(labels)) - 2,
                "bi": round(score, 2),
                "change": round(score - start_score, 2),
                "seconds": round(time.time() - began, 1),
                **metrics,
            }
            print(json.dumps({"source": folder.name, "arm": arm, **found[arm]}), flush=True)
    return found


def markdown(entries: list[dict]) -> str:
    """All records as one table: per source, the change against the start of the corpus arm
    and of each pool variant, per seed (the latest record of each), then each column's mean,
    worst and count more than 0.5 below the start."""
    columns: dict[tuple, dict[str, dict]] = {}
    starts: dict[str, float] = {}
    for entry in entries:
        f = entry["figures"]
        seed = f.get("seed", "the run's")
        weights = f.get("pool_weights", "kept on held-back checks")
        starts[f["domain"]] = f["start"]
        columns.setdefault(("corpus", seed), {})[f["domain"]] = f["corpus"]
        columns.setdefault((f"pool, {weights}", seed), {})[f["domain"]] = f["pool"]
    order = sorted(
        columns, key=lambda c: (str(c[1]) != "the run's", str(c[1]), c[0] != "corpus", c[0])
    )
    names = [f"{arm} (seed: {seed})" for arm, seed in order]
    # the records made before pool_multiple was kept all ran --pool 4
    multiples = " or ".join(
        f"{m:g}x" for m in sorted({e["figures"].get("pool_multiple", 4.0) for e in entries})
    )
    lines = [
        "Each source's bi-encoder retrained from the start with the recorded `adapt` run's "
        f"settings, on its corpus's pairs or on a {multiples} pool of pairs mined from its "
        "sentences, both labelled by the start and the SimCSE model (equal weights); inductive, "
        "scored on the held-out half's gold (read only to judge). Change against the start; "
        "after the pool's, the step its held-back checks kept.",
        "",
        "| source | start | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]

    def cell(arm: dict | None) -> str:
        if not arm:
            return ""
        kept = f" ({arm['kept_step']})" if arm.get("kept_step") else ""
        return f"{arm['change']:+.2f}{kept}"

    for source in sorted(starts):
        cells = [cell(columns[c].get(source)) for c in order]
        lines.append(f"| {source} | {starts[source]:.2f} | " + " | ".join(cells) + " |")
    summary = []
    for c in order:
        changes = [arm["change"] for arm in columns[c].values()]
        below = sum(change < -0.5 for change in changes)
        summary.append(
            f"{sum(changes) / len(changes):+.2f}, worst {min(changes):+.2f}, "
            f"{below} of {len(changes)} below -0.5"
        )
    lines.append("| mean, worst, below | | " + " | ".join(summary) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", nargs="+", required=True)
    parser.add_argument("--row", default="transenc-vouched")
    parser.add_argument("--pool", type=float, default=4.0)
    parser.add_argument(
        "--last", action="store_true", help="the pool arm keeps its last weights (no stopping)"
    )
    parser.add_argument("--seed", type=int, help="in place of the recorded run's seeds")
    parser.add_argument("--out", type=Path, default=Path("runs/adapt"))
    parser.add_argument("--record", action="store_true", help="append the results as a record")
    args = parser.parse_args()
    for source in args.sources:
        found = study(args.out / "sts-genres" / source, args.row, args.pool, args.last, args.seed)
        if args.record:
            record(
                "bi_pool",
                {
                    "domain": source,
                    "row": args.row,
                    "pool_multiple": args.pool,  # "pool" below is the pool arm's figures
                    "pool_weights": "last" if args.last else "kept on held-back checks",
                    "seed": args.seed or "the run's",
                    "protocol": "inductive: trained on the source's adapt half (unlabeled), "
                    "scored on the other half's gold; gold read only to judge",
                    **found,
                },
            )


if __name__ == "__main__":
    main()
