"""Experiment (issue 41): a reranker distilled from the start model on text from elsewhere, as a
warm start that already reads pairs the way the start model scores them (no gold anywhere).

On a corpus of a few hundred pairs the adapted cross-encoder starts cold (the bi-encoder's body,
a fresh head) and ends 5-40 points below the start model. This builds a cross-encoder that has
learnt the start model's cosines on many distinct pairs first: the sentences of the non-STS
domains (MQP, UKP ASPECT, PARADE: their sentence columns only, never a label), paired by the
start model (3 neighbours and 1 random partner each, as ``mine-pairs``; a seeded subset of
``--pairs``), labelled by the start model's cosine, trained with transenc's own cross-encoder
stage (``--loss listnet`` or ``bce``; 10% of the pairs held back for its fidelity). No sentence
of these domains occurs in STS or SICK (``../shared/data/domains/stats.json``), so scoring it on
the STS sources is inductive; it is meant for the STS sources only (it has read the domains'
sentences).

It then scores the model zero-shot, and the start model beside it, on the held-out half of each
STS12-16 source (the adaptation study's ``--sts-genres`` halves; gold read only to score). The
adaptation study's row ``transenc-cross-start`` (``--cross-start OUT/cross``) starts a run's
cross-encoder from it.

    python -m bench.experiments.start_distilled_cross --out runs/start-distilled-cross
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from bench.common import record
from bench.studies.adaptation import evaluate, mined_pairs, prepare_genre, sts_genre_domains
from transenc.stages import label, train_cross
from transenc.train_settings import TrainSettings

# sentence columns read from each domain's pair files (their label columns are never read)
DOMAIN_FILES = (
    "mqp/gold.tsv",
    "ukp_aspect/gold.tsv",
    "parade/gold.tsv",
    "parade/gold_train.tsv",
)


def domain_sentences(root: Path) -> list[str]:
    """The distinct sentences of the non-STS domains' pair files, in file order."""
    seen: dict[str, None] = {}
    for name in DOMAIN_FILES:
        frame = pd.read_csv(
            root / name,
            sep="\t",
            quoting=3,
            keep_default_na=False,
            usecols=["sentence1", "sentence2"],
        )
        for a, b in zip(frame.sentence1, frame.sentence2, strict=True):
            seen.setdefault(a)
            seen.setdefault(b)
    return list(seen)


def sts_halves(sts_dir: Path, out: Path) -> dict[str, str]:
    """{source: its held-out half's gold file}, as the adaptation study splits each source."""
    return {
        name: prepare_genre(name, corpus, out / name)["gold"][name]
        for name, corpus in sts_genre_domains(sts_dir).items()
    }


def markdown(f: dict) -> str:
    """One record as the report's page: the model's training, then its zero-shot Spearman beside
    the start model's on each STS source's held-out half."""
    m = f["metrics"]
    rows = [
        f"| {name} | {v['start']:.2f} | {v['cross']:.2f} | {v['cross'] - v['start']:+.2f} |"
        for name, v in f["sts_halves"].items()
    ]
    return "\n".join(
        [
            f"{f['trained_on']}: {f['sentences']:,} sentences, {m['pairs']:,} pairs trained and "
            f"{m['held_back']:,} held back, loss `{f['loss']}`, seed {f['seed']}, {m['steps']} "
            f"steps (kept {m['kept_step']}), held-back fidelity {m['held_back_fidelity']:.3f}, "
            f"{m['seconds']:.0f} s of training, {m['precision']}. "
            f"{f['protocol'][0].upper()}{f['protocol'][1:]}.",
            "",
            "| STS source (held-out half) | start | this reranker | change |",
            "|---|---|---|---|",
            *rows,
            "",
            f"Average change {f['average_change']:+.2f}, worst {f['worst_change']:+.2f}.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains-dir", type=Path, default=Path("../shared/data/domains"))
    parser.add_argument("--sts-dir", type=Path, default=Path("../shared/data/sts"))
    parser.add_argument("--out", type=Path, default=Path("runs/start-distilled-cross"))
    parser.add_argument("--pairs", type=int, default=24000, help="mined pairs kept (seeded)")
    parser.add_argument("--loss", default="listnet", choices=("listnet", "bce"))
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.time()

    sentences = args.out / "sentences.txt"
    if not sentences.is_file():
        sentences.write_text("\n".join(domain_sentences(args.domains_dir)) + "\n")
    pairs = args.out / f"mined_pairs.{args.pairs}.tsv"
    mined_pairs(sentences, pairs, args.pairs)  # the start model's 3 neighbours + 1 random each
    labels = args.out / f"start_labels.{args.pairs}.tsv"
    if not labels.is_file():
        label.run(
            label.LabelConfig(models=["default"], pairs=str(pairs), output=labels, precision="auto")
        )
    listwise = args.loss == "listnet"
    config = train_cross.TrainCrossConfig(
        model="default",
        labels=labels,
        output=args.out / f"cross-{args.loss}",
        settings=TrainSettings(
            epochs=args.epochs,
            # listnet: batches of 4 lists (about 37 pairs), as adapt-pool-listnet
            batch_size=4 if listwise else 32,
            learning_rate=5e-5,
            warmup_ratio=0.1,
            max_length="auto",
            precision="auto",
            length_chunk=16,
            keep_best=True,
            check_every=100,
            patience=4,
            min_checked_pairs=50,
        ),
        seed=args.seed,
        held_back=0.1,
        loss=args.loss,
        show_progress=True,
    )
    if not (config.output / "config.json").is_file():
        result = train_cross.run(config)
        metrics = {k: v for k, v in vars(result).items() if isinstance(v, (int, float, str))}
        (args.out / f"cross-{args.loss}.metrics.json").write_text(json.dumps(metrics, indent=1))
    metrics = json.loads((args.out / f"cross-{args.loss}.metrics.json").read_text())

    golds = sts_halves(args.sts_dir, args.out / "sts-genres")
    cross = evaluate(str(config.output), golds)
    start = evaluate("default", golds)
    per_source = {
        name: {"start": start[name]["spearman"], "cross": cross[name]["spearman"]} for name in golds
    }
    changes = [v["cross"] - v["start"] for v in per_source.values()]
    figures = {
        "model": str(config.output),
        "trained_on": "the start model's cosines on pairs it mined from MQP, UKP ASPECT and "
        "PARADE sentences (no gold label read)",
        "sentences": len(sentences.read_text().splitlines()),
        "pairs": args.pairs,
        "loss": args.loss,
        "epochs": args.epochs,
        "seed": args.seed,
        "metrics": metrics,
        "sts_halves": per_source,
        "average_change": sum(changes) / len(changes),
        "worst_change": min(changes),
        "seconds": time.time() - started,
        "protocol": "inductive (no STS pair or sentence trained on); gold read only to score",
    }
    record("start_distilled_cross", figures)
    print(json.dumps({k: v for k, v in figures.items() if k != "sts_halves"}, indent=1))
    for name, v in per_source.items():
        print(f"{name:40s} start {v['start']:6.2f} cross {v['cross']:6.2f}")


if __name__ == "__main__":
    main()
