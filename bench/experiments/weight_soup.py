"""Experiment: average the weights of several bi-encoders with the same architecture (a "model
soup": several seeds' bootstrapped bi-encoders, or the start model and a bootstrapped one), then
score the result with ``transenc eval-sts``.

    python -m bench.experiments.weight_soup OUT MODEL[:WEIGHT] MODEL[:WEIGHT] ...

Weights default to 1 and are normalised to sum 1; a negative one extrapolates (for example
``bi:1.5 default:-0.5`` moves past the bootstrapped model, away from the start).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from transenc.models import load_bi_encoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("models", nargs="+", help="MODEL or MODEL:WEIGHT")
    args = parser.parse_args()

    specs = [spec.rpartition(":") if ":" in spec else (spec, "", "1") for spec in args.models]
    models = [load_bi_encoder(name) for name, _, _ in specs]
    weighted = [(m.state_dict(), float(w)) for m, (_, _, w) in zip(models, specs, strict=True)]
    total = sum(weight for _, weight in weighted)
    soup = models[0]  # safe to reuse: every average is computed before any is loaded
    averaged = {
        key: sum(state[key].float() * weight for state, weight in weighted) / total
        for key, value in soup.state_dict().items()
        if value.is_floating_point()
    }
    soup.load_state_dict({**soup.state_dict(), **averaged})
    soup.save(str(args.out))
    print(f"{args.out}: weights averaged over {len(weighted)} models")


if __name__ == "__main__":
    main()
