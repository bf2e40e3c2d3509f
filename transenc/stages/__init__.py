"""One module per stage of the trans-encoder loop; each has a config dataclass and ``run``.

A config declares its inputs, outputs and settings once (:mod:`declare`); the bootstrap loop
builds each stage's manifest from that declaration.

- :mod:`contrastive`: SimCSE-style dropout contrastive training of a bi-encoder.
- :mod:`label`: score every pair with one or more models (plus frozen teachers' label files)
  and write a pseudo-label file.
- :mod:`train_cross`: a cross-encoder learns bi-encoder labels (binary cross-entropy).
- :mod:`mix`: the bi-encoder's targets, cross labels mixed with its own.
- :mod:`train_bi`: a bi-encoder learns cross-encoder labels (an objective of
  :mod:`transenc.objectives`).
- :mod:`evaluation`: STS scores of a round's models.
"""
