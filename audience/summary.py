"""A short, human-readable report of what a build produced (printed at the end of `make run`)."""

from __future__ import annotations

from pathlib import Path

import duckdb

SOURCES = (
    ("shop", "customers", "stg_shop__customers"),
    ("shop", "order_lines", "stg_shop__order_lines"),
    ("shop", "events", "stg_shop__events"),
    ("shop", "campaign_exposures", "stg_shop__campaign_exposures"),
    ("crm", "leads", "stg_crm__leads"),
    ("crm", "lead_activities", "stg_crm__lead_activities"),
)


def summarize(warehouse: Path) -> str:
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make run` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        lines = [f"warehouse: {warehouse}"]
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        lines.append(f"as-of date: {as_of}")
        lines.append("")
        lines.append(f"{'source table':<28}{'raw':>12}{'staged':>12}{'rejected':>10}")
        for source, table, staged_model in SOURCES:
            raw = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            staged = con.execute(f"select count(*) from staging.{staged_model}").fetchone()[0]
            rejected = con.execute(
                "select count(*) from staging.rejected_rows"
                " where source_name = ? and table_name = ?",
                [source, table],
            ).fetchone()[0]
            lines.append(f"{source + '.' + table:<28}{raw:>12,}{staged:>12,}{rejected:>10,}")
        lines.append("")
        lines.append(f"{'RFM segment':<24}{'customers':>10}{'avg recency':>13}{'avg orders':>12}")
        rows = con.execute(
            """
            select rfm.rfm_segment, count(*), avg(rfm.recency_days), avg(rfm.frequency)
            from features.fct_customer_rfm as rfm
            left join seeds.rfm_segments as seg on rfm.rfm_segment = seg.segment_name
            group by rfm.rfm_segment, seg.display_order
            order by seg.display_order
            """
        ).fetchall()
        for name, count, recency, orders in rows:
            recency_text = f"{recency:.0f} d" if recency is not None else "-"
            lines.append(f"{name:<24}{count:>10,}{recency_text:>13}{orders:>12.1f}")
        lines.append("")
        for table in ("fct_customer_snapshots", "fct_lead_snapshots"):
            count, cutoffs = con.execute(
                f"select count(*), count(distinct cutoff_date) from features.{table}"
            ).fetchone()
            lines.append(f"{table}: {count:,} rows over {cutoffs} cutoffs")
        return "\n".join(lines)
    finally:
        con.close()
