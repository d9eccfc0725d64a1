"""The long model-state row shape that every ML area stores what it fitted in.

A state table (``segment_model_state``, ``propensity_model_state``, ``uplift_evaluation_state``,
``clv_fit_state``) holds one row per stored fact. The shared columns, ``VALUE_COLUMNS``:

- ``record``: the kind of fact (setting, note, metric, a table's cells such as center or lift...);
- ``name``: which fact of that kind (a setting's or metric's name, a feature, a dimension);
- ``position``: its place in an ordered list (a note's number, a feature's, a decile, a k), or NULL;
- ``value``: the fact as a number, or NULL;
- ``text_value``: the fact as text (a setting, a note, JSON, an encoded artifact), or NULL.

Each area adds its key columns, named for what they are (decision 0012): the version keys come
first (propensity's prediction and model_version; segmentation's model_version, model_sequence
and as_of_date; uplift's model_version; CLV's fit_period, model and fitted_as_of_date), then
``record``, then the key that qualifies a row where the area has one (propensity's candidate,
uplift's learner, segmentation's segment_id), then ``name`` (propensity's level after it),
``position``, ``value`` and ``text_value``. ``state_columns`` writes an area's order with the
dtypes, ``typed_state`` builds the frame.
The dbt Python model returns that frame; a SQL mart pivots it into columns with the macro
``audience_state_pivot`` (macros/ml_state/), grouping by the area's keys.

One set of dtypes, ``VALUE_DTYPES``, for every area: text as Python str or None, position as a
nullable integer, value as float64, so a state table's column types do not depend on which rows a
build happened to write (an evaluation with no number rows still has a DOUBLE value column).

Every area follows ``StateModel``: rows for the state table, a fitted object back from the rows,
and scoring with it.

- segmentation: the class ``SegmentModel`` (``to_state_frame``, ``from_state_frame``,
  ``assign``); ``segmentation.state.build_model_state`` / ``current_model`` around it;
- propensity, in functions: ``propensity.state.build_state`` (rows, via ``records.Records``),
  ``training.decode_artifact`` of the artifact row (the fitted candidate and calibrator; a stored
  model is reused whole by ``reuse.reused_records``), ``state.python_scores`` (tree champions;
  logistic champions are scored by generated SQL);
- uplift, in functions: ``uplift.state.build_evaluation_state`` (rows), the champion setting row
  with ``training.fit_champion`` (the state holds the evaluation, not fitted parameters, so the
  champion is refitted), ``state.build_scores`` / ``training.score``;
- CLV, in functions: ``clv.pipeline.fit_state`` (rows), ``clv.pipeline.fits`` (the fits back, a
  row per fit period and model), ``score_customers`` / ``holdout_validation``.
"""

from __future__ import annotations

from typing import Protocol, Self

import pandas as pd

VALUE_COLUMNS = ("record", "name", "position", "value", "text_value")
# dtype kinds (see typed_state): "object" = Python str or None, "Int64" = nullable integer,
# "date" = datetime.date objects, a numpy dtype name, None = as pandas infers it from the rows
VALUE_DTYPES = {
    "record": "object",
    "name": "object",
    "position": "Int64",
    "value": "float64",
    "text_value": "object",
}


class StateModel(Protocol):
    """A fitted model that travels as rows of its area's state table."""

    def to_state_frame(self) -> pd.DataFrame:
        """The rows of the state table (``typed_state`` shape)."""

    @classmethod
    def from_state_frame(cls, state: pd.DataFrame) -> Self:
        """The fitted model back from its rows (one model version)."""

    def assign(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Scores of the rows of ``frame`` (one output row per input row, same index)."""


def state_columns(order: list[str], **keys: str | None) -> dict[str, str | None]:
    """An area's columns in its ``order`` with their dtype kinds: the shared ones of
    ``VALUE_DTYPES``, the area's keys from `keys`."""
    if set(order) != set(VALUE_COLUMNS) | set(keys) or len(order) != len(set(order)):
        raise ValueError(f"state columns {order} are not {VALUE_COLUMNS} plus {sorted(keys)}")
    return {name: VALUE_DTYPES[name] if name in VALUE_DTYPES else keys[name] for name in order}


def typed_state(
    rows: pd.DataFrame | list[dict] | None, columns: dict[str, str | None], **constants
) -> pd.DataFrame:
    """A frame of `rows` (row dicts or a frame; None: no rows) in the order of `columns`, each
    column typed by its kind. `constants`: columns with the same value on every row."""
    if rows is None:
        frame = pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})
    else:
        frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    for name, value in constants.items():
        frame[name] = value
    for name, kind in columns.items():
        if name not in frame:
            frame[name] = None
        if kind == "object":
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        elif kind == "Int64":
            frame[name] = frame[name].astype("Int64")
        elif kind == "date":
            frame[name] = pd.to_datetime(frame[name]).dt.date
        elif kind is not None:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(kind)
    return frame if list(frame.columns) == list(columns) else frame[list(columns)]


def record_rows(state: pd.DataFrame, record: str, order: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of one record kind, sorted by the `order` columns (missing values first), else in
    their stored order."""
    part = state[state["record"] == record]
    return part.sort_values(list(order), na_position="first") if order else part
