"""What to deploy: the run's last line, chosen from label-free signals only.

A user adapting to their own text usually has no gold to check the result, so the run says
which model to use for retrieval and which to rerank with, and names the model they started
with where the signals do not support a trained one. The rule reads the selected round's
held-back fidelity (:mod:`transenc.pipeline.fidelity`: the Spearman of a model's scores with its
targets on pairs its stage kept out of training), never a gold label:

- no vouching on too few pairs: where the bi-encoder's stage held back fewer than
  ``MIN_VOUCHING_PAIRS`` pairs (a corpus under ~500 pairs at ``held_back = 0.1``; the same floor
  under which ``adapt`` skips its checks) a Spearman over them cannot vouch for anything, and the
  start model is named for both (on the STS sources of 90-400 pairs the trained models fell
  up to 3 points below the start with nothing in their signals to say so);
- retrieval: the trained bi-encoder where it holds at least ``FIDELITY_FLOOR`` of its targets on
  pairs it never saw; otherwise the start model ("nothing here beat it": a student that does
  not carry its targets to unseen pairs has changed in ways nothing vouches for);
- reranking: the trained cross-encoder where it holds at least ``FIDELITY_FLOOR`` on its
  held-back pairs and at least as much as the bi-encoder chosen above; otherwise the cosine of
  the retrieval model (a cross-encoder that fits its training pairs better than unseen ones has
  memorised them, and measured on the adaptation study it then ranks below its bi-encoder).

Without held-back pairs (recipe ``held_back = 0``) there is no signal: the trained models are
named, with the word that nothing checked them. Written to ``deploy.json`` and the report.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from transenc.atomic import write_text_atomic
from transenc.pipeline.names import model_dir_name, round_dir

DEPLOY_FILE = "deploy.json"
# fixed before the study was scored (bench/studies/deploy_rule.py shows how often it chose right)
FIDELITY_FLOOR = 0.95
# added after the first judging (see bench/studies/deploy_rule.py): adapt's min_checked_pairs
MIN_VOUCHING_PAIRS = 50
RULE = (
    f"A trained model is named where its stage held back at least {MIN_VOUCHING_PAIRS} pairs and "
    f"it holds at least {FIDELITY_FLOOR} of its targets (Spearman) on them, and the "
    "cross-encoder only where it holds as much as the bi-encoder; otherwise the start model "
    "(retrieval) or the retrieval model's cosine (reranking). No gold label is read."
)


@dataclass
class Choice:
    """One model's recommendation: paths (or the start model as given) and why."""

    retrieval: str
    rerank: str
    reason: str
    start_kept: bool = False  # the start model is what to use for retrieval
    checked: bool = True  # whether any held-back signal was there to read
    start_note: str = "nothing here beat it"  # why the start model is named, in brief

    def line(self) -> str:
        if self.start_kept:
            use = f"deploy: the start model {self.retrieval} ({self.start_note})"
        else:
            use = f"deploy: {self.retrieval} for retrieval"
        rerank = "its cosine" if self.rerank == self.retrieval else self.rerank
        return f"{use}; rerank with {rerank} ({self.reason})"


def choose(
    row: dict,
    count: int,
    k: int,
    final_bi: Path,
    final_cross: Path,
    start: str,
    held_pairs: int | None = None,
) -> Choice:
    """The rule above for model ``k`` of ``count``, from the selected round's fidelity ``row``
    and the number of pairs the bi-encoder's stage held back (``None``: not known)."""
    bi_held = row.get(f"{model_dir_name('bi', k, count)} held-back")
    cross_held = row.get(f"{model_dir_name('cross', k, count)} held-back")
    if bi_held is not None and held_pairs is not None and held_pairs < MIN_VOUCHING_PAIRS:
        return Choice(
            start,
            start,
            f"only {held_pairs} pairs were held back, under the {MIN_VOUCHING_PAIRS} that can "
            "vouch for a trained model; check final/ on gold before you use it",
            start_kept=True,
            start_note="too few pairs to vouch for a trained one",
        )
    if bi_held is None:
        return Choice(
            str(final_bi),
            str(final_cross),
            "unchecked: the recipe kept no pairs back (held_back), so no label-free signal; "
            "check both on gold",
            checked=False,
        )
    floor = FIDELITY_FLOOR
    if bi_held < floor:
        retrieval, why = start, f"the bi-encoder held {bi_held:.3f} < {floor} on unseen pairs"
    else:
        retrieval, why = str(final_bi), f"bi-encoder held-back fidelity {bi_held:.3f}"
    if cross_held is not None and cross_held >= floor and cross_held >= bi_held:
        return Choice(
            retrieval,
            str(final_cross),
            f"{why}; cross-encoder {cross_held:.3f}",
            start_kept=retrieval == start,
        )
    cross_note = "no cross-encoder signal" if cross_held is None else f"{cross_held:.3f}"
    return Choice(
        retrieval,
        retrieval,
        f"{why}; the cross-encoder held {cross_note} on pairs it never saw, below "
        f"{'the bi-encoder' if cross_held is not None and cross_held >= floor else floor}",
        start_kept=retrieval == start,
    )


def recommend(
    out: Path,
    fidelity: dict,
    selected: int,
    final_bi: list[Path],
    final_cross: list[Path],
    starts: list[str],
    corpus_held_back: int | None = None,
) -> list[Choice]:
    """One choice per trained model, written to ``out/deploy.json``. ``corpus_held_back``:
    where the bi-encoder trained on a pool mined beside the corpus (``[bi]
    unchecked_pair_pool``), how many of the corpus's own pairs a stage would have held back;
    the rule counts those, not the pool's (mined by the start model and labelled by the same
    sources, they show fidelity, not that the run did no harm)."""
    row = fidelity.get(f"round {selected}", {})
    count = len(final_bi)
    choices = [
        choose(
            row,
            count,
            k,
            final_bi[k],
            final_cross[k],
            starts[k],
            corpus_held_back
            if corpus_held_back is not None
            else _held_pairs(out / round_dir(selected) / f"train-{model_dir_name('bi', k, count)}"),
        )
        for k in range(count)
    ]
    record = {"rule": RULE, "floor": FIDELITY_FLOOR, "round": selected}
    record["models"] = [asdict(c) | {"line": c.line()} for c in choices]
    write_text_atomic(out / DEPLOY_FILE, json.dumps(record, indent=2) + "\n")
    return choices


def _held_pairs(stage: Path) -> int | None:
    """How many pairs a training stage held back, from its manifest."""
    manifest = stage.with_name(f"{stage.name}.manifest.json")
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text()).get("metrics", {}).get("held_back")


def markdown(choices: list[Choice]) -> list[str]:
    if not choices:
        return []
    return [
        "## What to deploy (label-free)",
        "",
        *[f"- {c.line()}" for c in choices],
        "",
        f"The rule: {RULE[0].lower()}{RULE[1:]}",
        "",
    ]
