"""Calibration and the metrics the business reads, all on out-of-time (or held-out) rows.

Definitions (also in the model docs):
- precision@k / lift@k: among the k% of rows with the highest score, the share of positives, and
  that share divided by the overall positive rate. Ties at the boundary are broken by row order
  (rows are ordered by cutoff and id), so the figures are the same every run.
- expected calibration error (ECE): rows binned by calibrated probability into equal-width bins;
  the row-weighted mean of |mean predicted - observed rate| over the bins.
- deciles: decile 1 holds the rows whose share of rows scoring at least as high is at most 10%
  (value breakpoints: equal scores share a decile), as in the score marts.
- threshold: the calibrated probability that maximizes F1 on the cross-validation predictions.
- ranking: rows are ranked by calibrated probability, ties (isotonic calibration is a step
  function) broken by the model's raw log-odds, as the score marts rank them. ROC AUC, PR AUC,
  precision@k, lift@k and deciles use that ranking; log loss, Brier, ECE and the threshold
  metrics use the probability itself.
- precision_at_k: precision among the declared champion_top_share of the rows (default 10%).
- no certainty the data cannot support: with N calibration rows, no calibrated probability is
  below 1 / (N + 2) or above 1 - 1 / (N + 2) (Laplace's rule of succession: what N rows all of
  one class support), and each isotonic step is shrunk toward the base rate by two pseudo-rows,
  so a step whose calibration rows were all positive (or all negative) does not say 1 (or 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

TOP_SHARES = (0.01, 0.05, 0.10, 0.20)
EPSILON = 1e-15
PRIOR_ROWS = 2.0  # pseudo-rows at the base rate added to every isotonic step
# The champion metric: how a value ranks candidates (lower is better for log loss only).
LOWER_IS_BETTER = {"log_loss": True, "roc_auc": False, "pr_auc": False, "precision_at_k": False}


@dataclass
class Calibrator:
    """Maps a model's log-odds to a calibrated probability.

    sigmoid: p = expit(slope * log_odds + intercept) (Platt scaling). For a logistic regression
    this keeps the calibrated model a logistic model, so it is still scored by SQL.
    isotonic: a non-decreasing step function of the raw probability (more flexible; needs more
    rows to be reliable), each step shrunk toward the base rate (see the module docstring).
    Either way the probability stays within [floor, 1 - floor], floor = 1 / (N + 2).
    """

    method: str
    slope: float = 1.0
    intercept: float = 0.0
    thresholds: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    floor: float = 0.0

    @classmethod
    def fit(cls, log_odds: np.ndarray, labels: np.ndarray, method: str) -> Calibrator:
        floor = 1.0 / (labels.shape[0] + 2)
        if method == "isotonic":
            thresholds, values = _shrunk_isotonic_steps(expit(log_odds), labels)
            return cls("isotonic", thresholds=thresholds, values=values, floor=floor)
        model = LogisticRegression(C=1e6, solver="newton-cholesky", max_iter=100)
        model.fit(log_odds.reshape(-1, 1), labels)
        return cls(
            "sigmoid",
            slope=float(model.coef_[0, 0]),
            intercept=float(model.intercept_[0]),
            floor=floor,
        )

    def probability(self, log_odds: np.ndarray) -> np.ndarray:
        if self.method == "isotonic":
            probability = np.interp(expit(log_odds), self.thresholds, self.values)
        else:
            probability = expit(self.slope * log_odds + self.intercept)
        return np.clip(probability, self.floor, 1 - self.floor)


def _shrunk_isotonic_steps(x: np.ndarray, labels: np.ndarray) -> tuple[list, list]:
    """The isotonic fit's steps, each step's rate shrunk toward the base rate by PRIOR_ROWS
    pseudo-rows ((positives + 2 x base rate) / (rows + 2)), pooled again where shrinking made
    neighbours decrease; returned as the (x, value) points np.interp reads: each step from its
    lowest to its highest x, linear between steps (as scikit-learn's own thresholds)."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], labels[order].astype("float64")
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0).fit(xs, ys).predict(xs)
    starts = np.r_[0, np.flatnonzero(np.diff(fitted) != 0) + 1]
    ends = np.r_[starts[1:], xs.shape[0]]
    rows = (ends - starts).astype("float64")
    shrunk = (np.add.reduceat(ys, starts) + PRIOR_ROWS * ys.mean()) / (rows + PRIOR_ROWS)
    pooled = IsotonicRegression().fit_transform(
        np.arange(rows.shape[0], dtype="float64"), shrunk, sample_weight=rows + PRIOR_ROWS
    )
    points = np.column_stack((xs[starts], xs[ends - 1])).ravel()
    values = np.repeat(pooled, 2)
    keep = np.r_[True, np.diff(points) > 0]  # a step of one distinct x is one point
    return [float(v) for v in points[keep]], [float(v) for v in values[keep]]


def calibration_method(algorithm: str, rows: int, isotonic_min_rows: int) -> str:
    """scikit-learn's guidance: isotonic only with plenty of calibration rows; logistic
    regression always sigmoid (its calibrated scores stay a logistic model)."""
    if algorithm == "logistic_regression" or rows < isotonic_min_rows:
        return "sigmoid"
    return "isotonic"


def expected_calibration_error(labels: np.ndarray, probability: np.ndarray, bins: int) -> float:
    table = reliability_table(labels, probability, bins)
    return float(sum(abs(p - o) * n for _, p, o, n in table) / max(len(labels), 1))


def reliability_table(labels: np.ndarray, probability: np.ndarray, bins: int):
    """(bin 1..bins, mean predicted, observed rate, rows) for every non-empty bin."""
    index = np.minimum((probability * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            rows.append(
                (
                    b + 1,
                    float(probability[mask].mean()),
                    float(labels[mask].mean()),
                    int(mask.sum()),
                )
            )
    return rows


def ranking(probability: np.ndarray, log_odds: np.ndarray) -> np.ndarray:
    """1..n by (probability, log-odds); rows equal in both share the lowest rank."""
    if probability.shape[0] == 0:
        return np.zeros(0)
    order = np.lexsort((log_odds, probability))
    pairs = np.column_stack((probability[order], log_odds[order]))
    new_value = np.r_[True, (pairs[1:] != pairs[:-1]).any(axis=1)]
    ranks_sorted = np.maximum.accumulate(np.where(new_value, np.arange(1, len(order) + 1), 0))
    ranks = np.empty(len(order), dtype="float64")
    ranks[order] = ranks_sorted
    return ranks


def top_share_order(scores: np.ndarray) -> np.ndarray:
    """Row positions from the highest score down; ties keep row order."""
    return np.argsort(-scores, kind="stable")


def deciles(scores: np.ndarray) -> np.ndarray:
    """1..10 by value breakpoints: a row's decile comes from the share of rows scoring at least
    as high as it does, so equal scores share a decile."""
    sorted_scores = np.sort(scores)
    at_least = scores.shape[0] - np.searchsorted(sorted_scores, scores, side="left")
    share = at_least / max(scores.shape[0], 1)
    return np.clip(np.ceil(share * 10 - 1e-9), 1, 10).astype(int)


def best_f1_threshold(labels: np.ndarray, probability: np.ndarray) -> float:
    order = np.argsort(-probability, kind="stable")
    ranked, hits = probability[order], np.cumsum(labels[order])
    positives = labels.sum()
    if positives == 0:
        return 0.5
    # Only the last row of a run of equal probabilities is a valid cut.
    last = np.r_[ranked[1:] != ranked[:-1], True]
    predicted = np.arange(1, ranked.shape[0] + 1)
    f1 = 2 * hits / (predicted + positives)
    f1 = np.where(last, f1, -1)
    return float(ranked[int(np.argmax(f1))])


def classification_metrics(
    labels: np.ndarray,
    probability: np.ndarray,
    threshold: float,
    bins: int,
    rank: np.ndarray | None = None,
    top_share: float = 0.1,
) -> dict[str, float]:
    labels = labels.astype(int)
    rank = probability if rank is None else rank
    clipped = np.clip(probability, EPSILON, 1 - EPSILON)
    both_classes = 0 < labels.sum() < labels.shape[0]
    predicted = probability >= threshold
    true_positives = float((predicted & (labels == 1)).sum())
    precision = true_positives / predicted.sum() if predicted.any() else 0.0
    recall = true_positives / labels.sum() if labels.sum() else 0.0
    base_rate = float(labels.mean()) if labels.size else 0.0
    metrics = {
        "validation_rows": float(labels.shape[0]),
        "validation_positives": float(labels.sum()),
        "positive_rate": base_rate,
        "roc_auc": float(roc_auc_score(labels, rank)) if both_classes else np.nan,
        "pr_auc": float(average_precision_score(labels, rank)) if both_classes else np.nan,
        "log_loss": float(-np.mean(labels * np.log(clipped) + (1 - labels) * np.log(1 - clipped))),
        "brier": float(np.mean((probability - labels) ** 2)),
        "ece": expected_calibration_error(labels, probability, bins),
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
    }
    order = top_share_order(rank)
    for share, suffix in [(s, f"{int(round(s * 100))}pct") for s in TOP_SHARES] + [
        (top_share, "k")
    ]:
        top = max(1, int(round(share * labels.shape[0])))
        hit_rate = float(labels[order[:top]].mean()) if labels.size else 0.0
        metrics[f"precision_at_{suffix}"] = hit_rate
        metrics[f"lift_at_{suffix}"] = hit_rate / base_rate if base_rate else np.nan
    return metrics


def best_by(metrics: dict[str, dict[str, float]], metric: str) -> str:
    """The candidate with the best value of the champion metric (NaN counts as worst; ties: the
    first in `metrics`' order)."""
    sign = 1.0 if LOWER_IS_BETTER[metric] else -1.0
    return min(metrics, key=lambda name: np.nan_to_num(sign * metrics[name][metric], nan=np.inf))


def lift_table(labels: np.ndarray, scores: np.ndarray):
    """(decile, rows, positives, positive rate, lift, cumulative share of positives)."""
    decile = deciles(scores)
    base_rate = labels.mean() if labels.size else 0.0
    total = max(labels.sum(), 1)
    rows, cumulative = [], 0
    for d in range(1, 11):
        mask = decile == d
        n, hits = int(mask.sum()), int(labels[mask].sum())
        cumulative += hits
        rate = hits / n if n else 0.0
        rows.append(
            (d, n, hits, rate, rate / base_rate if base_rate else np.nan, cumulative / total)
        )
    return rows


def single_feature_auc(values: np.ndarray, labels: np.ndarray) -> float:
    """How well one column alone separates the label (0.5 = not at all, 1 = perfectly)."""
    if not 0 < labels.sum() < labels.shape[0]:
        return 0.5
    auc = roc_auc_score(labels, values)
    return float(max(auc, 1 - auc))
