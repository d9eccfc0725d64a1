"""The candidate algorithms, their small hyper-parameter grids, and a fitted candidate that turns
feature rows into log-odds.

Grids are deliberately small: every setting is tried on each time-aware cross-validation fold,
and the whole training of the shipped predictions has to fit in a minute at 1M customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from audience.propensity.design import FeaturePlan

PARAMETER_GRIDS: dict[str, list[dict]] = {
    # Inverse L2 strength on standardized inputs.
    "logistic_regression": [{"C": 0.05}, {"C": 1.0}],
    # Few, larger steps: every tree is evaluated again for each reason-code feature at scoring
    # time, so the number of trees is what scoring costs.
    "hist_gradient_boosting": [
        {"max_leaf_nodes": 15, "min_samples_leaf": 100, "l2_regularization": 1.0},
        {"max_leaf_nodes": 31, "min_samples_leaf": 40, "l2_regularization": 0.0},
    ],
    "random_forest": [{"min_samples_leaf": 20}, {"min_samples_leaf": 60}],
}
HGB_LEARNING_RATE, HGB_TREES = 0.2, 60
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


def fit_candidate(
    algorithm: str,
    params: dict,
    plan: FeaturePlan,
    frame: pd.DataFrame,
    labels: np.ndarray,
    seed: int,
) -> FittedCandidate:
    if algorithm == "logistic_regression":
        estimator = LogisticRegression(C=params["C"], solver="newton-cholesky", max_iter=100)
        matrix = plan.linear_matrix(frame)
    elif algorithm == "hist_gradient_boosting":
        estimator = HistGradientBoostingClassifier(
            learning_rate=HGB_LEARNING_RATE,
            max_iter=HGB_TREES,
            early_stopping=False,
            categorical_features=plan.tree_categorical_mask(),
            random_state=seed,
            **params,
        )
        matrix = _without_empty_columns(plan, plan.tree_matrix(frame))
    elif algorithm == "random_forest":
        rows = max(len(frame), 1)
        estimator = RandomForestClassifier(
            n_estimators=40,
            max_features="sqrt",
            max_depth=12,  # bounds the cost of scoring (and of reason codes) per row
            # Each tree sees at most 20,000 bootstrap rows: most of the accuracy, a fraction of
            # the time and memory on large training sets.
            max_samples=min(1.0, 20_000 / rows),
            n_jobs=-1,
            random_state=seed,
            **params,
        )
        matrix = _without_empty_columns(plan, plan.tree_matrix(frame))
    else:  # settings.py rejects unknown names before this point
        raise ValueError(f"unknown algorithm {algorithm!r}")
    if matrix.shape[1] == 0:
        raise CandidateError("no input columns (every category level is too rare)")
    estimator.fit(matrix, labels)
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
