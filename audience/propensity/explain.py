"""Why a model scores what it scores: the leakage guard, permutation importance, and per-row
reason codes.

Reason codes: a feature's contribution for a row is the change in the model's log-odds (before
calibration) when that feature is moved from its reference value (the training median, or the
most frequent category) to the row's value. For a logistic regression this is exactly
coefficient x (standardized value - standardized reference); trees are evaluated with the one
feature replaced. The three largest contributions by size are the row's reasons; direction says
whether the feature raises or lowers the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from audience.propensity.candidates import FittedCandidate
from audience.propensity.evaluation import single_feature_auc

REASON_COUNT = 3


def leakage_auc(frame: pd.DataFrame, labels: np.ndarray, column: str, categorical: bool) -> float:
    """How well the column alone separates the label on the training rows."""
    if categorical:
        rates = pd.Series(labels).groupby(frame[column].to_numpy()).mean()
        values = frame[column].map(rates).to_numpy(dtype="float64")
    else:
        values = frame[column].to_numpy(dtype="float64")
        known = values[~np.isnan(values)]
        values = np.where(np.isnan(values), np.median(known) if known.size else 0.0, values)
    return single_feature_auc(values, labels)


def permutation_importance(
    candidate: FittedCandidate,
    frame: pd.DataFrame,
    labels: np.ndarray,
    seed: int,
    repeats: int = 2,
) -> list[tuple[str, float, float]]:
    """(feature, mean drop in ROC AUC when the column is shuffled, its standard deviation)."""
    if not 0 < labels.sum() < labels.shape[0]:
        return [(column, 0.0, 0.0) for column in candidate.plan.columns]
    baseline = roc_auc_score(labels, candidate.log_odds(frame))
    rng = np.random.default_rng(seed)
    results = []
    for column in candidate.plan.columns:
        drops = []
        original = frame[column]
        for _ in range(repeats):
            shuffled = frame.copy(deep=False)
            shuffled[column] = original.to_numpy()[rng.permutation(len(frame))]
            drops.append(baseline - roc_auc_score(labels, candidate.log_odds(shuffled)))
        results.append((column, float(np.mean(drops)), float(np.std(drops))))
    return results


def tree_contributions(
    candidate: FittedCandidate, frame: pd.DataFrame, columns: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Log-odds contributions of the given columns for every row of a tree model: returns the
    model's log-odds and an (rows x columns) matrix."""
    matrix = candidate.plan.tree_matrix(frame)
    base = candidate.log_odds_of_matrix(matrix)
    positions = {column: j for j, column in enumerate(candidate.plan.columns)}
    reference = _tree_reference(candidate)
    contributions = np.zeros((matrix.shape[0], len(columns)))
    for k, column in enumerate(columns):
        j = positions[column]
        # Rows already at the reference value contribute exactly 0: only the others are scored
        # again (for counts with a median of 0 that is a small share of the rows).
        values = matrix[:, j]
        differs = ~((values == reference[j]) | (np.isnan(values) & np.isnan(reference[j])))
        if not differs.any():
            continue
        moved = matrix[differs]
        moved[:, j] = reference[j]
        contributions[differs, k] = base[differs] - candidate.log_odds_of_matrix(moved)
    return base, contributions


def _tree_reference(candidate: FittedCandidate) -> np.ndarray:
    plan = candidate.plan
    numeric = [t.fill for t in plan.numeric]
    categorical = [0.0 if t.levels else np.nan for t in plan.categorical]  # most frequent level
    return np.array(numeric + categorical, dtype="float64")


def top_reasons(contributions: np.ndarray, columns: list[str]) -> dict[str, np.ndarray]:
    """The REASON_COUNT largest contributions of each row by size (ties: column order), as
    reason_<n>_feature / _direction / _contribution arrays; None where fewer are non-zero."""
    rows = contributions.shape[0]
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :REASON_COUNT]
    names = np.array(columns, dtype=object)
    result = {}
    for n in range(REASON_COUNT):
        if n < order.shape[1]:
            picked = contributions[np.arange(rows), order[:, n]]
            feature = np.where(picked != 0, names[order[:, n]], None)
        else:
            picked, feature = np.zeros(rows), np.full(rows, None, dtype=object)
        result[f"reason_{n + 1}_feature"] = feature
        result[f"reason_{n + 1}_direction"] = np.where(
            picked > 0, "raises", np.where(picked < 0, "lowers", None)
        )
        result[f"reason_{n + 1}_contribution"] = np.where(picked != 0, picked, np.nan)
    return result
