"""Prediction declarations and training settings, parsed and checked once.

A prediction is declared in the dbt vars (``audience__predictions``, ``audience__lookalikes`` in
dbt_project.yml), not coded. The SQL model ``propensity_declarations`` resolves each declaration's
dbt models to relation names and hands them over as JSON; the ``audience__propensity_*`` vars
arrive as one JSON string in the Python model's config. A bad declaration stops the build with a
message naming the prediction and the key.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from audience.settings import SettingsReader

ALGORITHMS = ("logistic_regression", "hist_gradient_boosting", "random_forest")
ENTITY_ID_COLUMNS = {"customer": "customer_id", "lead": "lead_id"}  # other entities name theirs
# How the champion is chosen on the validation rows: the lowest log loss, or the highest of the
# others (precision_at_k: the share of positives among the champion_top_share highest scores).
CHAMPION_METRICS = ("log_loss", "roc_auc", "pr_auc", "precision_at_k")
KINDS = ("propensity", "lookalike")
# on_new_cutoff: refit when the labeled rows per cutoff, the features, the declaration or the
# settings change; never: only when the declaration or the settings change; always: every build.
RETRAIN_POLICIES = ("on_new_cutoff", "always", "never")
DIRECTIONS = {"up": 1, "down": -1}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class PropensityConfigError(ValueError):
    """A prediction declaration or an audience__propensity_* var the models cannot use."""


@dataclass(frozen=True)
class HeuristicTerm:
    """One input of the cold-start score: higher values raise the score (up) or lower it."""

    column: str
    direction: int  # +1 or -1


@dataclass(frozen=True)
class PredictionSpec:
    name: str
    kind: str  # propensity | lookalike
    entity: str  # customer, lead, or any name with an id_column
    id_column: str
    feature_relation: str  # training rows (relation name, rendered by dbt)
    score_relation: str  # rows to score (the feature relation itself when not declared)
    # SQL rendered from the declaration by the macro audience_condition_sql (dbt checks the
    # grammar and the columns, quotes identifiers, re-escapes literals): never the user's text.
    label: str  # a column or a condition giving 0/1
    cutoff_column: str | None = None
    horizon_days: int | None = None
    population: str | None = None  # condition on training and scoring rows
    score_filter: str | None = None  # extra condition on scoring rows only
    features: tuple[str, ...] | None = None  # None: every usable column both relations share
    categorical_features: tuple[str, ...] = ()
    exclude_features: tuple[str, ...] = ()
    allow_leaky_features: tuple[str, ...] = ()
    algorithms: tuple[str, ...] = ALGORITHMS
    heuristic: tuple[HeuristicTerm, ...] = ()
    test_condition: str | None = None  # rendered SQL: labeled rows never trained on
    champion_metric: str = "log_loss"
    champion_top_share: float = 0.1  # the k of precision_at_k, as a share of the rows
    refit: bool = True  # the champion is refitted on every labeled row outside the test set
    # {algorithm: {parameter: (values...)}}: the grid searched instead of the adaptive default
    tuning: dict = field(default_factory=dict)
    # When a stored model is reused instead of refitted (audience.propensity.reuse): not part of
    # the model, so not of its fingerprint.
    retrain: str = "on_new_cutoff"
    # A model version that stays published whatever retrain says, until the pin is removed
    # (model_registry.is_pinned): not part of the model either.
    pinned_version: str | None = None
    label_column: str | None = None  # the label's column, when the label is one
    # What the user wrote, for messages (the rendered SQL above when absent).
    label_text: str | None = None
    population_text: str | None = None
    test_condition_text: str | None = None
    feature_model: str | None = None  # dbt model names (relation names hold the database)
    score_model: str | None = None

    @property
    def is_temporal(self) -> bool:
        return self.cutoff_column is not None

    @property
    def test_text(self) -> str | None:
        return self.test_condition_text or self.test_condition

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    def fingerprint_json(self) -> str:
        """The declaration without relation names, which hold the warehouse's database name:
        the same declaration gives the same model version whatever the warehouse file is called."""
        values = asdict(self)
        values.pop("feature_relation")
        values.pop("score_relation")
        values.pop("retrain")
        values.pop("pinned_version")
        return json.dumps(values, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class TrainingSettings:
    """The audience__propensity_* vars (see dbt_project.yml for what each means)."""

    min_positives: int = 50
    min_negatives: int = 50
    min_training_cutoffs: int = 2
    max_training_rows: int = 80_000
    max_validation_rows: int = 100_000
    cv_folds: int = 2
    holdout_share: float = 0.3
    seed: int = 42
    isotonic_min_rows: int = 5_000
    leakage_auc: float = 0.98
    reason_features: int = 4
    importance_rows: int = 3_000
    calibration_bins: int = 10
    notes: tuple[str, ...] = field(default=(), compare=False)

    def to_json(self) -> str:
        values = asdict(self)
        values.pop("notes")
        return json.dumps(values, sort_keys=True, separators=(",", ":"))


def training_settings_from_json(text: str | None) -> TrainingSettings:
    read = SettingsReader.from_json(text, "audience__propensity_", PropensityConfigError)
    at_least_one = ("cv_folds", "calibration_bins", "max_training_rows", "max_validation_rows")
    parsed = {}
    for name, default in asdict(TrainingSettings()).items():
        if name == "notes":
            continue
        minimum = 1 if name in at_least_one else 0
        if isinstance(default, int):
            parsed[name] = read.integer(name, default, minimum=minimum)
        else:
            parsed[name] = read.number(name, default, minimum=minimum)
    read.share("holdout_share", parsed["holdout_share"])
    if not 0.5 < parsed["leakage_auc"] <= 1:
        read.fail("leakage_auc", f"must be in (0.5, 1], got {parsed['leakage_auc']}")
    return TrainingSettings(**parsed)


def prediction_from_declaration(declaration: dict) -> PredictionSpec:
    """One row of propensity_declarations (its JSON) -> a checked PredictionSpec."""
    # The checks run in this order (the kwargs below included): with several bad keys, the
    # first one named is always the same.
    read = _Declaration(declaration)
    kind = _kind(read)
    entity = _entity(read)
    horizon = _horizon_days(read)
    algorithms = _algorithms(read)
    heuristic = _heuristic_terms(read)
    _require_horizon_with_cutoff(read, horizon)
    features = read.names("features") or None
    feature_relation = read.text("feature_relation", required=True)
    champion_metric = _choice(read, "champion_metric", "log_loss", CHAMPION_METRICS)
    retrain = _choice(read, "retrain", "on_new_cutoff", RETRAIN_POLICIES)
    return PredictionSpec(
        name=read.name,
        kind=kind,
        entity=entity,
        id_column=(read.text("id_column") or ENTITY_ID_COLUMNS[entity]).lower(),
        feature_relation=feature_relation,
        score_relation=read.text("score_relation") or feature_relation,
        label=read.text("label", required=True),
        label_column=(read.text("label_column") or "").lower() or None,
        label_text=read.text("label_text"),
        population_text=read.text("population_text"),
        feature_model=read.text("feature_model"),
        score_model=read.text("score_model"),
        cutoff_column=(read.text("cutoff_column") or "").lower() or None,
        horizon_days=horizon,
        population=read.text("population"),
        score_filter=read.text("score_filter"),
        features=features,
        categorical_features=read.names("categorical_features"),
        exclude_features=read.names("exclude_features"),
        allow_leaky_features=read.names("allow_leaky_features"),
        algorithms=algorithms,
        heuristic=heuristic,
        test_condition=read.text("test_condition"),
        test_condition_text=read.text("test_condition_text"),
        champion_metric=champion_metric,
        champion_top_share=_share(read.get("champion_top_share"), read.where),
        refit=_flag(read.get("refit", True), "refit", read.where),
        tuning=_tuning(read.get("tuning"), algorithms, read.where),
        retrain=retrain,
        pinned_version=read.text("pinned_version"),
    )


class _Declaration:
    """Reads of one declaration's keys; errors name the prediction (`where`) and the key. (Not
    audience.settings.SettingsReader: that one names vars, reads "none" as the default and
    lowercases choices, which declarations never did.)"""

    def __init__(self, declaration: dict):
        name = declaration.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise PropensityConfigError(
                f"prediction declaration {declaration!r}: 'name' must be a lowercase identifier"
                " (letters, digits, underscores)"
            )
        self.declaration = declaration
        self.name = name
        self.where = f"prediction {name!r}"

    def get(self, key: str, default=None):
        return self.declaration.get(key, default)

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.declaration.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise PropensityConfigError(f"{self.where}: '{key}' is required")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise PropensityConfigError(f"{self.where}: '{key}' must be text, got {value!r}")
        return str(value).strip()

    def names(self, key: str) -> tuple[str, ...]:
        """A list of names (or one name), stripped, lowercased, without repeats."""
        value = self.declaration.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PropensityConfigError(f"{self.where}: '{key}' must be a list of column names")
        return tuple(dict.fromkeys(v.strip().lower() for v in value))


def _kind(read: _Declaration) -> str:
    kind = read.text("kind") or "propensity"
    if kind not in KINDS:
        raise PropensityConfigError(f"{read.where}: 'kind' must be one of {', '.join(KINDS)}")
    return kind


def _entity(read: _Declaration) -> str:
    """The entity, lowercased; one without a default id column must declare its own."""
    entity = (read.text("entity", required=True) or "").lower()
    if not _NAME.match(entity):
        raise PropensityConfigError(
            f"{read.where}: 'entity' must be a lowercase identifier (customer, lead, or a name of"
            f" yours), got {entity!r}"
        )
    if entity not in ENTITY_ID_COLUMNS and not read.text("id_column"):
        raise PropensityConfigError(
            f"{read.where}: entity {entity!r} needs an 'id_column' (customer and lead default to"
            " customer_id and lead_id)"
        )
    return entity


def _horizon_days(read: _Declaration) -> int | None:
    horizon = read.get("horizon_days")
    if horizon is not None:
        try:
            horizon = int(horizon)
        except (TypeError, ValueError):
            raise PropensityConfigError(
                f"{read.where}: 'horizon_days' must be a whole number of days, got {horizon!r}"
            ) from None
        if horizon < 0:
            raise PropensityConfigError(f"{read.where}: 'horizon_days' must not be negative")
    return horizon


def _algorithms(read: _Declaration) -> tuple[str, ...]:
    algorithms = read.names("algorithms") or ALGORITHMS
    unknown = [a for a in algorithms if a not in ALGORITHMS]
    if unknown:
        raise PropensityConfigError(
            f"{read.where}: unknown algorithm(s) {', '.join(unknown)}; use {', '.join(ALGORITHMS)}"
        )
    return algorithms


def _heuristic_terms(read: _Declaration) -> tuple[HeuristicTerm, ...]:
    heuristic = read.get("heuristic") or {}
    if not isinstance(heuristic, dict):
        raise PropensityConfigError(
            f"{read.where}: 'heuristic' must map columns to up or down, got {heuristic!r}"
        )
    terms = []
    for column, direction in sorted(heuristic.items()):
        if direction not in DIRECTIONS:
            raise PropensityConfigError(
                f"{read.where}: heuristic column {column!r} must be 'up' or 'down', got"
                f" {direction!r}"
            )
        terms.append(HeuristicTerm(column.lower(), DIRECTIONS[direction]))
    return tuple(terms)


def _require_horizon_with_cutoff(read: _Declaration, horizon: int | None) -> None:
    if read.get("cutoff_column") and not horizon:
        raise PropensityConfigError(
            f"{read.where}: a prediction with a cutoff_column needs 'horizon_days' (the label"
            " window), so that no training label is observed after the validation cutoff"
        )


def _choice(read: _Declaration, key: str, default: str, choices: tuple[str, ...]) -> str:
    value = read.text(key) or default
    if value not in choices:
        raise PropensityConfigError(
            f"{read.where}: '{key}' must be one of {', '.join(choices)}, got {value!r}"
        )
    return value


def _share(value, where: str) -> float:
    if value is None:
        return 0.1
    try:
        share = float(value)
    except (TypeError, ValueError):
        share = float("nan")
    if isinstance(value, bool) or not 0 < share <= 1:
        raise PropensityConfigError(
            f"{where}: 'champion_top_share' must be a share in (0, 1], got {value!r}"
        )
    return share


def _flag(value, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise PropensityConfigError(f"{where}: '{key}' must be true or false, got {value!r}")
    return value


def _tuning(value, algorithms: tuple[str, ...], where: str) -> dict:
    """{algorithm: {parameter: [values]}} -> the same with tuples, checked for its form (the
    parameter names are checked against the estimators in candidates.check_tuning)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PropensityConfigError(
            f"{where}: 'tuning' must map algorithms to {{parameter: [values]}}, got {value!r}"
        )
    parsed = {}
    for algorithm, grid in sorted(value.items()):
        if algorithm not in algorithms:
            raise PropensityConfigError(
                f"{where}: 'tuning' names {algorithm!r}, which is not one of the prediction's"
                f" algorithms ({', '.join(algorithms)})"
            )
        if not isinstance(grid, dict) or not grid:
            raise PropensityConfigError(
                f"{where}: tuning.{algorithm} must map parameters to lists of values, got {grid!r}"
            )
        parsed[algorithm] = {}
        for parameter, values in sorted(grid.items()):
            values = values if isinstance(values, list) else [values]
            if not values or any(
                isinstance(v, bool) or not (v is None or isinstance(v, (int, float, str)))
                for v in values
            ):
                raise PropensityConfigError(
                    f"{where}: tuning.{algorithm}.{parameter} must be a list of numbers, names or"
                    f" null, got {values!r}"
                )
            parsed[algorithm][str(parameter)] = tuple(values)
    return parsed


def predictions_from_rows(rows: list[tuple[str, str]]) -> list[PredictionSpec]:
    """(name, declaration JSON) rows of propensity_declarations -> specs, names unique."""
    specs = [prediction_from_declaration(json.loads(text)) for _, text in rows]
    seen = set()
    for spec in specs:
        if spec.name in seen:
            raise PropensityConfigError(
                f"prediction {spec.name!r} is declared twice (names must be unique across"
                " audience__predictions and audience__lookalikes)"
            )
        seen.add(spec.name)
    return specs
