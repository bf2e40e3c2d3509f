"""The recipe file's layout: one section per stage (format 2), and the flat keys of format 1.

Format 2 groups each stage's objective, the objective's parameters and its training settings::

    format = 2
    rounds = 1
    [round]
    steps = ["label-bi", "train-cross", "label-cross", "mix-labels", "train-bi"]
    [label]
    precision = "auto"
    [cross]
    loss = "bce"
    label_map = "clip"
    epochs = 1
    [bi]
    loss = "cosent"
    cross_label_weight = 0.5
    max_length = 32
    [bi.params]
    [bi.dual_reg]

Format 1 (recipes and run directories made before it) had the objectives and label settings as
top-level keys (``bi_loss``, ``label_map``, ``cross_label_weight``, ...); it is still read,
and a run directory's saved ``recipe.toml`` is rewritten in format 2. Both formats map onto the
same :class:`~transenc.recipe.Recipe` fields, so a recipe's fingerprint does not depend on the
format it was written in.
"""

from __future__ import annotations

import json

from transenc.errors import TransencError

FORMAT = 2
FORMATS = (1, 2)
# the training settings' section of each stage (format 1 called contrastive's
# ``contrastive_training``, since ``contrastive`` was its on/off switch)
SECTIONS = {"contrastive": "contrastive_training", "cross": "cross", "bi": "bi", "late": "late"}
# (section, key) in format 2 -> the Recipe field it sets
NESTED = {
    ("contrastive", "enabled"): "contrastive",
    ("round", "steps"): "round_steps",
    ("label", "both_orders"): "cross_label_both_orders",
    ("label", "batch_size"): "label_batch_size",
    ("label", "precision"): "label_precision",
    ("label", "weights"): "label_weights",
    ("label", "start_teacher"): "start_teacher",
    ("cross", "loss"): "cross_loss",
    ("cross", "params"): "cross_loss_params",
    ("cross", "label_map"): "label_map",
    ("cross", "start"): "cross_start",
    ("cross", "pair_pool"): "cross_pair_pool",
    ("bi", "loss"): "bi_loss",
    ("bi", "params"): "bi_loss_params",
    ("bi", "dual_reg"): "bi_dual_reg",
    ("bi", "start_anchor"): "bi_start_anchor",
    ("bi", "cross_label_weight"): "cross_label_weight",
    ("bi", "unchecked_cross_label_weight"): "unchecked_cross_label_weight",
    ("bi", "unchecked_pair_pool"): "bi_unchecked_pair_pool",
    ("bi", "round_start"): "bi_round_start",
    ("late", "loss"): "late_loss",
    ("late", "params"): "late_loss_params",
    ("late", "label_weight"): "late_label_weight",
}
TOP_LEVEL = ("name", "rounds", "seed", "max_pairs", "augment", "held_back", "model_settings")
FLAT_ONLY = set(NESTED.values()) | {"contrastive_training"}


def detect_format(data: dict, source: str) -> int:
    """The file's ``format``, or, where it says none, the one its keys are written in."""
    if "format" in data:
        value = data["format"]
        if isinstance(value, bool) or value not in FORMATS:
            raise TransencError(
                f"{source}: recipe format {value!r} unknown; this transenc reads formats "
                f"{', '.join(map(str, FORMATS))}"
            )
        return value
    flat = sorted(k for k in data if k in FLAT_ONLY and not _is_section(k, data[k]))
    nested = sorted(k for k in data if k in ("round", "label") or _is_section(k, data[k]))
    nested += sorted(
        f"[{section}] {key}"
        for (section, key) in NESTED
        if isinstance(data.get(section), dict) and key in data[section]
    )
    if flat and nested:
        raise TransencError(
            f"{source}: mixes format 1 keys ({', '.join(flat)}) with format 2 sections "
            f"({', '.join(nested)}); write one or the other"
        )
    return 2 if nested else 1


def spellings(data: dict, source: str) -> dict[str, str]:
    """Recipe field -> how a format 2 file spells it (``bi_start_anchor`` -> ``[bi]
    start_anchor``), for messages; a format 1 file spells every field as it is."""
    if detect_format(data, source) != 2:
        return {}
    return {field_name: f"[{section}] {key}" for (section, key), field_name in NESTED.items()}


def _is_section(key: str, value) -> bool:
    return key == "contrastive" and isinstance(value, dict)


def to_flat(data: dict, source: str) -> dict:
    """A format 2 recipe's values under the Recipe's field names (format 1 passes through)."""
    data = dict(data)
    if detect_format(data, source) == 1:
        data.pop("format", None)
        return data
    data.pop("format", None)
    flat: dict = {}
    for key, value in data.items():
        if key == "model_settings" and isinstance(value, dict):
            flat[key] = {
                model: _renamed(sections, SECTIONS) if isinstance(sections, dict) else sections
                for model, sections in value.items()
            }
        elif key in TOP_LEVEL:
            flat[key] = value
        elif key in (*SECTIONS, "round", "label"):
            if not isinstance(value, dict):
                raise TransencError(f"{source}: [{key}] must be a table")
            settings = {}
            for item, item_value in value.items():
                if (key, item) in NESTED:
                    flat[NESTED[key, item]] = item_value
                elif key in SECTIONS:
                    settings[item] = item_value  # a training setting, checked by the Recipe
                else:
                    keys = [k for (s, k) in NESTED if s == key]
                    raise TransencError(
                        f"{source}: unknown key {item!r} in [{key}]; it takes {', '.join(keys)}"
                    )
            if settings or (key in SECTIONS and not value):
                flat[SECTIONS[key]] = settings
        else:
            raise TransencError(f"{source}: unknown recipe key {key!r}")
    return flat


def to_nested(flat: dict) -> dict:
    """A Recipe's fields (``Recipe.to_dict()``) laid out as format 2."""
    nested: dict = {"format": FORMAT}
    for key in TOP_LEVEL:
        if key in flat and key != "model_settings":
            nested[key] = flat[key]
    for (section, key), field_name in NESTED.items():
        nested.setdefault(section, {})[key] = flat[field_name]
    for section, field_name in SECTIONS.items():
        nested.setdefault(section, {}).update(flat[field_name])
    back = {field_name: section for section, field_name in SECTIONS.items()}
    nested["model_settings"] = {
        model: _renamed(sections, back) for model, sections in flat["model_settings"].items()
    }
    return nested


def _renamed(sections: dict, names: dict) -> dict:
    return {names.get(name, name): value for name, value in sections.items()}


def dumps(nested: dict) -> str:
    """TOML text of a format 2 recipe: plain values first, then each table."""
    lines = ["# transenc recipe (resolved)"]
    tables: dict[str, dict] = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            tables.update(_flatten_tables(key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for table, values in tables.items():
        lines.append(f"\n[{table}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _flatten_tables(name: str, table: dict) -> dict[str, dict]:
    """``{"a": {"b": {"x": 1}}}`` -> ``{"a.b": {"x": 1}}``: nested tables as TOML headers."""
    plain = {k: v for k, v in table.items() if not isinstance(v, dict)}
    result = {name: plain} if plain or not table else {}
    for key, value in table.items():
        if isinstance(value, dict):
            result.update(_flatten_tables(f"{name}.{_toml_key(key)}", value))
    return result


def _toml_key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)
