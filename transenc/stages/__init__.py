"""One module per stage of the trans-encoder loop; each has a config dataclass and ``run``.

- :mod:`contrastive`: SimCSE-style dropout contrastive training of a bi-encoder.
- :mod:`label`: score every pair with one or more models and write a pseudo-label file.
- :mod:`train_cross`: a cross-encoder learns bi-encoder labels (binary cross-entropy).
- :mod:`train_bi`: a bi-encoder learns cross-encoder labels (MSE on cosine, or CoSENT).
"""
