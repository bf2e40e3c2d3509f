"""The run's report (``report.md``, ``report.png``) and the one-line stage summaries."""

from __future__ import annotations

import json
from pathlib import Path

from transenc import evaluate
from transenc.atomic import write_text_atomic
from transenc.overlap import markdown as overlap_markdown
from transenc.pipeline import deploy, fidelity
from transenc.pipeline.names import PLOT_FILE, RECIPE_FILE, REPORT_FILE
from transenc.report_plot import plot_rounds


def protocol_line(result) -> str:
    """One line on what the run trained on and read: the protocol of the table above it."""
    settings = ", ".join(
        f"{task} {row['setting']} ({row['in_training']}/{row['pairs']})"
        for task, row in result.protocol.get("overlap", {}).items()
    )
    return (
        f"trained on {result.corpus}; evaluated pairs in it: {settings or 'not evaluated'}; "
        f"gold scores read: {result.protocol.get('gold_scores_read', 'none')}"
    )


def _header(config, corpus, selected, dev_scores, runner) -> list[str]:
    recipe = config.recipe
    mutual = " (mutual distillation: labels averaged over models)" if len(config.models) > 1 else ""
    teachers = ", ".join(f"`{t}`" for t in config.teachers)
    by_round = ", ".join(f"{r}: {v:.2f}" for r, v in dev_scores.items())
    on = "STS-B dev" if config.select_on == "stsb-dev" else f"`{config.select_on}`"
    selection = (
        f" ({on} by round: {by_round})"
        if dev_scores
        else " (no gold label was read during training)"
    )
    return [
        "# transenc bootstrap report",
        "",
        f"- corpus: `{config.pairs}` ({len(corpus)} pairs, "
        f"{len(corpus.sentences)} distinct sentences)",
        f"- models: {', '.join(f'`{m}`' for m in config.models)}{mutual}",
        *([f"- frozen teachers: {teachers} (never trained)"] if config.teachers else []),
        f"- recipe: `{recipe.name}` (resolved in `{RECIPE_FILE}`), rounds: {recipe.rounds}",
        f"- selection: `{config.select_on}`; final models from round {selected}{selection}",
        f"- stages run this time: {len(runner.ran)}, skipped (done earlier): {len(runner.skipped)}",
        "",
    ]


def write_fidelity(out: Path, rounds: int, count: int) -> dict:
    table = fidelity.round_fidelity(out, rounds, count)
    write_text_atomic(out / fidelity.FIDELITY_FILE, json.dumps(table, indent=2) + "\n")
    return table


def write_report(
    config,
    corpus,
    table,
    selected,
    dev_scores,
    runner,
    protocol,
    fidelity_table=None,
    choices=(),
) -> Path:
    lines = _header(config, corpus, selected, dev_scores, runner)
    lines += deploy.markdown(list(choices))
    if table:
        lines += ["## Scores x100 per round", "", evaluate.markdown_table(table), ""]
        lines += [
            "STS tasks: Spearman; gold sets: their primary metric (graded Spearman, binary "
            "average precision, reranking MAP); avg: the mean of the columns.",
            "",
        ]
    lines += fidelity.markdown(fidelity_table or {})
    plot = plot_rounds(table, config.out / PLOT_FILE) if table else None
    if plot is not None:
        lines += [f"![Spearman per round]({PLOT_FILE})", ""]
    if runner.seconds:
        lines += [
            "## Wall time per stage",
            "",
            "| stage | seconds |",
            "|---|---|",
            *[f"| {name} | {seconds:.0f} |" for name, seconds in runner.seconds.items()],
            f"| total | {sum(runner.seconds.values()):.0f} |",
            "",
        ]
    if protocol["overlap"]:
        lines += [
            "## Training pairs in each evaluated task",
            "",
            f"Gold scores read: {protocol['gold_scores_read']}.",
            "",
            overlap_markdown(protocol["overlap"]),
            "",
        ]
    path = config.out / REPORT_FILE
    write_text_atomic(path, "\n".join(lines))
    return path


def stage_summary(metrics: dict) -> str:
    """A stage's recorded numbers as one line (``pairs 48, seconds 3.1, ...``)."""
    parts = []
    for key, value in metrics.items():
        if isinstance(value, dict) and evaluate.AVERAGE in value:  # an evaluation, per model
            parts.append(f"{key} avg {value[evaluate.AVERAGE]:.2f}")
        elif isinstance(value, dict):  # label weights by source
            parts.append(f"{key} " + " ".join(f"{k}={_fmt(v)}" for k, v in value.items()))
        elif value != "":  # an empty note (a fixed max_length has no coverage to state)
            parts.append(f"{key} {_fmt(value)}")
    return ", ".join(parts)


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
