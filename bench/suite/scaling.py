"""Benchmark: how labelling and one training epoch grow with the number of pairs.

At each size (1k, 5k, 20k pairs of the STS pool; 250, 500, 1000 with ``--quick``) it times the
`label` stage (bi, and cross on both orders) and one epoch of `train-cross` and `train-bi`,
with the settings of ``bench/recipes/round.toml``. It fits seconds = a + b x pairs per step,
reports the fit's R^2 and the cost per pair at the smallest and largest size, and draws
``bench/results/scaling.png``.

    python -m bench.suite.scaling --data-dir ../shared/data/sts [--quick]
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from bench.common import RESULTS_DIR, arguments, record, show, timed
from transenc.data.readers import resolve_corpus
from transenc.models import default_model_path
from transenc.recipe import load_recipe
from transenc.stages import label, train_bi, train_cross

RECIPE = Path(__file__).resolve().parent / "recipes" / "round.toml"
STEPS = ("label bi", "label cross", "train-cross epoch", "train-bi epoch")


def fresh_cross(folder: Path) -> Path:
    """A fresh-head cross-encoder folder to label with (speed does not depend on the head)."""
    from sentence_transformers import CrossEncoder

    CrossEncoder(str(default_model_path()), num_labels=1).save(str(folder))
    return folder


def time_steps(corpus, work: Path, recipe, cross_model: Path) -> dict[str, float]:
    pairs = work / "pairs.tsv"
    frame = corpus.to_frame()[["sentence1", "sentence2"]]
    frame.to_csv(pairs, sep="\t", index=False, lineterminator="\n")
    precision = recipe.label_precision
    bi_labels, cross_labels = work / "bi_labels.tsv", work / "cross_labels.tsv"
    seconds = {}
    _, seconds["label bi"] = timed(
        lambda: label.run(
            label.LabelConfig(["default"], str(pairs), bi_labels, kind="bi", precision=precision)
        )
    )
    _, seconds["label cross"] = timed(
        lambda: label.run(
            label.LabelConfig(
                [str(cross_model)], str(pairs), cross_labels, kind="cross", precision=precision
            )
        )
    )
    _, seconds["train-cross epoch"] = timed(
        lambda: train_cross.run(
            train_cross.TrainCrossConfig(
                "default", bi_labels, work / "cross", settings=recipe.cross
            )
        )
    )
    _, seconds["train-bi epoch"] = timed(
        lambda: train_bi.run(
            train_bi.TrainBiConfig("default", cross_labels, work / "bi", settings=recipe.bi)
        )
    )
    return {step: round(value, 2) for step, value in seconds.items()}


def linear_fit(sizes: list[int], seconds: list[float]) -> dict:
    slope, intercept = np.polyfit(sizes, seconds, 1)
    predicted = slope * np.asarray(sizes) + intercept
    residual = np.sum((np.asarray(seconds) - predicted) ** 2)
    total = np.sum((np.asarray(seconds) - np.mean(seconds)) ** 2)
    return {
        "ms_per_pair": round(slope * 1000, 3),
        "fixed_seconds": round(intercept, 2),
        "r2": round(1 - residual / total, 4) if total > 0 else 1.0,
        "ms_per_pair_smallest": round(seconds[0] / sizes[0] * 1000, 3),
        "ms_per_pair_largest": round(seconds[-1] / sizes[-1] * 1000, 3),
    }


def plot(sizes: list[int], table: dict[str, list[float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for step, seconds in table.items():
        axes.plot(sizes, seconds, marker="o", label=step)
    axes.set_xlabel("pairs")
    axes.set_ylabel("seconds")
    axes.set_title("transenc: labelling and one training epoch vs corpus size")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    sizes = [250, 500, 1000] if args.quick else [1000, 5000, 20000]
    pool = resolve_corpus("pool", args.data_dir).without_scores()
    recipe = load_recipe(RECIPE)
    table = {step: [] for step in STEPS}
    with tempfile.TemporaryDirectory(prefix="transenc-scaling-") as tmp:
        cross_model = fresh_cross(Path(tmp) / "fresh-cross")
        for size in sizes:
            work = Path(tmp) / str(size)
            work.mkdir()
            for step, value in time_steps(
                pool.sample(size, seed=0), work, recipe, cross_model
            ).items():
                table[step].append(value)
            print(size, {step: values[-1] for step, values in table.items()}, flush=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    image = RESULTS_DIR / ("scaling-quick.png" if args.quick else "scaling.png")
    plot(sizes, table, image)
    figures = {
        "sizes": sizes,
        "seconds": table,
        "fit": {step: linear_fit(sizes, seconds) for step, seconds in table.items()},
        "plot": str(image.relative_to(RESULTS_DIR.parent.parent)),
    }
    show(figures)
    record("scaling", figures, args.quick)


if __name__ == "__main__":
    main()
