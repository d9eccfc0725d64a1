"""A small, imbalanced prediction table of the shape outside users bring (issue 12): about 5,800
training rows and a fixed test set of 1,000, 85 weak numeric columns, 6% positives.

Like a public insurance-marketing table: 40 ordinal codes (0-9, socio-demographic bands) and 45
small counts (products held, mostly 0), in correlated groups (each column loads on one of six
latent traits). The label's log-odds are a weak linear function of 20 columns plus what a linear
model cannot express: a step (holding any of two products), a saturating count and an
interaction. So neither a linear model nor trees are right by construction, and every column
alone separates the label poorly (single-column ROC AUC well under 0.7).

baseline_aucs: what the product must not be worse than (issue 12, point 7).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ORDINAL_COLUMNS = 40
COUNT_COLUMNS = 45
LATENT_TRAITS = 6


def small_imbalanced_table(
    seed: int = 12,
    training_rows: int = 5_800,
    test_rows: int = 1_000,
    positive_rate: float = 0.06,
) -> pd.DataFrame:
    """Columns: row_id, x01..x85 (numbers), is_test (the fixed test set: the last test_rows
    rows), label (0/1), true_probability (the planted probability; not a feature)."""
    rng = np.random.default_rng(seed)
    rows = training_rows + test_rows
    traits = rng.normal(size=(rows, LATENT_TRAITS))
    columns = {}
    for j in range(ORDINAL_COLUMNS):
        trait = traits[:, j % LATENT_TRAITS]
        raw = 0.6 * trait + rng.normal(size=rows)
        columns[f"x{j + 1:02d}"] = np.clip(np.round(2 * raw + 4.5), 0, 9)
    for j in range(COUNT_COLUMNS):
        trait = traits[:, j % LATENT_TRAITS]
        rate = np.exp(-1.2 + 0.5 * trait + 0.3 * rng.normal(size=rows))
        columns[f"x{ORDINAL_COLUMNS + j + 1:02d}"] = rng.poisson(rate).astype(float)
    frame = pd.DataFrame(columns)
    standardized = (frame - frame.mean()) / frame.std()
    weights = rng.choice([-1.0, 1.0], 20) * 0.15
    linear = standardized.iloc[:, rng.choice(85, 20, replace=False)].to_numpy() @ weights
    holds_either = ((frame["x47"] > 0) | (frame["x52"] > 0)).to_numpy()
    saturating = np.minimum(frame["x60"].to_numpy(), 2)
    interaction = standardized["x03"].to_numpy() * standardized["x09"].to_numpy()
    signal = linear + 1.2 * holds_either + 0.6 * saturating + 0.5 * interaction
    intercept = _intercept_for_rate(signal, positive_rate)
    probability = expit(intercept + signal)
    frame.insert(0, "row_id", [f"R{i:05d}" for i in range(1, rows + 1)])
    frame["is_test"] = np.arange(rows) >= training_rows
    frame["label"] = (rng.random(rows) < probability).astype(int)
    frame["true_probability"] = probability
    return frame


def _intercept_for_rate(signal: np.ndarray, rate: float) -> float:
    """The intercept whose mean probability is `rate` (bisection)."""
    low, high = -20.0, 20.0
    for _ in range(100):
        middle = (low + high) / 2
        if expit(middle + signal).mean() < rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def baseline_aucs(
    train: pd.DataFrame, test: pd.DataFrame, label: str, numeric, categorical=()
) -> dict[str, float]:
    """Test ROC AUC of the two baselines a user would write, fitted on `train`: scikit-learn's
    HistGradientBoostingClassifier with its defaults, and a logistic regression on standardized
    inputs (missing numbers filled with the training median; categories one-hot)."""

    def matrix(frame: pd.DataFrame) -> pd.DataFrame:
        numbers = frame[list(numeric)].astype("float64")
        if not categorical:
            return numbers
        dummies = pd.get_dummies(frame[list(categorical)].astype(str), dtype="float64")
        return pd.concat([numbers, dummies], axis=1)

    x_train = matrix(train)
    x_test = matrix(test).reindex(columns=x_train.columns, fill_value=0.0)
    y_train, y_test = train[label].to_numpy(), test[label].to_numpy()
    boosting = HistGradientBoostingClassifier(random_state=0).fit(x_train, y_train)
    logistic = make_pipeline(
        SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=2000)
    ).fit(x_train, y_train)
    return {
        "hist_gradient_boosting": roc_auc_score(y_test, boosting.predict_proba(x_test)[:, 1]),
        "logistic_regression": roc_auc_score(y_test, logistic.predict_proba(x_test)[:, 1]),
    }
