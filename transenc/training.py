"""What the training stages share: trainer arguments from a recipe section, atomic saves, cards.

The stages use sentence-transformers' trainers and losses as they are; this module only maps a
:class:`~transenc.recipe.TrainSettings` onto their arguments, so every stage trains the same way.
"""

from __future__ import annotations

import math
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from transenc import threads
from transenc.atomic import atomic_dir
from transenc.checkpoints import StageCheckpoints, TimedSaves
from transenc.device import device_type
from transenc.distributed import is_main, world_size
from transenc.errors import TransencError, shorten
from transenc.precision import choose
from transenc.recipe import TrainSettings


@dataclass(frozen=True)
class Fitted:
    loss: float  # the mean training loss
    steps: int  # optimizer steps taken (fewer than planned where patience stopped it)


def seed_everything(seed: int) -> None:
    """Seeds Python, NumPy and torch: fresh heads and dropout masks repeat run to run."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def fit(
    model,
    columns: dict[str, list],
    loss,
    settings: TrainSettings,
    seed: int,
    show_progress: bool,
    evaluator=None,
    checkpoints: StageCheckpoints | None = None,
    callbacks: list | None = None,
    **extra_args,
) -> Fitted:
    """Trains ``model`` on ``columns`` with ``loss`` using the sentence-transformers trainer
    that fits the model (bi-, cross- or late-interaction encoder); returns the mean training
    loss and the optimizer steps taken.

    The model trains truncated to ``settings.max_length`` tokens, in ``settings.precision``,
    on length-grouped batches when ``settings.length_grouped`` (unless ``extra_args`` choose a
    batch sampler), each batch's forward pass in length-sorted chunks of
    ``settings.length_chunk`` rows where set; nothing is reported to external loggers, and
    the fixed ``seed`` makes the run repeatable. With ``settings.keep_best``, ``evaluator``
    (a sentence-transformers evaluator whose primary metric is ``fidelity``) runs every
    ``check_every`` steps and the trainer ends on the weights it scored highest (checkpoints
    in a temporary folder, weights only), stopping after ``patience`` checks without a gain;
    otherwise no checkpoint is written. With ``checkpoints``, the trainer's whole state is saved
    there every ``checkpoints.every_seconds`` and training resumes from the newest checkpoint
    found there (see :mod:`transenc.checkpoints`). ``callbacks`` are more trainer callbacks
    (a benchmark's step timer, say).
    """
    from datasets import Dataset
    from sentence_transformers.cross_encoder import CrossEncoderTrainer

    from transenc.batching import LengthGroupedBatchSampler
    from transenc.chunking import length_chunked

    trainer_class, args_class = trainer_for(model)
    precision = choose(settings.precision).precision
    if settings.batch_size % world_size():
        raise TransencError(
            f"batch_size {settings.batch_size} does not split evenly over {world_size()} "
            "processes; use a multiple of the process count"
        )
    if settings.length_grouped:
        extra_args.setdefault("batch_sampler", LengthGroupedBatchSampler)
    examples = len(next(iter(columns.values())))
    evaluator, check_callbacks, check_args = _checks(settings, evaluator, examples)
    callbacks = [*(check_callbacks or []), *(callbacks or [])]
    if threads.rebalancing():  # another run may start, or end, while this one trains
        callbacks.append(threads.rebalancer())
    resume_from = None
    if checkpoints is not None:
        callbacks.append(TimedSaves(checkpoints.every_seconds))
        check_args = resumable(check_args)
        resume_from = checkpoints.newest()
    with (
        truncated_to(model, settings.max_length),
        length_chunked(model, settings.length_chunk),
        _workdir(checkpoints) as workdir,
    ):
        args = args_class(
            output_dir=workdir,
            num_train_epochs=settings.epochs,
            # the recipe's batch is the global one: under torchrun every batch is split over the
            # N processes, so the batches, their order and the steps are those of one process
            per_device_train_batch_size=settings.batch_size,
            accelerator_config={"split_batches": world_size() > 1},
            # DDP must look for unused weights in a bi-encoder (mean pooling leaves BERT's
            # pooler unused); a cross-encoder uses all of its, and that search breaks it
            ddp_find_unused_parameters=trainer_class is not CrossEncoderTrainer,
            learning_rate=settings.learning_rate,
            # a floor on the steps (min_steps) replaces the epochs where they fall short of it
            max_steps=floor_steps(settings, examples) or -1,
            warmup_steps=settings.warmup_ratio,  # a float in [0, 1) is a ratio of total steps
            lr_scheduler_type="linear",
            seed=seed,
            data_seed=seed,
            report_to="none",
            logging_strategy="no",
            disable_tqdm=not show_progress,
            use_cpu=device_type() == "cpu",
            bf16=precision == "bf16",
            fp16=precision == "fp16",
            **check_args,
            **extra_args,
        )
        trainer = trainer_class(
            model=model,
            args=args,
            train_dataset=Dataset.from_dict(columns),
            loss=loss,
            evaluator=evaluator,
            callbacks=callbacks or None,
        )
        if not show_progress:
            # without progress bars the trainer would print its final log dict instead
            from transformers.trainer_callback import PrinterCallback

            trainer.remove_callback(PrinterCallback)
        output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
        return Fitted(output.training_loss, output.global_step)


@contextmanager
def _workdir(checkpoints: StageCheckpoints | None) -> Iterator[str]:
    """The trainer's output folder: the stage's checkpoint folder, or a throwaway one."""
    if checkpoints is not None:
        yield str(checkpoints.folder)
        return
    with tempfile.TemporaryDirectory(prefix="transenc-train-") as workdir:
        yield workdir


def resumable(check_args: dict) -> dict:
    """Trainer arguments whose checkpoints hold everything a resume needs (the optimizer,
    the scheduler and the RNG states besides the weights): the best-kept checkpoint and the
    newest, or the newest alone."""
    if check_args.get("save_strategy") == "no":
        # TimedSaves decides when to save; the trainer keeps only the newest
        return {**check_args, "save_total_limit": 1}
    return {**check_args, "save_only_model": False}


def _checks(settings: TrainSettings, evaluator, examples: int) -> tuple:
    """(the evaluator, the trainer's callbacks, its arguments) for ``settings.keep_best``:
    without it, no evaluator and no checkpoint."""
    if not settings.keep_best:
        return None, None, {"save_strategy": "no"}
    if evaluator is None:
        raise TransencError("keep_best needs the held-back pairs to score")
    callbacks = None
    if settings.patience:
        from transformers import EarlyStoppingCallback

        callbacks = [EarlyStoppingCallback(early_stopping_patience=settings.patience)]
    return evaluator, callbacks, best_kept_args(settings, examples)


def best_kept_args(settings: TrainSettings, examples: int) -> dict:
    """Trainer arguments that check the evaluator every ``check_every`` steps and end on the
    best-scoring weights."""
    every = settings.check_every or max(1, planned_steps(settings, examples) // 10)
    return {
        "eval_strategy": "steps",
        "eval_steps": every,
        "save_strategy": "steps",
        "save_steps": every,
        "save_only_model": True,  # the optimizer's state is never resumed from these
        "save_total_limit": 2,  # the best and the latest
        "load_best_model_at_end": True,
        "metric_for_best_model": "fidelity",
        "greater_is_better": True,
    }


def planned_steps(settings: TrainSettings, examples: int) -> int:
    """The optimizer steps a stage takes on ``examples``: its epochs' steps, or its floor
    where those are fewer."""
    return max(_epoch_steps(settings, examples), _floor(settings, examples))


def floor_steps(settings: TrainSettings, examples: int) -> int | None:
    """The floor (``min_steps``, capped at ``max_passes`` passes) where the epochs fall short
    of it (the trainer then runs that many steps), else ``None`` (the epochs decide)."""
    floor = _floor(settings, examples)
    return floor if floor > _epoch_steps(settings, examples) else None


def _floor(settings: TrainSettings, examples: int) -> int:
    if settings.max_passes:
        return min(settings.min_steps, settings.max_passes * _pass_steps(settings, examples))
    return settings.min_steps


def _epoch_steps(settings: TrainSettings, examples: int) -> int:
    return math.ceil(settings.epochs * _pass_steps(settings, examples))


def _pass_steps(settings: TrainSettings, examples: int) -> int:
    return math.ceil(examples / settings.batch_size)


def trainer_for(model) -> tuple[type, type]:
    """The sentence-transformers trainer and its arguments' class for a bi-, cross- or
    late-interaction encoder."""
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.multi_vector_encoder import (
        MultiVectorEncoder,
        MultiVectorEncoderTrainer,
        MultiVectorEncoderTrainingArguments,
    )

    if isinstance(model, CrossEncoder):
        return CrossEncoderTrainer, CrossEncoderTrainingArguments
    if isinstance(model, MultiVectorEncoder):
        return MultiVectorEncoderTrainer, MultiVectorEncoderTrainingArguments
    return SentenceTransformerTrainer, SentenceTransformerTrainingArguments


@contextmanager
def truncated_to(model, max_length: int) -> Iterator[None]:
    """Trains at ``max_length`` tokens, then restores the model's own limit before it is saved:
    a short training length is a cost saving, not a property the saved model should keep."""
    original = model.max_seq_length
    model.max_seq_length = max_length
    try:
        yield
    finally:
        model.max_seq_length = original


def save_model(model, output: Path, card: str) -> Path:
    """Saves ``model`` to ``output`` atomically, with ``card`` as its README.md model card."""
    if not is_main():  # rank 0 saves; the others read its copy after the stage's barrier
        return output
    from safetensors import SafetensorError

    with atomic_dir(output) as tmp:
        try:
            model.save(str(tmp))
        except SafetensorError as err:  # a full disk while safetensors writes the weights
            raise TransencError(
                f"{output}: cannot write the model ({_save_problem(err)})"
            ) from None
        (tmp / "README.md").write_text(card, encoding="utf-8")
    return output


def _save_problem(err: Exception) -> str:
    text = str(err)
    if "StorageFull" in text or "code: 28" in text:
        return "no space left on device"
    return shorten(text.strip().splitlines()[0] if text.strip() else type(err).__name__, 120)


def model_card(title: str, loader: str, lines: list[str]) -> str:
    """A short model card: what the model is, how it was made, how to load it."""
    body = "\n".join(f"- {line}" for line in lines)
    return (
        f"# {title}\n\nMade with transenc (Trans-Encoder style self-distillation from "
        f"unlabeled sentence pairs).\n\n## How it was made\n\n{body}\n\n## Use\n\n"
        f"```python\nfrom sentence_transformers import {loader}\n"
        f'model = {loader}("path/to/this/folder")\n```\n'
    )
