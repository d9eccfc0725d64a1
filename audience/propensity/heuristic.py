"""The documented cold-start score, used where a model cannot be trained (and reported beside every
trained model as the baseline to beat).

score = the mean, over the declared heuristic columns, of the row's percent rank among the scored
rows (SQL ``percent_rank()``: (rank - 1) / (rows - 1), equal values share the lowest rank), taken
in the declared direction (``up``: higher values score higher; ``down``: lower values score
higher). A NULL value counts as 0.5. The score is a ranking in [0, 1], not a probability.
The SQL of audience_heuristic_scores_sql (macros/propensity/propensity_scores_sql.sql) computes
the same thing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audience.propensity.settings import HeuristicTerm


def percent_rank(values: np.ndarray, direction: int) -> np.ndarray:
    series = pd.Series(values, dtype="float64")
    known = series.notna()
    result = np.full(series.shape[0], 0.5)
    count = int(known.sum())
    if count:
        ranks = series[known].rank(method="min", ascending=direction > 0).to_numpy()
        result[known.to_numpy()] = (ranks - 1) / (count - 1) if count > 1 else 0.0
    return result


def heuristic_score(frame: pd.DataFrame, terms: tuple[HeuristicTerm, ...]) -> np.ndarray:
    if not terms:
        return np.full(len(frame), np.nan)
    parts = [percent_rank(frame[t.column].to_numpy(dtype="float64"), t.direction) for t in terms]
    return np.mean(parts, axis=0)
