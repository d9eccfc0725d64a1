"""Why a model scores what it scores: the leakage guard, permutation importance, and per-row
reason codes.

Reason codes: a feature's contribution for a row is the change in the model's log-odds (before
calibration) when that feature is moved from its reference value (the training median, or the
most frequent category) to the row's value. For a logistic regression this is exactly
coefficient x (standardized value - standardized reference); trees are evaluated with the one
feature replaced. A blend's contribution is the change of its log-odds (the mean of its
members' calibrated log-odds) when the one feature is replaced in every member. The three
largest contributions by size are the row's reasons; direction says whether the feature raises
or lowers the score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.metrics import roc_auc_score

from audience.propensity.candidates import Blend, FittedCandidate
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
    model: FittedCandidate | Blend,
    frame: pd.DataFrame,
    labels: np.ndarray,
    seed: int,
    repeats: int = 2,
) -> list[tuple[str, float, float]]:
    """(feature, mean drop in ROC AUC when the column is shuffled, its standard deviation).
    The model inputs are built once; a shuffle permutes the feature's input columns (a
    category's indicators together)."""
    if not 0 < labels.sum() < labels.shape[0]:
        return [(column, 0.0, 0.0) for column in model.plan.columns]
    fitted = [m for m, _ in model.members] if isinstance(model, Blend) else [model]
    matrices = [candidate.matrix(frame) for candidate in fitted]

    def log_odds(inputs):
        scores = [c.log_odds_of_matrix(m) for c, m in zip(fitted, inputs, strict=True)]
        return model.combine(scores) if isinstance(model, Blend) else scores[0]

    baseline = roc_auc_score(labels, log_odds(matrices))
    rng = np.random.default_rng(seed)
    results = []
    for column in model.plan.columns:
        drops = []
        for _ in range(repeats):
            order = rng.permutation(len(frame))
            shuffled = []
            for candidate, matrix in zip(fitted, matrices, strict=True):
                index = _input_columns(candidate, column)
                copy = matrix.copy()
                copy[:, index] = matrix[order][:, index]
                shuffled.append(copy)
            drops.append(baseline - roc_auc_score(labels, log_odds(shuffled)))
        results.append((column, float(np.mean(drops)), float(np.std(drops))))
    return results


def _input_columns(candidate: FittedCandidate, column: str) -> list[int]:
    if candidate.is_linear:
        return [j for j, (term, _) in enumerate(candidate.plan.linear_terms()) if term == column]
    return [candidate.plan.columns.index(column)]


def contributions(
    model: FittedCandidate | Blend, frame: pd.DataFrame, columns: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The model's log-odds for every row and the (rows x columns) contributions."""
    if not isinstance(model, Blend):
        return tree_contributions(model, frame, columns)
    total, parts = None, np.zeros((len(frame), len(columns)))
    for fitted, calibrator in model.members:
        member = linear_contributions if fitted.is_linear else tree_contributions
        base, raw = member(fitted, frame, columns)
        calibrated = logit(calibrator.probability(base))
        moved = logit(calibrator.probability(base[:, None] - raw))
        parts += (calibrated[:, None] - moved) / len(model.members)
        total = calibrated if total is None else total + calibrated
    return total / len(model.members), parts


def linear_contributions(
    candidate: FittedCandidate, frame: pd.DataFrame, columns: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """A logistic regression's log-odds and, per column, coefficient x (input - reference
    input) summed over the column's terms (exact: the model is linear)."""
    matrix = candidate.plan.linear_matrix(frame)
    reference = candidate.plan.linear_matrix(
        pd.DataFrame({k: [v] for k, v in candidate.plan.reference_values().items()})
    )[0]
    coefficients = candidate.estimator.coef_[0]
    terms = [column for column, _ in candidate.plan.linear_terms()]
    parts = np.zeros((matrix.shape[0], len(columns)))
    for k, column in enumerate(columns):
        index = [j for j, term in enumerate(terms) if term == column]
        parts[:, k] = (matrix[:, index] - reference[index]) @ coefficients[index]
    return candidate.estimator.decision_function(matrix), parts


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
