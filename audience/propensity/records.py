"""The rows a prediction's training adds to propensity_model_state, and the helpers that write
the curves and the linear model's terms.

Metric, lift and reliability rows carry in `level` the rows they were measured on: validation
(every candidate fitted on the training rows, measured on the validation rows) or test (the
published model measured on the declared test set).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from audience.propensity.design import FeaturePlan
from audience.propensity.evaluation import lift_table, reliability_table


@dataclass
class Records:
    """The rows a prediction adds to propensity_model_state."""

    prediction: str
    rows: list[dict] = field(default_factory=list)
    model_version: str | None = None

    def add(self, record, name, value=None, text=None, candidate=None, level=None, position=None):
        self.rows.append(
            {
                "prediction": self.prediction,
                "record": record,
                "candidate": candidate,
                "name": name,
                "level": level,
                "position": position,
                "value": None if value is None else float(value),
                "text_value": None if text is None else str(text),
            }
        )

    def setting(self, name: str, value) -> None:
        if isinstance(value, str):
            self.add("setting", name, text=value)
        else:
            self.add("setting", name, value=value)

    def note(self, text: str, log) -> None:
        log(f"  {self.prediction}: {text}")
        self.add("note", "note", text=text, position=sum(r["record"] == "note" for r in self.rows))

    def metrics(self, candidate: str, split: str, metrics: dict, **texts: str) -> None:
        for name, value in metrics.items():
            self.add("metric", name, value=value, candidate=candidate, level=split)
        for name, text in texts.items():
            self.add("metric", name, text=text, candidate=candidate, level=split)

    def curves(self, candidate, split, labels, probability, rank, bins) -> None:
        """Decile lift (by `rank`) and the reliability table (by `probability`)."""
        self.lift(candidate, split, labels, rank)
        for bin_, predicted, observed, rows in reliability_table(labels, probability, bins):
            for name, value in (
                ("mean_predicted", predicted),
                ("observed_rate", observed),
                ("rows", rows),
            ):
                self.add("reliability", name, value, None, candidate, split, bin_)

    def lift(self, candidate, split, labels, scores) -> None:
        for decile, rows, hits, rate, lift, gain in lift_table(labels, scores):
            for name, value in (
                ("rows", rows),
                ("positives", hits),
                ("positive_rate", rate),
                ("lift", lift),
                ("cumulative_gain", gain),
            ):
                self.add("lift", name, value, None, candidate, split, decile)

    def linear_model(self, fitted, calibrator) -> None:
        """What the generated SQL scores with: per term its coefficient (on the standardized
        input) and how the column is prepared; the intercept and the sigmoid calibration with
        its probability bounds."""
        coefficients = fitted.estimator.coef_[0]
        numeric = {t.column: t for t in fitted.plan.numeric}
        for position, ((column, level), coefficient) in enumerate(
            zip(fitted.plan.linear_terms(), coefficients, strict=True)
        ):
            if level is None:
                term = numeric[column]
                preparation = {
                    "transform": term.transform,
                    "fill": term.fill,
                    "mean": term.mean,
                    "scale": term.scale,
                    # the reference row's input (the fill, i.e. the median): reasons measure
                    # each row against it
                    "reference_input": float(term.standardized(np.array([term.fill]))[0]),
                }
            else:
                preparation = {"reference_level": _reference_level(fitted.plan, column)}
            self.add(
                "linear_term",
                column,
                value=float(coefficient),
                text=json.dumps(preparation),
                candidate=fitted.algorithm,
                level=level,
                position=position,
            )
        for name, value in (
            ("intercept", float(fitted.estimator.intercept_[0])),
            ("calibration_slope", calibrator.slope),
            ("calibration_intercept", calibrator.intercept),
            ("probability_floor", calibrator.floor),
        ):
            self.add("linear_model", name, value=value, candidate=fitted.algorithm)


def _reference_level(plan: FeaturePlan, column: str) -> str | None:
    for term in plan.categorical:
        if term.column == column:
            return term.levels[0] if term.levels else None
    return None
