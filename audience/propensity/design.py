"""How feature columns become model inputs, fitted on the training rows and stored with the model
so scoring encodes exactly as training did.

- Linear models (logistic regression): a number is filled with its training median when NULL,
  log1p-transformed when it is non-negative and long-tailed (skewness above 2), then standardized;
  a category becomes one indicator per level seen at least ``MIN_LEVEL_ROWS`` times (at most
  ``MAX_LEVELS``, the most frequent). A level not seen in training sets no indicator.
- Tree models: numbers as they are (NULL stays missing: the trees learn where it goes); a category
  becomes its level's position in the level list, unseen levels missing.

The reference row (median of every number, most frequent level of every category) is what
reason codes measure a row against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_LEVEL_ROWS = 5
MAX_LEVELS = 50
LOG1P_SKEWNESS = 2.0


@dataclass(frozen=True)
class NumericTerm:
    column: str
    fill: float  # training median (NULL becomes this)
    transform: str  # none | log1p
    mean: float  # of the transformed, filled training values
    scale: float  # their standard deviation (1 for a constant)

    def standardized(self, values: np.ndarray) -> np.ndarray:
        filled = np.where(np.isnan(values), self.fill, values)
        # log1p is chosen for columns non-negative in training; a negative value at scoring time
        # is taken as 0 (the SQL does the same), never NaN
        transformed = np.log1p(np.maximum(filled, 0)) if self.transform == "log1p" else filled
        return (transformed - self.mean) / self.scale


@dataclass(frozen=True)
class CategoricalTerm:
    column: str
    levels: tuple[str, ...]  # most frequent first; the first is the reference level


@dataclass(frozen=True)
class FeaturePlan:
    numeric: tuple[NumericTerm, ...]
    categorical: tuple[CategoricalTerm, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(t.column for t in self.numeric) + tuple(t.column for t in self.categorical)

    @classmethod
    def fit(cls, frame: pd.DataFrame, numeric: tuple[str, ...], categorical: tuple[str, ...]):
        numeric_terms = []
        for column in numeric:
            values = frame[column].to_numpy(dtype="float64")
            known = values[~np.isnan(values)]
            fill = float(np.median(known)) if known.size else 0.0
            filled = np.where(np.isnan(values), fill, values)
            transform = "none"
            if filled.size and filled.min() >= 0 and _skewness(filled) > LOG1P_SKEWNESS:
                transform = "log1p"
                filled = np.log1p(filled)
            scale = float(filled.std()) if filled.size else 0.0
            numeric_terms.append(
                NumericTerm(
                    column=column,
                    fill=fill,
                    transform=transform,
                    mean=float(filled.mean()) if filled.size else 0.0,
                    scale=scale if scale > 1e-12 else 1.0,
                )
            )
        categorical_terms = []
        for column in categorical:
            counts = frame[column].value_counts()
            counts = counts[counts >= MIN_LEVEL_ROWS]
            ordered = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
            levels = tuple(str(level) for level, _ in ordered[:MAX_LEVELS])
            categorical_terms.append(CategoricalTerm(column, levels))
        return cls(tuple(numeric_terms), tuple(categorical_terms))

    # --- linear models -------------------------------------------------------------------------
    def linear_terms(self) -> list[tuple[str, str | None]]:
        """(column, level) of every column of the linear design matrix, in order."""
        terms: list[tuple[str, str | None]] = [(t.column, None) for t in self.numeric]
        for term in self.categorical:
            terms += [(term.column, level) for level in term.levels]
        return terms

    def linear_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        parts = [t.standardized(frame[t.column].to_numpy(dtype="float64")) for t in self.numeric]
        for term in self.categorical:
            values = frame[term.column].to_numpy(dtype=object)
            parts += [(values == level).astype("float64") for level in term.levels]
        if not parts:
            return np.zeros((len(frame), 0))
        return np.column_stack(parts)

    # --- tree models ---------------------------------------------------------------------------
    def tree_matrix(self, frame: pd.DataFrame) -> np.ndarray:
        parts = [frame[t.column].to_numpy(dtype="float64") for t in self.numeric]
        for term in self.categorical:
            codes = {level: float(i) for i, level in enumerate(term.levels)}
            parts.append(frame[term.column].map(codes).to_numpy(dtype="float64"))  # unseen: NaN
        return np.column_stack(parts) if parts else np.zeros((len(frame), 0))

    def tree_categorical_mask(self) -> np.ndarray:
        return np.array([False] * len(self.numeric) + [True] * len(self.categorical), dtype=bool)

    # --- reason codes ----------------------------------------------------------------------------
    def reference_values(self) -> dict[str, float | str]:
        """The typical row reasons are measured against: median number, most frequent level."""
        reference: dict[str, float | str] = {t.column: t.fill for t in self.numeric}
        for term in self.categorical:
            reference[term.column] = term.levels[0] if term.levels else ""
        return reference


def _skewness(values: np.ndarray) -> float:
    spread = values.std()
    if spread <= 1e-12:
        return 0.0
    return float(np.mean(((values - values.mean()) / spread) ** 3))
