"""The bootstrap loop as a package: one idea a module.

- :mod:`.names`: the run directory's fixed names.
- :mod:`.config`: :class:`BootstrapConfig`, :class:`BootstrapResult`, the checks made before
  anything is written.
- :mod:`.rundir`: the run directory's identity (``run.json``), set-up and final models.
- :mod:`.registry`: every step, declared once (phase, needs, gives, seed offset).
- :mod:`.steps`: the shipped steps.
- :mod:`.runner`: skip / redo / force, the one seed rule, the needs/gives check.
- :mod:`.loop`: :func:`run`, the loop itself.
- :mod:`.report`: ``report.md`` and the one-line summaries.

Run directory::

    RUN_DIR/run.json              corpus checksum, models, teachers, recipe fingerprint,
                                  selection rule; per-task overlap and gold scores read
    RUN_DIR/recipe.toml           the resolved recipe
    RUN_DIR/pairs.tsv             the unlabeled training pairs, as read
    RUN_DIR/start/metrics.json    scores of the starting models (with --eval-data)
    RUN_DIR/teachers/teacher-k.{bi,cross}_labels.tsv   a frozen teacher's labels (--teacher)
    RUN_DIR/contrastive/bi[-k]/   SimCSE bi-encoder(s)
    RUN_DIR/round-N/bi_labels.tsv     bi-encoder cosines (weighted over models and teachers;
                                      each source's own beside it as bi_labels.SOURCE.tsv)
    RUN_DIR/round-N/cross[-k]/        cross-encoder(s) trained on them
    RUN_DIR/round-N/cross_labels.tsv  cross-encoder scores (weighted as the bi labels)
    RUN_DIR/round-N/bi_targets.tsv    cross labels mixed with bi labels (cross_label_weight < 1)
    RUN_DIR/round-N/late[-k]/, late_labels.tsv   ERNIE-Search's cascade (train-late, label-late)
    RUN_DIR/round-N/bi[-k]/           bi-encoder(s) trained on the targets
    RUN_DIR/round-N/metrics.json      scores after the round (with --eval-data)
    RUN_DIR/final/bi[-k]/, final/cross[-k]/, RUN_DIR/report.md, RUN_DIR/report.png

Every stage writes a manifest (``*.manifest.json``) built from its config's declaration after
its outputs; rerunning the same command skips stages whose manifest, inputs and outputs check
out and redoes those that do not (and the later ones whose inputs change with them). The
``-k`` suffixes appear only with two or more ``--model``s. A frozen teacher (``--teacher``)
labels the corpus once; its labels join every labelling step of its kind, but it is never
trained.
"""

from transenc.pipeline.config import BootstrapConfig, BootstrapResult
from transenc.pipeline.loop import run
from transenc.pipeline.report import protocol_line

__all__ = ["BootstrapConfig", "BootstrapResult", "protocol_line", "run"]
