"""Data: rows per source table (staged + rejected) and the top rejection reasons."""

from __future__ import annotations

import altair as alt
import pandas as pd

from audience.report.charts import BLUE, WIDTH, figure
from audience.report.page import Note, Section, Table
from audience.report.sections import missing_note
from audience.report.warehouse import ReportDatabase
from audience.summary import SOURCES

TOP_REASONS = 15
COUNTS = "marts.source_row_counts"

GUIDE = (
    "Every row of every file the shop and the CRM sent is either kept (staged) or set aside "
    "(rejected) with a machine-readable reason; nothing is dropped silently, and the build "
    "checks raw = staged + rejected for every table (the report reads those counts from the "
    "warehouse, never the raw files themselves). A rejected share of "
    "a few tenths of a percent is normal housekeeping: duplicates, rows missing an id, dates in "
    "the future. A share that jumps, or a new reason at the top of the list, means an export "
    "changed upstream and is worth a message to whoever owns it before trusting the numbers "
    "below."
)


def build(db: ReportDatabase) -> Section:
    note = missing_note(db, "staging.rejected_rows")
    if note:
        return Section("data", "Data", GUIDE, [note])
    counts = _row_counts(db)
    blocks: list = []
    if counts["raw"].isna().any():
        blocks.append(missing_note(db, COUNTS))
        blocks.append(
            Note(
                "Without it only the rejected rows are known (the staged tables of "
                "the build warehouse are views over the raw files, which the report "
                "does not read)."
            )
        )
    blocks.append(
        figure("data-rejected", "Rejected rows per source table", _rejected_chart(counts))
    )
    reasons = _top_reasons(db)
    if reasons.empty:
        blocks.append(Note("No row was rejected: every raw row was staged."))
    else:
        title = f"Top {TOP_REASONS} rejection reasons"
        blocks.append(figure("data-reasons", title, _reason_chart(reasons)))
    table = counts.rename(columns={"table": "source table"})
    blocks.append(Table("Rows per source table", table, {"rejected share": ".3%"}))
    return Section("data", "Data", GUIDE, blocks)


def _row_counts(db: ReportDatabase) -> pd.DataFrame:
    """Raw, staged and rejected rows per source table (raw and staged only from the
    source_row_counts mart: NULL without it)."""
    if db.has(COUNTS):
        counts = db.frame(
            f"select source_name, table_name, raw_rows, staged_rows, rejected_rows from {COUNTS}"
        )
    else:
        counts = db.frame(
            "select source_name, table_name, null::bigint as raw_rows,"
            " null::bigint as staged_rows, count(*) as rejected_rows"
            " from staging.rejected_rows group by all"
        )
    known = {(r.source_name, r.table_name): r for r in counts.itertuples()}
    rows = []
    for source, table, _ in SOURCES:
        row = known.get((source, table))
        values = (row.raw_rows, row.staged_rows, row.rejected_rows) if row else (None, None, 0)
        rows.append((f"{source}.{table}", *values))
    frame = pd.DataFrame(rows, columns=["table", "raw", "staged", "rejected"])
    frame = frame.astype({"raw": "Int64", "staged": "Int64", "rejected": "int64"})
    frame["rejected share"] = frame["rejected"] / frame["raw"].where(frame["raw"] > 0)
    return frame


def _rejected_chart(counts: pd.DataFrame) -> alt.LayerChart:
    frame = counts.assign(
        label=[
            f"{r:,} ({share:.2%} of {t:,})" if pd.notna(t) and t > 0 else f"{r:,}"
            for r, t, share in zip(
                counts["rejected"], counts["raw"], counts["rejected share"], strict=True
            )
        ]
    )[["table", "rejected", "label"]]
    base = alt.Chart(frame).encode(
        y=alt.Y("table:N", sort=None, title=None),
        x=alt.X("rejected:Q", title="rejected rows", axis=alt.Axis(format="~s")),
    )
    bars = base.mark_bar(color=BLUE)
    labels = base.mark_text(align="left", dx=4, fontSize=10).encode(text="label:N")
    return (bars + labels).properties(width=WIDTH - 120)


def _top_reasons(db: ReportDatabase) -> pd.DataFrame:
    return db.frame(
        "select source_name || '.' || table_name as source_table, rejection_reason,"
        " count(*) as rows from staging.rejected_rows group by all"
        " order by rows desc, source_table, rejection_reason limit ?",
        [TOP_REASONS],
    )


def _reason_chart(reasons: pd.DataFrame) -> alt.Chart:
    frame = reasons.assign(reason=reasons["source_table"] + ": " + reasons["rejection_reason"])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("reason:N", sort=list(frame["reason"]), title=None),
            x=alt.X("rows:Q", title="rejected rows", axis=alt.Axis(format="~s")),
            color=alt.Color("source_table:N", title="source table"),
        )
        .properties(width=WIDTH - 60)
    )
