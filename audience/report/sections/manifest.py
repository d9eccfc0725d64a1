"""The build manifest: as-of date, model versions, when it was built.

A serving database carries main.build_manifest (one row per published table, with the build's
id, as-of date, time and commit). The build warehouse has none: the as-of date then comes from
intermediate.int_as_of_date and the time from the score marts' scored_at.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from audience.report.page import Facts, Note, Section, Table
from audience.report.warehouse import ReportDatabase

MANIFEST = "main.build_manifest"
BUILD_COLUMNS = ("build_id", "as_of_date", "built_at", "git_commit")

GUIDE = (
    "Which build these charts come from: the as-of date is the day the data runs up to (every "
    "feature and score describes customers as they were on that date), and the model versions "
    "identify the exact trained models, so two reports can be compared knowing whether the "
    "models changed or only the customers did. When something in the report looks off, quote "
    "the build id or as-of date to the data team."
)


def build(db: ReportDatabase) -> Section:
    blocks: list = []
    if db.has(MANIFEST):
        blocks += _published(db)
    else:
        blocks.append(
            Note(
                "This is the build warehouse, not a published serving database: there "
                "is no build manifest, so the as-of date and build time below are "
                "read from the tables themselves."
            )
        )
        blocks.append(Facts(_warehouse_facts(db)))
    versions = _model_versions(db)
    if versions.empty:
        blocks.append(Note("No trained model is recorded in this database."))
    else:
        blocks.append(Table("Model versions", versions))
    return Section("manifest", "Build manifest", GUIDE, blocks)


def subtitle(db: ReportDatabase) -> str:
    """The header line: as-of date and build, as this database records them."""
    facts = dict(_published_facts(db) if db.has(MANIFEST) else _warehouse_facts(db))
    as_of = facts.get("as-of date", "unknown")
    source = "serving database" if db.has(MANIFEST) else "build warehouse"
    built = facts.get("built at") or facts.get("scores computed at") or "unknown"
    return f"Customers as of {as_of} · built {built} · read from the {source}"


def _published(db: ReportDatabase) -> list:
    manifest = db.frame(f"select * from {MANIFEST} order by table_schema, table_name")
    if manifest.empty:
        return [Note(f"{MANIFEST} is empty: the publish step recorded no table.")]
    per_table = [c for c in manifest.columns if c not in BUILD_COLUMNS]
    return [
        Facts(_published_facts(db)),
        Table("Published tables", manifest[per_table]),
    ]


def _published_facts(db: ReportDatabase) -> list[tuple[str, str]]:
    manifest = db.frame(f"select * from {MANIFEST} limit 1")
    if manifest.empty:
        return []
    first = manifest.iloc[0]
    labels = {
        "build_id": "build id",
        "as_of_date": "as-of date",
        "built_at": "built at",
        "git_commit": "git commit",
    }
    return [(labels[c], _text(first[c])) for c in BUILD_COLUMNS if c in manifest.columns]


def _warehouse_facts(db: ReportDatabase) -> list[tuple[str, str]]:
    facts = []
    as_of = _as_of_date(db)
    if as_of is not None:
        facts.append(("as-of date", _text(as_of)))
    stamps = [
        f"select max(scored_at) as stamp from {t}"
        for t in ("marts.customer_scores", "marts.lead_scores")
        if db.has(t)
    ]
    if stamps:
        union = " union all ".join(stamps)
        stamp = db.frame(f"select max(stamp) as stamp from ({union})")["stamp"].iloc[0]
        facts.append(("scores computed at", _text(stamp)))
    return facts


def _as_of_date(db: ReportDatabase):
    """intermediate.int_as_of_date, or the as-of date the feature table carries (the view names
    the warehouse's catalog, so it cannot be read from a copy under another file name)."""
    if db.has("intermediate.int_as_of_date"):
        try:
            return db.frame("select as_of_date from intermediate.int_as_of_date")["as_of_date"][0]
        except duckdb.Error:
            pass
    if db.has("features.fct_customer_rfm"):
        return db.frame("select max(as_of_date) as d from features.fct_customer_rfm")["d"][0]
    return None


def _model_versions(db: ReportDatabase) -> pd.DataFrame:
    parts = []
    if db.has("marts.segment_models"):
        parts.append(
            "select 'segmentation' as model, algorithm || ', k = ' || k as detail,"
            " model_version, as_of_date::varchar as as_of from marts.segment_models"
            " where is_current"
        )
    if db.has("marts.prediction_models"):
        parts.append(
            "select 'prediction ' || prediction, status || coalesce(', ' || champion, ''),"
            " model_version, validation_cutoff::varchar from marts.prediction_models"
        )
    if db.has("marts.clv_model_params"):
        parts.append(
            "select 'CLV ' || model, fit_period || case when converged then ', converged'"
            " else ', not fitted' end, null, fitted_as_of_date::varchar"
            " from marts.clv_model_params"
        )
    if db.has("marts.uplift_evaluation"):
        parts.append(
            "select 'uplift', learner || ' (champion)', model_version, null"
            " from marts.uplift_evaluation where is_champion"
        )
    if not parts:
        return pd.DataFrame()
    frame = db.frame(" union all ".join(f"({p})" for p in parts) + " order by 1, 2")
    return frame.rename(columns={"model_version": "version", "as_of": "as of / validated"})


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "-"
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value)
