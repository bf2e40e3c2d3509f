"""Input lengths that fit the corpus: ``max_length = "auto"``.

A fixed training length fits one corpus: 32 tokens covers STS's short sentences but cuts two
thirds of a biomedical corpus's. ``auto`` trains at the length that covers ``COVERAGE`` of the
stage's own inputs, in tokens of the model's tokenizer (special tokens included): the sentences
for a bi-encoder or a late-interaction model, the joint pairs for a cross-encoder; never above
the model's own limit (the length its labels were computed at), never below ``MIN_LENGTH``.

A stage may ask for more (``coverage``): the bi-encoder covers ``WHOLE`` of its sentences,
because its labels are cosines of the whole sentences, and a cut sentence taught the whole one's
label moves every weight to fit it. Measured on 12 corpora
(docs/results/notes/adapting-to-a-domain.md, "Whole sentences for the bi-encoder"): the worst,
STS12 SMTnews, +0.52 over three seeds; no corpus's mean more than 0.20 lower; the bi-encoder
stage up to 1.57x slower (UKP).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

AUTO = "auto"
COVERAGE = 0.99
WHOLE = 1.0  # every input, up to the model's limit
MIN_LENGTH = 8
SAMPLE = 20_000  # inputs measured at most (a seeded sample): the percentile needs no more


@dataclass(frozen=True)
class ChosenLength:
    tokens: int
    covers: float  # the share of the measured inputs at or under ``tokens``
    note: str


def covering_length(
    model, texts, pairs: bool, seed: int = 0, coverage: float = COVERAGE
) -> ChosenLength:
    """The length covering ``coverage`` of ``texts`` (sentences, or (a, b) pairs when
    ``pairs``), capped by the model's limit."""
    if len(texts) > SAMPLE:
        picked = np.random.default_rng(seed).choice(len(texts), SAMPLE, replace=False)
        texts = [texts[k] for k in sorted(picked)]
    tokenizer = model.tokenizer
    if pairs:
        encoded = tokenizer([a for a, _ in texts], [b for _, b in texts], truncation=False)
    else:
        encoded = tokenizer(list(texts), truncation=False)
    lengths = np.array([len(ids) for ids in encoded["input_ids"]])
    wanted = int(np.percentile(lengths, coverage * 100, method="higher"))
    limit = int(model.max_seq_length or wanted)
    tokens = max(MIN_LENGTH, min(wanted, limit))
    covers = float(np.mean(lengths <= tokens))
    what = "joint pairs" if pairs else "sentences"
    capped = f", capped by the model's {limit}" if wanted > limit else ""
    note = f"auto: {tokens} tokens cover {covers:.1%} of the {what}{capped}"
    return ChosenLength(tokens, covers, note)


def resolved(settings, model, texts, pairs: bool, seed: int = 0, coverage: float = COVERAGE):
    """``settings`` with ``max_length`` a number (``auto`` measured on ``texts`` at
    ``coverage``), and the note saying what was chosen (empty when the length was given)."""
    if settings.max_length != AUTO:
        return settings, ""
    chosen = covering_length(model, texts, pairs, seed, coverage)
    return replace(settings, max_length=chosen.tokens), chosen.note
