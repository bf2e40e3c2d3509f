"""Recipes: every hyper-parameter of a bootstrap run, validated, loadable from TOML.

A recipe is a named TOML file (shipped ones live in ``transenc/recipes/``) or a user's file,
one section per stage (the layout, and the older flat one still read, are in
:mod:`transenc.recipe_format`); its fully resolved form is saved as ``recipe.toml`` in the
run directory, so a run can be repeated and a changed recipe under an existing run is detected.

    format = 2
    rounds = 3
    [cross]
    loss = "bce"
    label_map = "clip"
    epochs = 1
    [bi]
    loss = "cosent"
    learning_rate = 2e-5

In Python the recipe is flat: :class:`Recipe` has one field per value (``bi_loss``,
``cross_label_weight``, ``bi`` for the bi-encoder's training settings, ...).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path

from transenc import objectives, recipe_format
from transenc.errors import TransencError
from transenc.labels import LABEL_WEIGHTINGS
from transenc.manifest import recorded_fields
from transenc.objectives import start_anchor
from transenc.precision import PRECISIONS  # auto, fp32, bf16: see transenc.precision
from transenc.train_settings import (  # noqa: F401 - TrainSettings is imported from here too
    TrainSettings,
    bi_defaults,
    check_section,
    check_type,
    contrastive_defaults,
    cross_defaults,
    late_defaults,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LABEL_MAPS = ("clip", "minmax")
# where each round's bi-encoder training starts: the previous round's bi-encoder (published),
# the run's starting bi-encoder after the contrastive stage (initial), or the model the user
# gave, before any contrastive stage (start)
BI_ROUND_STARTS = ("previous", "initial", "start")
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
    "held_back": 0.0,
    "augment": False,
    "start_teacher": False,
    "cross_start": "bi",
    "cross_pair_pool": 1.0,
    "unchecked_cross_label_weight": "same",
    "bi_start_anchor": 0.0,
    "bi_unchecked_pair_pool": 1.0,
}
TRAIN_SECTIONS = ("contrastive_training", "cross", "bi", "late")
DEFAULT_RECIPE = "published"
RECIPES_PACKAGE = "transenc.recipes"


_KEYS_ADDED_LATER["late"] = asdict(late_defaults())


@dataclass
class Recipe:
    """Everything that shapes a bootstrap run except its inputs (corpus, models).

    Attributes:
        rounds: bi -> cross -> bi cycles after the contrastive stage.
        contrastive: run the SimCSE-style stage before round 1.
        label_map: how cosine labels become BCE targets in [0, 1]: ``clip`` (raw cosine
            clipped to [0, 1]) or ``minmax`` (rescaled by the corpus's min and max).
        cross_label_both_orders: cross-encoder labels average (s1, s2) and (s2, s1).
        cross_start: where round 1's cross-encoder starts: ``bi`` (the round's bi-encoder's
            body with a fresh head, as published) or a model (a folder, a hub id, ``mpnet``):
            a larger model's body (a fresh head), or a cross-encoder trained elsewhere (its own
            head: a reranker to adapt). Later rounds continue from the last cross-encoder.
        cross_pair_pool: how many pairs the cross-encoder trains on, as a multiple of the
            corpus (``1``: the corpus's pairs, as published). Above 1 the corpus's own
            sentences are mined once, by the starting models and any bi-encoder teachers
            (nearest neighbours and random partners, no pair repeated), up to that many pairs
            in all; every round labels them with the bi-encoder labels' sources and the
            cross-encoder trains on them, while the bi-encoder still learns the corpus's pairs.
        cross_loss, cross_loss_params: the bi -> cross objective (:mod:`transenc.objectives`,
            side ``cross``; ``bce`` as published) and its parameters.
        cross_label_weight: the bi-encoder learns this weight times the cross-encoder's score
            plus the rest times its own cosine label of the round (``1.0``: pure cross labels,
            as published; below 1 the bi-encoder's own view regularises what it learns; ``0``:
            the bi-encoder learns its round's own labels only, and the cross-encoder trains
            for reranking beside it). In a
            cascade whose ``mix-labels`` follows ``label-late``, the late labels (as mixed by
            ``late_label_weight``) take the cross-encoder's place.
        unchecked_cross_label_weight: ``cross_label_weight`` where the round's cross-encoder
            could not be checked on held-back pairs (fewer than its ``min_checked_pairs``, or
            no ``keep_best``): nothing vouches for its labels there. ``"same"`` (the default):
            ``cross_label_weight`` whatever the checks.
        bi_unchecked_pair_pool: where the corpus is too small for the bi-encoder's stage to
            check itself (fewer than its ``min_checked_pairs`` held back), the bi-encoder trains
            on this many times the corpus's pairs (``1``: the corpus's, as published): the
            corpus's, then pairs mined from its own sentences by the starting models (as
            ``cross_pair_pool``), labelled by the bi-encoder labels' sources, so that its stage
            can check itself on held-back pairs and stop where they stop improving. Only where
            the bi-encoder's targets are those labels alone (the round's cross-encoder weight 0,
            as ``unchecked_cross_label_weight = 0`` gives); the deploy line still counts the
            corpus's held-back pairs, not the pool's, before it vouches for a trained model.
        bi_loss: the cross -> bi objective (:mod:`transenc.objectives`): ``cosine-mse``
            (published: MSE between cosine and label) or ``cosent`` (the cosines rank each
            batch's pairs as the labels do) or ``kl-listwise`` (each batch's softmax of cosines
            matches that of the labels); ``bi_loss_params`` its parameters, if it has any.
        bi_dual_reg: DualReg on top of the bi objective, ``{weight = 0.1, temperature = 0.05}``
            (empty or weight 0: off); see :mod:`transenc.objectives.dual_reg`.
        bi_start_anchor: the weight of a term keeping each sentence's embedding near the one the
            bi-encoder's start model gives (0: off); see :mod:`transenc.objectives.start_anchor`.
        round_steps: the steps of every round, in order (see ``ROUND_STEPS``); each must find
            what it needs from the steps before it.
        bi_round_start: each round trains the bi-encoder from the ``previous`` round's
            bi-encoder (as published) or from the ``initial`` one (the run's starting bi-encoder,
            after the contrastive stage if any), so that rounds do not stack fine-tunings, or
            from the ``start`` (the model as given, before any contrastive stage: SimCSE then
            only shapes the labels, never the weights handed over); labels always come from the
            latest bi-encoder.
        max_pairs: train on a random sample of this many pairs, drawn with ``seed`` (``0``: all).
        augment: a run given pairs also mines pairs from their own sentences and trains on
            both (``bootstrap --augment``, which the command line can turn on or off).
        held_back: the share of the pairs each training stage (train-cross, train-bi,
            train-late) keeps out of its training, drawn anew from its seed; fidelity is also
            measured on them, so that a student that memorises its targets shows (``0``: off).
        label_precision: ``fp32`` (labels exact) or ``bf16`` (faster on CPUs with bfloat16
            units; labels differ in the 3rd decimal, rank agreement above 0.999).
        seed: seeds every stage (each stage derives its own from it).
        start_teacher: each starting model, frozen, labels the corpus once (before any SimCSE
            stage), and those labels join every bi-encoder labelling whose models are no longer
            the start (after the SimCSE stage, in later rounds), after the teachers: the start's
            view of the pairs stays in the cross-encoder's training labels and in the
            bi-encoder's targets.
        label_weights: how each labelling step combines its sources (the trained models, then
            the frozen teachers, then the starting models): ``equal``, ``agreement`` (in
            proportion to each source's mean Spearman with the others; equal for two sources)
            or a list of fixed weights.
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
    unchecked_cross_label_weight: float | str = "same"
    bi_round_start: str = "previous"
    cross_start: str = "bi"
    cross_pair_pool: float = 1.0
    cross_loss: str = DEFAULT_CROSS_LOSS
    cross_loss_params: dict = field(default_factory=dict)
    bi_loss: str = DEFAULT_BI_LOSS
    bi_loss_params: dict = field(default_factory=dict)
    bi_dual_reg: dict = field(default_factory=dict)
    bi_start_anchor: float = 0.0
    bi_unchecked_pair_pool: float = 1.0
    round_steps: list[str] = field(default_factory=lambda: list(DEFAULT_ROUND_STEPS))
    max_pairs: int = 0
    augment: bool = False
    held_back: float = 0.0
    seed: int = 42
    label_batch_size: int = 64
    label_precision: str = "fp32"
    label_weights: str | list[float] = "equal"
    start_teacher: bool = False
    model_settings: dict[str, dict[str, dict]] = field(default_factory=dict)
    contrastive_training: TrainSettings = field(default_factory=contrastive_defaults)
    cross: TrainSettings = field(default_factory=cross_defaults)
    bi: TrainSettings = field(default_factory=bi_defaults)
    late_loss: str = DEFAULT_LATE_LOSS
    late_loss_params: dict = field(default_factory=dict)
    late_label_weight: float = 1.0
    late: TrainSettings = field(default_factory=late_defaults)

    def __post_init__(self) -> None:
        if self.rounds < 1:
            raise TransencError("recipe rounds must be at least 1")
        if self.label_map not in LABEL_MAPS:
            raise TransencError(
                f"recipe [cross] label_map {self.label_map!r} unknown; use one of "
                f"{', '.join(LABEL_MAPS)}"
            )
        if not 0 <= self.cross_label_weight <= 1:
            raise TransencError("recipe [bi] cross_label_weight must be in [0, 1]")
        self.cross_label_weight = float(self.cross_label_weight)
        unchecked = self.unchecked_cross_label_weight
        if unchecked != "same":
            if isinstance(unchecked, bool) or not isinstance(unchecked, (int, float)):
                raise TransencError(
                    'recipe [bi] unchecked_cross_label_weight must be a number in [0, 1] or "same"'
                )
            if not 0 <= unchecked <= 1:
                raise TransencError("recipe [bi] unchecked_cross_label_weight must be in [0, 1]")
            self.unchecked_cross_label_weight = float(unchecked)
        if self.bi_round_start not in BI_ROUND_STARTS:
            raise TransencError(
                f"recipe [bi] round_start {self.bi_round_start!r} unknown; use one of "
                f"{', '.join(BI_ROUND_STARTS)}"
            )
        _check_objective("cross", self.cross_loss, self.cross_loss_params)
        weights = (self.cross_label_weight, self.unchecked_cross_label_weight)
        mixed = any(w != "same" and w > 0 for w in weights)
        if objectives.get(self.cross_loss, "cross").listwise and mixed:
            # a ranking loss leaves the scores' scale free: they are no cosine-like targets
            raise TransencError(
                f"recipe [cross] loss {self.cross_loss!r} ranks each sentence's candidates and "
                "its scores are not on the cosine scale, so the bi-encoder cannot learn them: "
                "set [bi] cross_label_weight = 0, or use loss bce"
            )
        if self.bi_loss not in objectives.names("bi"):
            raise TransencError(
                f"recipe [bi] loss {self.bi_loss!r} unknown; use one of "
                f"{', '.join(objectives.names('bi'))}"
            )
        if not isinstance(self.bi_loss_params, dict):
            raise TransencError("recipe [bi.params] must be a table")
        objectives.parse_params(
            objectives.get(self.bi_loss, "bi"), self.bi_loss_params, "recipe [bi.params]"
        )
        objectives.parse_dual_reg(self.bi_dual_reg, "recipe [bi.dual_reg]")
        try:
            self.bi_start_anchor = start_anchor.check(
                self.bi_start_anchor, "recipe [bi] start_anchor"
            )
        except ValueError as error:
            raise TransencError(str(error)) from None
        # the steps' names and order are checked by the pipeline against its registry
        # (transenc.pipeline.registry.check_recipe): the recipe sits below the pipeline
        if (
            not isinstance(self.round_steps, list)
            or not self.round_steps
            or not all(isinstance(s, str) for s in self.round_steps)
        ):
            raise TransencError("recipe round_steps must be a list of step names")
        if self.late_loss not in objectives.names("late"):
            raise TransencError(
                f"recipe [late] loss {self.late_loss!r} unknown; use one of "
                f"{', '.join(objectives.names('late'))}"
            )
        objectives.parse_params(
            objectives.get(self.late_loss, "late"),
            self.late_loss_params,
            "recipe [late.params]",
        )
        if not 0 < self.late_label_weight <= 1:
            raise TransencError("recipe [late] label_weight must be in (0, 1]")
        self.late_label_weight = float(self.late_label_weight)
        if self.max_pairs < 0:
            raise TransencError("recipe max_pairs must be 0 (all) or positive")
        if not isinstance(self.augment, bool):
            raise TransencError("recipe augment must be true or false")
        if not isinstance(self.cross_start, str) or not self.cross_start.strip():
            raise TransencError("recipe [cross] start must be 'bi' or a model (folder or id)")
        for attribute, key in (
            ("cross_pair_pool", "[cross] pair_pool"),
            ("bi_unchecked_pair_pool", "[bi] unchecked_pair_pool"),
        ):
            pool = getattr(self, attribute)
            if isinstance(pool, bool) or not (isinstance(pool, (int, float)) and 1 <= pool <= 1000):
                raise TransencError(f"recipe {key} must be a number from 1 to 1000")
            setattr(self, attribute, float(pool))
        if not isinstance(self.start_teacher, bool):
            raise TransencError("recipe [label] start_teacher must be true or false")
        if isinstance(self.held_back, bool) or not 0 <= self.held_back <= 0.5:
            raise TransencError("recipe held_back must be a share in [0, 0.5]")
        self.held_back = float(self.held_back)
        if self.label_batch_size < 1:
            raise TransencError("recipe [label] batch_size must be at least 1")
        if self.label_precision not in PRECISIONS:
            raise TransencError(f"recipe [label] precision must be one of {', '.join(PRECISIONS)}")
        for section in TRAIN_SECTIONS:
            getattr(self, section).check(section)
            keep_best = getattr(self, section).keep_best
            if keep_best and section == "contrastive_training":
                raise TransencError(
                    "recipe [contrastive] keep_best: the SimCSE stage has no targets to score"
                )
            if keep_best and not self.held_back:
                raise TransencError(
                    f"recipe [{section}] keep_best scores the held-back pairs: set held_back "
                    "(a share such as 0.05)"
                )
        self._check_label_weights()
        for model, sections in self.model_settings.items():
            for section in TRAIN_SECTIONS:
                if section in sections:
                    self.settings_for(model, section).check(f"model_settings.{model}.{section}")
        # the base [bi] section, then each model's own (settings_for(None) is the base)
        chunked = any(
            self.settings_for(model, "bi").length_chunk for model in (None, *self.model_settings)
        )
        if self.bi_loss == "virt" and chunked:
            # its hooks collect every layer's queries and keys over the whole batch
            raise TransencError(
                "recipe [bi] length_chunk does not work with bi_loss 'virt' (it reads the "
                "attention of the whole batch); set it to 0"
            )

    def _check_label_weights(self) -> None:
        weights = self.label_weights
        if isinstance(weights, str):
            if weights not in LABEL_WEIGHTINGS:
                raise TransencError(
                    f"recipe [label] weights {weights!r} unknown; use one of "
                    f"{', '.join(LABEL_WEIGHTINGS)} or a list of numbers"
                )
            return
        if not isinstance(weights, list) or not weights:
            raise TransencError("recipe [label] weights must be a name or a list of numbers")
        for value in weights:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (0 <= value < float("inf"))
            ):
                raise TransencError("recipe [label] weights: each weight must be a number >= 0")
        if sum(weights) <= 0:
            raise TransencError("recipe [label] weights: at least one weight must be positive")
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
        """A recipe from a TOML table of either format (:mod:`transenc.recipe_format`), each
        value checked against its field: a section's keys and types against
        :class:`TrainSettings`, a plain value against its default's type; tables, lists and
        choices are checked by ``__post_init__``."""
        spelled = recipe_format.spellings(data, source)  # field -> the key as the file wrote it
        data = recipe_format.to_flat(data, source)
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise TransencError(f"{source}: unknown recipe key(s) {', '.join(unknown)}")
        values = {}
        defaults = cls()
        for key, value in data.items():
            default = getattr(defaults, key)
            if isinstance(default, TrainSettings):
                check_section(value, key, source)
                values[key] = TrainSettings(**{**asdict(default), **value})
            elif key == "model_settings":
                values[key] = _model_settings(value, source)
            else:
                if not isinstance(default, (dict, list)) and "|" not in str(known[key].type):
                    check_type(value, default, spelled.get(key, key), source)
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
        for section in TRAIN_SECTIONS:
            if isinstance(data.get(section), dict):
                data[section] = recorded_fields(TrainSettings(**data[section]))
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def to_toml(self) -> str:
        """The resolved recipe in the current format (:mod:`transenc.recipe_format`)."""
        return recipe_format.dumps(recipe_format.to_nested(self.to_dict()))


def _check_objective(side: str, name: str, params: dict) -> None:
    if name not in objectives.names(side):
        raise TransencError(
            f"recipe [{side}] loss {name!r} unknown; use one of {', '.join(objectives.names(side))}"
        )
    objectives.parse_params(objectives.get(name, side), params, f"recipe [{side}.params]")


def _model_settings(value, source: str) -> dict:
    """``[model_settings.MODEL.SECTION]`` tables, checked; values normalised through
    TrainSettings and back, so that 1 and 1.0 give one fingerprint."""
    if not isinstance(value, dict):
        raise TransencError(f"{source}: [model_settings] must be a table")
    for model, sections in value.items():
        if not isinstance(sections, dict) or set(sections) - set(TRAIN_SECTIONS):
            raise TransencError(
                f"{source}: [model_settings.{model}] may only hold the tables "
                f"{', '.join(TRAIN_SECTIONS)}"
            )
        for section, changes in sections.items():
            check_section(changes, f"model_settings.{model}.{section}", source)
    return {
        model: {
            section: {k: v for k, v in asdict(TrainSettings(**changes)).items() if k in changes}
            for section, changes in sections.items()
        }
        for model, sections in value.items()
    }


def load_recipe(name_or_path: str | Path | None) -> Recipe:
    """A shipped recipe by name (``published``, ``cpu``, ``demo``, ...) or a TOML file."""
    if name_or_path is None:
        name_or_path = DEFAULT_RECIPE
    path = Path(name_or_path)
    text_name = str(name_or_path)
    # a shipped name means the shipped recipe, even beside a folder of that name; a path is a
    # .toml, a name with a separator, or a file that is no shipped name
    shipped = (resources.files(RECIPES_PACKAGE) / f"{text_name}.toml").is_file()
    looks_like_path = path.suffix == ".toml" or "/" in text_name or "\\" in text_name
    if looks_like_path or (not shipped and path.is_file()):
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
