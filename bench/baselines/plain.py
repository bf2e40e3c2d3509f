"""The by-hand way: sentence-transformers' trainers with their default settings.

Only what defines the optimisation is passed (epochs, batch size, learning rate, warm-up, max
length, seed), so a comparison with transenc measures how the training runs, not what it
learns. No transenc code is used here.
"""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset


def train(model, columns: dict, loss, settings, seed: int, workdir: Path) -> Path:
    """Trains ``model`` on ``columns`` with ``loss``; saves it to ``workdir/model``."""
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.cross_encoder import (
        CrossEncoder,
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )

    is_cross = isinstance(model, CrossEncoder)
    args_class = CrossEncoderTrainingArguments if is_cross else SentenceTransformerTrainingArguments
    trainer_class = CrossEncoderTrainer if is_cross else SentenceTransformerTrainer
    args = args_class(
        output_dir=str(workdir),
        num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_ratio,  # a float below 1 is a ratio in transformers 5
        seed=seed,
        save_strategy="no",
        report_to="none",
    )
    model.max_seq_length = settings.max_length
    trainer = trainer_class(
        model=model, args=args, train_dataset=Dataset.from_dict(columns), loss=loss
    )
    trainer.train()
    model.save(str(workdir / "model"))
    return workdir / "model"
