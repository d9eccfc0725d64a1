"""Reading a prediction's rows from the warehouse: which columns are features, the labeled
cutoffs, the training / validation rows (sampled in SQL to the configured caps) and the rows to
score. Every value is cast in SQL (numbers to DOUBLE, categories to VARCHAR) so training, Python
scoring and the generated SQL scoring see identical values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from audience.propensity.settings import PredictionSpec, PropensityConfigError

ID, CUTOFF, LABEL = "__id", "__cutoff", "__label"
MISSING = "(missing)"  # the category a NULL becomes, in training and in scoring alike
NUMERIC_TYPE = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT"
    r"|FLOAT|REAL|DOUBLE|DECIMAL.*|BOOLEAN)$"
)
_CATEGORICAL = re.compile(r"^(VARCHAR|ENUM.*)$")
# 1,000,000 buckets of a row hash: a seeded-free, order-free sample that is the same every run.
SAMPLE_BUCKETS = 1_000_000


class PropensityDataError(ValueError):
    """The rows of a prediction cannot train a model (named in the message)."""


@dataclass(frozen=True)
class FeatureColumns:
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    skipped: tuple[str, ...]  # columns of another type (dates, timestamps, lists)

    @property
    def all(self) -> tuple[str, ...]:
        return self.numeric + self.categorical


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation_columns(con, relation: str) -> dict[str, str]:
    rows = con.sql(f"describe select * from {relation}").fetchall()
    return {name.lower(): str(kind).upper() for name, kind, *_ in rows}


def resolve_features(spec: PredictionSpec, con) -> FeatureColumns:
    """The prediction's features: declared, or every usable column both relations share."""
    training = relation_columns(con, spec.feature_relation)
    scoring = relation_columns(con, spec.score_relation)
    where = f"prediction {spec.name!r}"
    for column, relation, columns in (
        (spec.id_column, spec.feature_relation, training),
        (spec.id_column, spec.score_relation, scoring),
        *([(spec.cutoff_column, spec.feature_relation, training)] if spec.cutoff_column else []),
    ):
        if column not in columns:
            raise PropensityConfigError(
                f"{where}: column {column!r} not found in {relation}"
                f" (it has: {', '.join(sorted(columns))})"
            )
    reserved = {spec.id_column, spec.cutoff_column, spec.label_column or spec.label.lower()}
    if spec.features is not None:
        missing = [
            f"{c} (in {r})"
            for c in spec.features
            for r, cols in ((spec.feature_relation, training), (spec.score_relation, scoring))
            if c not in cols
        ]
        if missing:
            raise PropensityConfigError(
                f"{where}: declared feature(s) missing: {', '.join(missing)}"
            )
        candidates = [c for c in spec.features if c not in reserved]
    else:
        candidates = [c for c in training if c in scoring and c not in reserved]
    missing_categorical = [c for c in spec.categorical_features if c not in training]
    if missing_categorical:
        raise PropensityConfigError(
            f"{where}: categorical_features not in {spec.feature_relation}:"
            f" {', '.join(missing_categorical)}"
        )
    numeric, categorical, skipped = [], [], []
    for column in candidates:
        if column in spec.exclude_features:
            continue
        kind = training[column]
        if column in spec.categorical_features or _CATEGORICAL.match(kind):
            categorical.append(column)
        elif NUMERIC_TYPE.match(kind):
            numeric.append(column)
        else:
            skipped.append(f"{column} ({kind.lower()})")
    if not numeric and not categorical:
        raise PropensityConfigError(
            f"{where}: no usable feature columns in {spec.feature_relation}"
            f" (numbers, text or booleans shared with {spec.score_relation})"
        )
    return FeatureColumns(tuple(numeric), tuple(categorical), tuple(skipped))


def _select_list(spec: PredictionSpec, features: FeatureColumns, with_label: bool) -> str:
    parts = [f"cast({quote(spec.id_column)} as varchar) as {ID}"]
    if with_label:
        if spec.cutoff_column:
            parts.append(f"cast({quote(spec.cutoff_column)} as date) as {CUTOFF}")
        parts.append(f"cast(({spec.label}) as integer) as {LABEL}")
    parts += [f"cast({quote(c)} as double) as {quote(c)}" for c in features.numeric]
    parts += [
        f"coalesce(cast({quote(c)} as varchar), '{MISSING}') as {quote(c)}"
        for c in features.categorical
    ]
    return ",\n    ".join(parts)


def _where(*conditions: str | None) -> str:
    kept = [f"({c})" for c in conditions if c]
    return f"where {' and '.join(kept)}" if kept else ""


def _is_test(spec: PredictionSpec) -> str:
    """SQL: the row belongs to the declared test set (a NULL condition counts as not)."""
    return f"coalesce({spec.test_condition}, false)" if spec.test_condition else "false"


def label_summary(con, spec: PredictionSpec) -> pd.DataFrame:
    """Labeled rows per cutoff and test-set membership (cutoff NULL when the split is random;
    is_test false everywhere without a test_condition)."""
    cutoff = f"cast({quote(spec.cutoff_column)} as date)" if spec.cutoff_column else "null"
    query = f"""
        select {cutoff} as cutoff, {_is_test(spec)} as is_test, count(*) as rows,
            count({LABEL}) as labeled,
            count(case when {LABEL} = 1 then 1 end) as positives,
            count(case when {LABEL} = 0 then 1 end) as negatives
        from (select *, cast(({spec.label}) as integer) as {LABEL} from {spec.feature_relation}
              {_where(spec.population)})
        group by all order by all
    """
    try:
        summary = con.sql(query).to_arrow_table().to_pandas()
    except Exception as error:  # a bad SQL expression in the declaration
        raise PropensityConfigError(
            f"prediction {spec.name!r}: cannot read its label {spec.label_text or spec.label!r},"
            f" population {spec.population_text or spec.population!r} or test_condition"
            f" {spec.test_text!r} from {spec.feature_relation}: {error}"
        ) from None
    other = summary["labeled"] - summary["positives"] - summary["negatives"]
    if (other > 0).any():
        raise PropensityDataError(
            f"prediction {spec.name!r}: label {spec.label_text or spec.label!r} must be 0 or 1"
            f" (or NULL when not observed); {int(other.sum())} rows have another value"
        )
    return summary


def load_rows(
    con,
    spec: PredictionSpec,
    features: FeatureColumns,
    cutoffs: list | None,
    max_rows: int,
    total: int,
    test: bool = False,
) -> pd.DataFrame:
    """Labeled rows of the declared test set (test) or outside it (of the given cutoffs; `total`
    of them, from label_summary), a deterministic hash sample of at most ~max_rows, ordered by
    cutoff and id."""
    cutoff_filter = None
    if cutoffs is not None:
        listed = ", ".join(f"date '{pd.Timestamp(c).date()}'" for c in cutoffs)
        cutoff_filter = f"cast({quote(spec.cutoff_column)} as date) in ({listed})"
    test_filter = _is_test(spec) if test else f"not {_is_test(spec)}"
    base = f"""
        select {_select_list(spec, features, with_label=True)}
        from {spec.feature_relation}
        {_where(spec.population, cutoff_filter, f"({spec.label}) is not null", test_filter)}
    """
    sample = ""
    if total > max_rows:
        keep = int(SAMPLE_BUCKETS * max_rows / total)
        key = f"{ID}, {CUTOFF}" if spec.cutoff_column else ID
        sample = f"where hash({key}) % {SAMPLE_BUCKETS} < {keep}"
    order = f"{CUTOFF}, {ID}" if spec.cutoff_column else ID
    frame = con.sql(f"select * from ({base}) {sample} order by {order}").to_arrow_table()
    return _typed(frame.to_pandas(), features)


def load_scoring_rows(con, spec: PredictionSpec, features: FeatureColumns) -> pd.DataFrame:
    query = f"""
        select {_select_list(spec, features, with_label=False)}
        from {spec.score_relation}
        {_where(spec.population, spec.score_filter)}
        order by 1
    """
    return _typed(con.sql(query).to_arrow_table().to_pandas(), features)


def _typed(frame: pd.DataFrame, features: FeatureColumns) -> pd.DataFrame:
    for column in features.numeric:
        frame[column] = frame[column].astype("float64")
    for column in features.categorical:
        frame[column] = frame[column].astype(object)
    frame[ID] = frame[ID].astype(object)
    if CUTOFF in frame:
        frame[CUTOFF] = pd.to_datetime(frame[CUTOFF])
    return frame


def stratified_holdout(labels: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Boolean mask of a seeded holdout with the same positive rate as the whole."""
    rng = np.random.default_rng(seed)
    holdout = np.zeros(labels.shape[0], dtype=bool)
    for value in (0, 1):
        index = np.flatnonzero(labels == value)
        take = int(round(share * index.shape[0]))
        holdout[rng.permutation(index)[:take]] = True
    return holdout
