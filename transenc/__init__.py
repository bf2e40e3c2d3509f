"""transenc: bootstrap better sentence-pair models from unlabeled pairs.

The public API lives in the submodules (``transenc.data``, ``transenc.evaluate``, ...); importing
the package itself is cheap and has no side effects.
"""

__version__ = "0.1.0"
