"""How much of each evaluated task a training corpus contains: the protocol of a quality claim.

A pair counts as contained when the corpus holds the same two sentences, in either order. A task
whose pairs are all in the corpus is evaluated *transductively* (the model saw its inputs, never
its labels); none, *inductively*; anything between, *partly*.
"""

from __future__ import annotations

from transenc.data.corpus import PairCorpus

SETTINGS = ("transductive", "partly", "inductive")


def setting_of(contained: int, total: int) -> str:
    if contained == 0:
        return "inductive"
    return "transductive" if contained == total else "partly"


def overlap_by_task(corpus: PairCorpus, tasks: dict[str, PairCorpus]) -> dict[str, dict]:
    """Per task: its scored pairs, how many of them the corpus contains, and the setting."""
    trained = {frozenset(pair) for pair in corpus.pairs}
    result = {}
    for name, task in tasks.items():
        contained = sum(frozenset(pair) in trained for pair in task.pairs)
        result[name] = {
            "pairs": len(task),
            "in_training": contained,
            "setting": setting_of(contained, len(task)),
        }
    return result


def markdown(overlap: dict[str, dict]) -> str:
    """The overlap as a markdown table, one row per task."""
    lines = ["| task | scored pairs | in the training corpus | setting |", "|---|---|---|---|"]
    for name, row in overlap.items():
        lines.append(f"| {name} | {row['pairs']} | {row['in_training']} | {row['setting']} |")
    return "\n".join(lines)
