"""Uplift evaluation on a randomized experiment.

Rows are ranked by predicted uplift, highest first (ties keep the order given; callers sort by
a key first so the ranking is deterministic). Among the top share x of rows, n_t(x) and n_c(x)
are the treated and control rows, y_t(x) and y_c(x) their responders; N_t, N_c are the totals.

* **uplift@x**: y_t(x) / n_t(x) - y_c(x) / n_c(x), the observed difference in response rate
  among the top x (NULL while one arm is empty).
* **Qini curve** (Radcliffe 2007), on shares: Q(x) = (y_t(x) - y_c(x) * n_t(x) / n_c(x)) / N_t,
  the incremental responders among the targeted treated customers, as a share of all treated
  customers. Q(0) = 0 and Q(1) is the overall uplift (treated minus control response rate).
  Random targeting gives the straight line x * Q(1).
* **Qini coefficient**: the area between the Qini curve and the random line (trapezoids over
  x = 0, 1/100, ..., 1). 0 means no better than random; it is positive when the model puts the
  customers who respond because of the treatment first. It is in units of response rate, so it
  compares models on the same data, not across data sets.
* **Uplift curve and AUUC**: U(x) = uplift@x * x, the incremental responders per customer of the
  whole population when the top x are treated; AUUC is the area under it, next to the random
  AUUC Q(1) / 2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CURVE_POINTS = 100
UPLIFT_AT = (0.1, 0.2, 0.3, 0.5)


def _ranked(predicted: np.ndarray, treated: np.ndarray, responded: np.ndarray):
    order = np.argsort(-np.asarray(predicted, dtype=float), kind="stable")
    t = np.asarray(treated, dtype=bool)[order]
    y = np.asarray(responded, dtype=float)[order]
    return t, y


def _cumulative(t, y, counts):
    n_t = np.concatenate([[0], np.cumsum(t)])[counts]
    n_c = np.concatenate([[0], np.cumsum(~t)])[counts]
    y_t = np.concatenate([[0.0], np.cumsum(y * t)])[counts]
    y_c = np.concatenate([[0.0], np.cumsum(y * ~t)])[counts]
    return n_t, n_c, y_t, y_c


def qini_curve(predicted, treated, responded, points: int = CURVE_POINTS) -> pd.DataFrame:
    """Qini and uplift curves at shares 0, 1/points, ..., 1."""
    t, y = _ranked(predicted, treated, responded)
    n = len(t)
    share = np.arange(points + 1) / points
    counts = np.round(share * n).astype(int)
    n_t, n_c, y_t, y_c = _cumulative(t, y, counts)
    total_treated = max(int(t.sum()), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = np.where(
            n_c > 0,
            (y_t - y_c * n_t / n_c) / total_treated,
            np.where(n_t > 0, y_t / total_treated, 0.0),
        )
        uplift_at = np.where((n_t > 0) & (n_c > 0), y_t / n_t - y_c / n_c, np.nan)
    overall = qini[-1]
    return pd.DataFrame(
        {
            "share_targeted": share,
            "customers_targeted": counts,
            "qini": qini,
            "qini_random": share * overall,
            "uplift_at_share": uplift_at,
            "uplift_curve": np.nan_to_num(uplift_at) * share,
        }
    )


def _area(x, y) -> float:
    return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2)


def summary_metrics(predicted, treated, responded) -> dict[str, float]:
    """Qini coefficient, AUUC (and its random value), overall uplift and uplift@k."""
    curve = qini_curve(predicted, treated, responded)
    x = curve["share_targeted"].to_numpy()
    metrics = {
        "qini_coefficient": _area(x, curve["qini"].to_numpy() - curve["qini_random"].to_numpy()),
        "auuc": _area(x, curve["uplift_curve"].to_numpy()),
        "auuc_random": float(curve["qini"].iloc[-1]) / 2,
        "overall_uplift": float(curve["qini"].iloc[-1]),
    }
    t, y = _ranked(predicted, treated, responded)
    for share in UPLIFT_AT:
        count = np.array([int(round(share * len(t)))])
        n_t, n_c, y_t, y_c = _cumulative(t, y, count)
        metrics[f"uplift_at_{int(share * 100)}pct"] = (
            float(y_t[0] / n_t[0] - y_c[0] / n_c[0]) if n_t[0] and n_c[0] else np.nan
        )
    return metrics


def deciles(values) -> np.ndarray:
    """Decile 1-10 of each value, 1 = highest, from value breakpoints: 1 + (how many values are
    strictly higher) * 10 // n, so equal values always share a decile."""
    values = np.asarray(values, dtype=float)
    ascending = np.sort(values)
    higher = len(values) - np.searchsorted(ascending, values, side="right")
    return higher * 10 // max(len(values), 1) + 1


def uplift_by_decile(predicted, treated, responded) -> pd.DataFrame:
    """Per decile of predicted uplift (1 = highest, see ``deciles``): sizes, response rates,
    observed uplift."""
    frame = pd.DataFrame(
        {
            "decile": deciles(predicted),
            "treated": np.asarray(treated, dtype=bool),
            "responded": np.asarray(responded, dtype=float),
            "predicted": np.asarray(predicted, dtype=float),
        }
    )
    rows = []
    for d in range(1, 11):
        part = frame[frame["decile"] == d]
        treated_part, control_part = part[part["treated"]], part[~part["treated"]]
        rate_t = treated_part["responded"].mean() if len(treated_part) else np.nan
        rate_c = control_part["responded"].mean() if len(control_part) else np.nan
        rows.append(
            {
                "decile": d,
                "customers": len(part),
                "treated_customers": len(treated_part),
                "control_customers": len(control_part),
                "treated_response_rate": rate_t,
                "control_response_rate": rate_c,
                "observed_uplift": rate_t - rate_c,
                "mean_predicted_uplift": part["predicted"].mean() if len(part) else np.nan,
            }
        )
    return pd.DataFrame(rows)
