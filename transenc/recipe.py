"""Recipes: every hyper-parameter of a bootstrap run, validated, loadable from TOML.

A recipe is a named TOML file (shipped ones live in ``transenc/recipes/``) or a user's file;
its fully resolved form is saved as ``recipe.toml`` in the run directory, so a run can be
repeated and a changed recipe under an existing run is detected.

    rounds = 3
    label_map = "clip"
    [cross]
    epochs = 1
    learning_rate = 2e-5
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path

from transenc import objectives
from transenc.errors import TransencError
from transenc.labels import LABEL_WEIGHTINGS
from transenc.precision import PRECISIONS  # auto, fp32, bf16: see transenc.precision

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LABEL_MAPS = ("clip", "minmax")
# where each round's bi-encoder training starts: the previous round's bi-encoder (published) or
# the run's starting bi-encoder (after the contrastive stage, if any)
BI_ROUND_STARTS = ("previous", "initial")
# the cross -> bi objective of the published method (the others: transenc.stages.train_bi)
DEFAULT_BI_LOSS = "cosine-mse"
# bi -> cross: binary cross-entropy on the mapped cosines, as published
DEFAULT_CROSS_LOSS = "bce"
# cross -> late interaction in ERNIE-Search's cascade (train-late)
DEFAULT_LATE_LOSS = "maxsim-kl"
DEFAULT_ROUND_STEPS = ["label-bi", "train-cross", "label-cross", "mix-labels", "train-bi"]
CASCADE_ROUND_STEPS = [
    "label-bi",
    "train-cross",
    "label-cross",
    "train-late",
    "label-late",
    "train-bi",
]
# keys added after runs were made: left out of the fingerprint while at their default, so that
# run directories made before they existed still resume
_KEYS_ADDED_LATER = {
    "bi_loss": DEFAULT_BI_LOSS,
    "bi_loss_params": {},
    "label_weights": "equal",
    "model_settings": {},
    "round_steps": DEFAULT_ROUND_STEPS,
    "bi_dual_reg": {},
    "late_loss": DEFAULT_LATE_LOSS,
    "late_loss_params": {},
    "late_label_weight": 1.0,
    "cross_loss": DEFAULT_CROSS_LOSS,
    "cross_loss_params": {},
}
TRAIN_SECTIONS = ("contrastive_training", "cross", "bi", "late")
DEFAULT_RECIPE = "published"
RECIPES_PACKAGE = "transenc.recipes"


@dataclass
class TrainSettings:
    """One training stage: epochs, batch size, learning rate, linear warm-up, input length,
    and how the trainer runs: ``precision`` (``fp32``, ``bf16`` mixed precision, or ``auto``:
    bf16 where the device computes it natively, see :mod:`transenc.precision`) and
    ``length_grouped`` batches (see :mod:`transenc.batching`)."""

    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    max_length: int = 64
    precision: str = "fp32"
    # off by default: measured on STS-B train it cost a cross-encoder 1.1 points (bench.training)
    length_grouped: bool = False

    def __post_init__(self) -> None:
        # TOML writes 1 and 1.0 alike; normalise so equal recipes have equal fingerprints
        self.epochs = float(self.epochs)
        self.learning_rate = float(self.learning_rate)
        self.warmup_ratio = float(self.warmup_ratio)

    def check(self, section: str) -> None:
        if self.epochs <= 0:
            raise TransencError(f"recipe [{section}] epochs must be positive")
        if self.batch_size < 1:
            raise TransencError(f"recipe [{section}] batch_size must be at least 1")
        if not 0 < self.learning_rate < 1:
            raise TransencError(f"recipe [{section}] learning_rate must be in (0, 1)")
        if not 0 <= self.warmup_ratio < 1:
            raise TransencError(f"recipe [{section}] warmup_ratio must be in [0, 1)")
        if self.max_length < 4:
            raise TransencError(f"recipe [{section}] max_length must be at least 4")
        if self.precision not in PRECISIONS:
            raise TransencError(
                f"recipe [{section}] precision must be one of {', '.join(PRECISIONS)}"
            )


def _contrastive_defaults() -> TrainSettings:
    # unsupervised SimCSE: batch 64, lr 3e-5, max length 32, one epoch
    return TrainSettings(
        epochs=1, batch_size=64, learning_rate=3e-5, warmup_ratio=0.0, max_length=32
    )


def _cross_defaults() -> TrainSettings:
    return TrainSettings(
        epochs=1, batch_size=32, learning_rate=2e-5, warmup_ratio=0.1, max_length=64
    )


def _bi_defaults() -> TrainSettings:
    return TrainSettings(
        epochs=10, batch_size=128, learning_rate=5e-5, warmup_ratio=0.1, max_length=32
    )


def _late_defaults() -> TrainSettings:
    return TrainSettings(
        epochs=1, batch_size=32, learning_rate=2e-5, warmup_ratio=0.1, max_length=32
    )


_KEYS_ADDED_LATER["late"] = asdict(_late_defaults())


@dataclass
class Recipe:
    """Everything that shapes a bootstrap run except its inputs (corpus, models).

    Attributes:
        rounds: bi -> cross -> bi cycles after the contrastive stage.
        contrastive: run the SimCSE-style stage before round 1.
        label_map: how cosine labels become BCE targets in [0, 1]: ``clip`` (raw cosine
            clipped to [0, 1]) or ``minmax`` (rescaled by the corpus's min and max).
        cross_label_both_orders: cross-encoder labels average (s1, s2) and (s2, s1).
        cross_loss, cross_loss_params: the bi -> cross objective (:mod:`transenc.objectives`,
            side ``cross``; ``bce`` as published) and its parameters.
        cross_label_weight: the bi-encoder learns this weight times the cross-encoder's score
            plus the rest times its own cosine label of the round (``1.0``: pure cross labels,
            as published; below 1 the bi-encoder's own view regularises what it learns). In a
            cascade whose ``mix-labels`` follows ``label-late``, the late labels (as mixed by
            ``late_label_weight``) take the cross-encoder's place.
        bi_loss: the cross -> bi objective (:mod:`transenc.objectives`): ``cosine-mse``
            (published: MSE between cosine and label) or ``cosent`` (the cosines rank each
            batch's pairs as the labels do) or ``kl-listwise`` (each batch's softmax of cosines
            matches that of the labels); ``bi_loss_params`` its parameters, if it has any.
        bi_dual_reg: DualReg on top of the bi objective, ``{weight = 0.1, temperature = 0.05}``
            (empty or weight 0: off); see :mod:`transenc.objectives.dual_reg`.
        round_steps: the steps of every round, in order (see ``ROUND_STEPS``); each must find
            what it needs from the steps before it.
        bi_round_start: each round trains the bi-encoder from the ``previous`` round's
            bi-encoder (as published) or from the ``initial`` one (the run's starting bi-encoder,
            after the contrastive stage if any), so that rounds do not stack fine-tunings;
            labels always come from the latest bi-encoder.
        max_pairs: train on a random sample of this many pairs, drawn with ``seed`` (``0``: all).
        label_precision: ``fp32`` (labels exact) or ``bf16`` (faster on CPUs with bfloat16
            units; labels differ in the 3rd decimal, rank agreement above 0.999).
        seed: seeds every stage (each stage derives its own from it).
        label_weights: how each labelling step combines its sources (the trained models, then
            the frozen teachers): ``equal``, ``agreement`` (in proportion to each source's mean
            Spearman with the others; equal for two sources) or a list of fixed weights.
        model_settings: per-model changes to the training sections, for models of different
            sizes: ``{"mpnet": {"cross": {"batch_size": 16}}}`` (TOML
            ``[model_settings.mpnet.cross]``), keyed by the model as given to ``--model``.
        late_loss, late_loss_params, late: ERNIE-Search's cascade (round steps ``train-late``,
            ``label-late``; ``CASCADE_ROUND_STEPS``): the cross -> late-interaction objective
            (``maxsim-kl`` or ``maxsim-mse``), its parameters and training settings.
        late_label_weight: the bi-encoder's targets in a cascade: this weight x the
            late-interaction labels + the rest x the cross-encoder's (1: late labels only).
    """

    name: str = "published"
    rounds: int = 3
    contrastive: bool = True
    label_map: str = "clip"
    cross_label_both_orders: bool = True
    cross_label_weight: float = 1.0
    bi_round_start: str = "previous"
    cross_loss: str = DEFAULT_CROSS_LOSS
    cross_loss_params: dict = field(default_factory=dict)
    bi_loss: str = DEFAULT_BI_LOSS
    bi_loss_params: dict = field(default_factory=dict)
    bi_dual_reg: dict = field(default_factory=dict)
    round_steps: list[str] = field(default_factory=lambda: list(DEFAULT_ROUND_STEPS))
    max_pairs: int = 0
    seed: int = 42
    label_batch_size: int = 64
    label_precision: str = "fp32"
    label_weights: str | list[float] = "equal"
    model_settings: dict[str, dict[str, dict]] = field(default_factory=dict)
    contrastive_training: TrainSettings = field(default_factory=_contrastive_defaults)
    cross: TrainSettings = field(default_factory=_cross_defaults)
    bi: TrainSettings = field(default_factory=_bi_defaults)
    late_loss: str = DEFAULT_LATE_LOSS
    late_loss_params: dict = field(default_factory=dict)
    late_label_weight: float = 1.0
    late: TrainSettings = field(default_factory=_late_defaults)

    def __post_init__(self) -> None:
        if self.rounds < 1:
            raise TransencError("recipe rounds must be at least 1")
        if self.label_map not in LABEL_MAPS:
            raise TransencError(
                f"recipe label_map {self.label_map!r} unknown; use one of {', '.join(LABEL_MAPS)}"
            )
        if not 0 < self.cross_label_weight <= 1:
            raise TransencError("recipe cross_label_weight must be in (0, 1]")
        self.cross_label_weight = float(self.cross_label_weight)
        if self.bi_round_start not in BI_ROUND_STARTS:
            raise TransencError(
                f"recipe bi_round_start {self.bi_round_start!r} unknown; use one of "
                f"{', '.join(BI_ROUND_STARTS)}"
            )
        _check_objective("cross", self.cross_loss, self.cross_loss_params)
        if self.bi_loss not in objectives.names("bi"):
            raise TransencError(
                f"recipe bi_loss {self.bi_loss!r} unknown; use one of "
                f"{', '.join(objectives.names('bi'))}"
            )
        if not isinstance(self.bi_loss_params, dict):
            raise TransencError("recipe [bi_loss_params] must be a table")
        objectives.parse_params(
            objectives.get(self.bi_loss, "bi"), self.bi_loss_params, "recipe [bi_loss_params]"
        )
        objectives.parse_dual_reg(self.bi_dual_reg, "recipe [bi_dual_reg]")
        check_round_steps(self.round_steps, self)
        if self.late_loss not in objectives.names("late"):
            raise TransencError(
                f"recipe late_loss {self.late_loss!r} unknown; use one of "
                f"{', '.join(objectives.names('late'))}"
            )
        objectives.parse_params(
            objectives.get(self.late_loss, "late"),
            self.late_loss_params,
            "recipe [late_loss_params]",
        )
        if not 0 < self.late_label_weight <= 1:
            raise TransencError("recipe late_label_weight must be in (0, 1]")
        self.late_label_weight = float(self.late_label_weight)
        if self.max_pairs < 0:
            raise TransencError("recipe max_pairs must be 0 (all) or positive")
        if self.label_batch_size < 1:
            raise TransencError("recipe label_batch_size must be at least 1")
        if self.label_precision not in PRECISIONS:
            raise TransencError(f"recipe label_precision must be one of {', '.join(PRECISIONS)}")
        for section in TRAIN_SECTIONS:
            getattr(self, section).check(section)
        self._check_label_weights()
        for model, sections in self.model_settings.items():
            for section in TRAIN_SECTIONS:
                if section in sections:
                    self.settings_for(model, section).check(f"model_settings.{model}.{section}")

    def _check_label_weights(self) -> None:
        weights = self.label_weights
        if isinstance(weights, str):
            if weights not in LABEL_WEIGHTINGS:
                raise TransencError(
                    f"recipe label_weights {weights!r} unknown; use one of "
                    f"{', '.join(LABEL_WEIGHTINGS)} or a list of numbers"
                )
            return
        if not isinstance(weights, list) or not weights:
            raise TransencError("recipe label_weights must be a name or a list of numbers")
        for value in weights:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (0 <= value < float("inf"))
            ):
                raise TransencError("recipe label_weights: each weight must be a number >= 0")
        if sum(weights) <= 0:
            raise TransencError("recipe label_weights: at least one weight must be positive")
        self.label_weights = [float(v) for v in weights]

    def settings_for(self, model: str, section: str) -> TrainSettings:
        """The ``section``'s training settings for ``model``, with its ``model_settings``."""
        base = getattr(self, section)
        changes = self.model_settings.get(model, {}).get(section, {})
        return TrainSettings(**{**asdict(base), **changes}) if changes else base

    # --- (de)serialisation ---------------------------------------------------------------------

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, source: str = "recipe") -> Recipe:
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise TransencError(f"{source}: unknown recipe key(s) {', '.join(unknown)}")
        values = {}
        defaults = cls()
        for key, value in data.items():
            if key not in (
                *TRAIN_SECTIONS,
                "model_settings",
                "label_weights",
                "round_steps",
                "bi_loss_params",
                "bi_dual_reg",
                "late_loss_params",
                "cross_loss_params",
            ):
                _check_type(value, getattr(defaults, key), key, source)
            if key in TRAIN_SECTIONS:
                _check_section(value, key, source)
                base = asdict(getattr(cls(), key))
                values[key] = TrainSettings(**{**base, **value})
            elif key == "model_settings":
                if not isinstance(value, dict):
                    raise TransencError(f"{source}: [model_settings] must be a table")
                for model, sections in value.items():
                    if not isinstance(sections, dict) or set(sections) - set(TRAIN_SECTIONS):
                        raise TransencError(
                            f"{source}: [model_settings.{model}] may only hold the tables "
                            f"{', '.join(TRAIN_SECTIONS)}"
                        )
                    for section, changes in sections.items():
                        _check_section(changes, f"model_settings.{model}.{section}", source)
                # through TrainSettings and back: 1 and 1.0 give one fingerprint, as above
                values[key] = {
                    model: {
                        section: {
                            k: v
                            for k, v in asdict(TrainSettings(**changes)).items()
                            if k in changes
                        }
                        for section, changes in sections.items()
                    }
                    for model, sections in value.items()
                }
            else:
                values[key] = value
        try:
            return cls(**values)
        except TransencError as err:  # name the file the key came from
            message = str(err)
            if source != "recipe" and not message.startswith(source):
                message = f"{source}: {message}"
            raise TransencError(message) from None

    def with_overrides(self, **overrides) -> Recipe:
        """A copy with top-level values replaced (``None`` values are ignored)."""
        data = self.to_dict()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return Recipe.from_dict(data)

    def fingerprint(self) -> str:
        """What decides a run's results: every value but the name (a recipe copied to another
        file name is the same recipe)."""
        data = self.to_dict()
        del data["name"]
        for key, default in _KEYS_ADDED_LATER.items():
            if data[key] == default:
                del data[key]
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def to_toml(self) -> str:
        lines = ["# transenc recipe (resolved)"]
        tables = {}
        for key, value in self.to_dict().items():
            if isinstance(value, dict):
                tables.update(_flatten_tables(key, value))
            else:
                lines.append(f"{key} = {_toml_value(value)}")
        for table, values in tables.items():
            lines.append(f"\n[{table}]")
            lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        return "\n".join(lines) + "\n"


def check_round_steps(steps, recipe: Recipe | None = None) -> None:
    """Every step a known round step of the registry (:mod:`transenc.pipeline.registry`), and
    each finds what it needs from the steps before it (train-bi also needs the round's
    cross-encoders when ``recipe``'s objective needs the live teacher)."""
    from transenc.pipeline import registry

    registry.check_round_steps(steps, recipe, "recipe")


def _check_objective(side: str, name: str, params: dict) -> None:
    if name not in objectives.names(side):
        raise TransencError(
            f"recipe {side}_loss {name!r} unknown; use one of {', '.join(objectives.names(side))}"
        )
    objectives.parse_params(objectives.get(name, side), params, f"recipe [{side}_loss_params]")


def _check_section(value, name: str, source: str) -> None:
    if not isinstance(value, dict):
        raise TransencError(f"{source}: [{name}] must be a table")
    bad = sorted(set(value) - {f.name for f in fields(TrainSettings)})
    if bad:
        raise TransencError(f"{source}: unknown key(s) in [{name}]: {', '.join(bad)}")
    defaults = TrainSettings()
    for key, item in value.items():
        _check_type(item, getattr(defaults, key), f"[{name}] {key}", source)


def _check_type(value, default, key: str, source: str) -> None:
    """A value of the default's type: ``true``/``false`` for a switch (``"no"`` is not false),
    a whole number for a count (1.5 is not one), a finite number for a rate."""
    if isinstance(default, bool):
        expected, ok = "true or false", isinstance(value, bool)
    elif isinstance(default, int):
        expected, ok = "a whole number", isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        expected = "a finite number"
        ok = (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
    else:
        expected, ok = "a string", isinstance(value, str)
    if not ok:
        raise TransencError(f"{source}: {key} must be {expected}, not {value!r}")


def load_recipe(name_or_path: str | Path | None) -> Recipe:
    """A shipped recipe by name (``published``, ``cpu``, ``demo``, ...) or a TOML file."""
    if name_or_path is None:
        name_or_path = DEFAULT_RECIPE
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise TransencError(f"{path}: recipe file not found")
        try:
            text, source = path.read_text(encoding="utf-8"), str(path)
        except UnicodeDecodeError:
            raise TransencError(f"{path}: recipe file is not valid UTF-8") from None
        except OSError as err:
            raise TransencError(f"{path}: recipe file cannot be read ({err.strerror})") from None
    else:
        resource = resources.files(RECIPES_PACKAGE) / f"{name_or_path}.toml"
        if not resource.is_file():
            raise TransencError(
                f"unknown recipe {name_or_path!r}; shipped recipes: {', '.join(shipped_recipes())}"
            )
        text, source = resource.read_text(encoding="utf-8"), f"recipe {name_or_path}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TransencError(f"{source}: invalid TOML ({err})") from None
    data.setdefault("name", path.stem)
    return Recipe.from_dict(data, source)


def shipped_recipes() -> list[str]:
    folder = resources.files(RECIPES_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _flatten_tables(name: str, table: dict) -> dict[str, dict]:
    """``{"a": {"b": {"x": 1}}}`` -> ``{"a.b": {"x": 1}}``: nested tables as TOML headers."""
    plain = {k: v for k, v in table.items() if not isinstance(v, dict)}
    result = {name: plain} if plain or not table else {}
    for key, value in table.items():
        if isinstance(value, dict):
            result.update(_flatten_tables(f"{name}.{json.dumps(key)}", value))
    return result


def _toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)
