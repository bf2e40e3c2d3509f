"""The per-round plot beside ``report.md``: each task and the average, bi and cross rows."""

from __future__ import annotations

from pathlib import Path

from transenc.atomic import check_writable

AVERAGE = "avg"


def plot_rounds(table: dict[str, dict[str, float]], path: Path) -> Path | None:
    """Draws one panel per model kind (bi, cross) with a line per task over the rows
    ``start``, ``round 1``, ...; returns ``path``, or ``None`` when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display is needed or wanted
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    panels: dict[str, dict[str, dict[str, float]]] = {}
    teachers: dict[str, float] = {}  # frozen: one level, drawn across every panel
    for label, scores in table.items():
        stage, _, model = label.rpartition(" ")
        if model.startswith("teacher"):
            teachers[model] = scores.get(AVERAGE)
            continue
        panels.setdefault(model, {})[stage] = scores
    if not panels:
        return None
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for axis, (model, rows) in zip(axes[0], sorted(panels.items()), strict=True):
        stages = list(rows)
        tasks = list(next(iter(rows.values())))
        for task in tasks:
            values = [rows[s].get(task) for s in stages]
            wide = task == AVERAGE
            axis.plot(
                stages,
                values,
                marker="o",
                linewidth=3 if wide else 1,
                color="black" if wide else None,
                label=task,
            )
        for teacher, level in teachers.items():
            if level is not None:
                axis.axhline(level, linestyle="--", color="gray", label=f"{teacher} {AVERAGE}")
        axis.set_title(model)
        axis.set_ylabel("Spearman x100")
        axis.grid(alpha=0.3)
    axes[0][-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    figure.tight_layout()
    check_writable(path, "plot")
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
