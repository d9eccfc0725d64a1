"""The candidate algorithms, their hyper-parameter grids, and a fitted candidate that turns
feature rows into log-odds.

Grids are small and adapt to the training rows (decision 0010): every setting is tried on each
cross-validation fold, and the training of the shipped predictions has to fit in a minute at 1M
customers. The minority class (the fewer of positives and negatives) sets the tier:

- fewer than 1,000 minority rows: boosting with small trees (4 or 7 leaves) and leaves of 10-20
  rows, learning rate 0.1. With a few hundred positives a 31-leaf tree with 40-100-row leaves
  fits noise in the first steps and cannot split where the positives are;
- 1,000 to 5,000: 7 or 15 leaves, leaves of 20-40 rows, learning rate 0.1;
- 5,000 and more: 15 or 31 leaves, leaves of 40-100 rows, learning rate 0.2 (fewer, larger
  steps: every tree is evaluated again for each reason code when scoring).

Always 60 boosting steps (what scoring costs). Logistic regression (C 0.05 or 1 on standardized
inputs) and the random forest (40 trees, leaves of 20 or 60 rows) are the same in every tier: on
the small imbalanced benchmark of tests/python/small_imbalanced.py their test AUC moved by less
than 0.002 with other settings. A declaration's `tuning` replaces the grid of an algorithm.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from audience.propensity.design import FeaturePlan
from audience.propensity.settings import PropensityConfigError
from audience.threads import cpu_threads

SMALL_MINORITY, LARGE_MINORITY = 1_000, 5_000
HGB_TREES = 60
HGB_GRIDS = {  # tier -> (learning rate, [(leaves, rows per leaf, L2 penalty), ...])
    "small": (0.1, [(7, 10, 1.0), (4, 20, 1.0)]),
    "medium": (0.1, [(7, 20, 1.0), (15, 40, 1.0)]),
    "large": (0.2, [(15, 100, 1.0), (31, 40, 0.0)]),
}
LOGISTIC_GRID = [{"C": 0.05}, {"C": 1.0}]
FOREST_GRID = [{"min_samples_leaf": 20}, {"min_samples_leaf": 60}]
# What the product sets itself (a tuning grid cannot): seeds, threads, categorical columns.
CONTROLLED = {"random_state", "n_jobs", "categorical_features", "verbose", "warm_start"}
MAX_GRID_SETTINGS = 64
PROBABILITY_FLOOR = 1e-12  # tree probabilities are clipped before taking log-odds


@dataclass
class FittedCandidate:
    algorithm: str
    params: dict
    plan: FeaturePlan
    estimator: object

    @property
    def is_linear(self) -> bool:
        return self.algorithm == "logistic_regression"

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        return self.plan.linear_matrix(frame) if self.is_linear else self.plan.tree_matrix(frame)

    def log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        return self.log_odds_of_matrix(self.matrix(frame))

    def log_odds_of_matrix(self, matrix: np.ndarray) -> np.ndarray:
        if self.is_linear:
            return self.estimator.decision_function(matrix)
        probability = self.estimator.predict_proba(matrix)[:, 1]
        return logit(np.clip(probability, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR))


def size_tier(minority_rows: int) -> str:
    if minority_rows < SMALL_MINORITY:
        return "small"
    return "medium" if minority_rows < LARGE_MINORITY else "large"


def default_grid(algorithm: str, minority_rows: int) -> list[dict]:
    """The settings tried for an algorithm on training rows with this many minority rows."""
    if algorithm == "logistic_regression":
        return [dict(setting) for setting in LOGISTIC_GRID]
    if algorithm == "random_forest":
        return [dict(setting) for setting in FOREST_GRID]
    rate, settings = HGB_GRIDS[size_tier(minority_rows)]
    return [
        {
            "learning_rate": rate,
            "max_iter": HGB_TREES,
            "max_leaf_nodes": leaves,
            "min_samples_leaf": leaf_rows,
            "l2_regularization": penalty,
        }
        for leaves, leaf_rows, penalty in settings
    ]


def parameter_grid(spec, algorithm: str, minority_rows: int) -> list[dict]:
    """The declared tuning grid of the algorithm (every combination of the listed values, on top
    of the default's first setting), or the adaptive default."""
    declared = spec.tuning.get(algorithm)
    if not declared:
        return default_grid(algorithm, minority_rows)
    base = default_grid(algorithm, minority_rows)[0]
    names = sorted(declared)
    return [
        {**base, **dict(zip(names, values, strict=True))}
        for values in itertools.product(*(declared[name] for name in names))
    ]


def check_tuning(spec) -> None:
    """Stops with a message naming the prediction when its tuning grid names a parameter the
    estimator does not have (or one the product sets itself), or is too large."""
    for algorithm, grid in spec.tuning.items():
        known = set(_estimator(algorithm).get_params()) - CONTROLLED
        unknown = sorted(set(grid) - known)
        if unknown:
            raise PropensityTuningError(
                f"prediction {spec.name!r}: tuning.{algorithm} names {', '.join(unknown)}, not a"
                f" parameter it can tune (it has: {', '.join(sorted(known))})"
            )
        settings = int(np.prod([len(values) for values in grid.values()]))
        if settings > MAX_GRID_SETTINGS:
            raise PropensityTuningError(
                f"prediction {spec.name!r}: tuning.{algorithm} has {settings} combinations; at"
                f" most {MAX_GRID_SETTINGS} are tried (each on every cross-validation fold)"
            )


class PropensityTuningError(PropensityConfigError):
    """A declared tuning grid the estimator cannot use."""


def _estimator(algorithm: str, params: dict | None = None, rows: int = 1, seed: int = 0):
    params = dict(params or {})
    if algorithm == "logistic_regression":
        options = {"solver": "newton-cholesky", "max_iter": 100, **params}
        return LogisticRegression(**options)
    if algorithm == "hist_gradient_boosting":
        options = {"max_iter": HGB_TREES, "early_stopping": False, **params}
        return HistGradientBoostingClassifier(random_state=seed, **options)
    if algorithm == "random_forest":
        options = {
            "n_estimators": 40,
            "max_features": "sqrt",
            "max_depth": 12,  # bounds the cost of scoring (and of reason codes) per row
            # Each tree sees at most 20,000 bootstrap rows: most of the accuracy, a fraction of
            # the time and memory on large training sets.
            "max_samples": min(1.0, 20_000 / max(rows, 1)),
            **params,
        }
        return RandomForestClassifier(n_jobs=cpu_threads(), random_state=seed, **options)
    raise ValueError(f"unknown algorithm {algorithm!r}")  # settings.py rejects these earlier


def fit_candidate(
    algorithm: str,
    params: dict,
    plan: FeaturePlan,
    frame: pd.DataFrame,
    labels: np.ndarray,
    seed: int,
) -> FittedCandidate:
    estimator = _estimator(algorithm, params, len(frame), seed)
    if algorithm == "logistic_regression":
        matrix = plan.linear_matrix(frame)
    else:
        if algorithm == "hist_gradient_boosting":
            estimator.set_params(categorical_features=plan.tree_categorical_mask())
        matrix = _without_empty_columns(plan, plan.tree_matrix(frame))
    if matrix.shape[1] == 0:
        raise CandidateError("no input columns (every category level is too rare)")
    try:
        estimator.fit(matrix, labels)
    except (ValueError, TypeError) as error:  # a declared setting scikit-learn refuses
        raise PropensityTuningError(f"{algorithm} with {params}: {error}") from None
    if algorithm == "random_forest":
        # Trees are fitted in parallel (deterministic: each has its own seed), but parallel
        # prediction adds the trees' probabilities in whatever order threads finish, which changes
        # the last bits from run to run.
        estimator.set_params(n_jobs=1)
    return FittedCandidate(algorithm, dict(params), plan, estimator)


class CandidateError(ValueError):
    """A candidate cannot be fitted on these rows (the others still can)."""


def _without_empty_columns(plan: FeaturePlan, matrix: np.ndarray) -> np.ndarray:
    """A column with no value in the fit rows (a feature only recorded from a later cutoff on)
    becomes its fill value: scikit-learn's trees cannot bin an all-missing column."""
    empty = np.isnan(matrix).all(axis=0) if matrix.shape[0] else np.zeros(matrix.shape[1], bool)
    if empty.any():
        fills = np.array([t.fill for t in plan.numeric] + [0.0] * len(plan.categorical))
        matrix = matrix.copy()
        matrix[:, empty] = fills[empty]
    return matrix


@dataclass
class Blend:
    """The mean of its members' calibrated log-odds: the logistic regression and the best tree
    candidate, each with its own calibrator (the blend's calibrator is fitted on top). Averaging
    a linear and a tree model is the cheapest guard against the one chosen on a few hundred
    validation positives being the wrong one: on the small imbalanced benchmark the blend's
    test AUC was never more than 0.002 below the better of the two default baselines (12 seeds),
    each member alone up to 0.03."""

    members: list  # [(FittedCandidate, Calibrator)]
    algorithm: str = "blend"
    params: dict | None = None

    @property
    def plan(self) -> FeaturePlan:
        return self.members[0][0].plan

    @property
    def is_linear(self) -> bool:
        return False

    def log_odds(self, frame: pd.DataFrame) -> np.ndarray:
        return self.combine([fitted.log_odds(frame) for fitted, _ in self.members])

    def combine(self, member_log_odds: list[np.ndarray]) -> np.ndarray:
        calibrated = [
            logit(calibrator.probability(lo))
            for (_, calibrator), lo in zip(self.members, member_log_odds, strict=True)
        ]
        return np.mean(calibrated, axis=0)


def blend_log_odds(members, member_log_odds: list[np.ndarray]) -> np.ndarray:
    """The blend's log-odds from its members' raw log-odds (for fold and validation rows)."""
    return Blend(list(members)).combine(member_log_odds)
