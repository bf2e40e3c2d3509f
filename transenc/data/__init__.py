"""Data layer: the pair corpus type, STS benchmark loaders and unlabeled corpus readers."""

from transenc.data.corpus import PairCorpus
from transenc.data.readers import read_pair_file, resolve_corpus
from transenc.data.sts import (
    STS_TASKS,
    default_data_dir,
    load_evaluation_pairs,
    load_sts_sources,
    load_sts_task,
    load_transductive_pool,
)

__all__ = [
    "PairCorpus",
    "STS_TASKS",
    "default_data_dir",
    "load_evaluation_pairs",
    "load_sts_sources",
    "load_sts_task",
    "load_transductive_pool",
    "read_pair_file",
    "resolve_corpus",
]
