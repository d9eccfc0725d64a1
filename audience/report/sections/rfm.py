"""RFM: customers and revenue per RFM segment, and the recency x frequency grid."""

from __future__ import annotations

from audience.report.charts import figure, grouped_bars, heatmap
from audience.report.page import Note, Section
from audience.report.sections import missing_note
from audience.report.warehouse import ReportDatabase

GUIDE = (
    "RFM sorts customers by how recently they bought (R), how often (F) and how much they "
    "spent (M), each scored 1 (lowest fifth) to 5 (highest fifth), and names the combinations: "
    "Champions bought recently and often, At Risk used to buy often but not lately, "
    "Hibernating bought little long ago. Compare the two bars of each segment: a segment whose "
    "revenue share is far above its customer share is where the money is (protect it), one "
    "far below is cheap to reach but worth little per head. In the grid, the top-right corner "
    "(recent and frequent) should be well filled; a heavy bottom-left corner (long ago, once) "
    "is the usual one-time-buyer tail. The suggested action per segment is in "
    "seeds.rfm_segments."
)


def build(db: ReportDatabase) -> Section:
    note = missing_note(db, "features.fct_customer_rfm")
    if note:
        return Section("rfm", "RFM", GUIDE, [note])
    segments = _segments(db)
    if segments.empty:
        return Section(
            "rfm",
            "RFM",
            GUIDE,
            [Note("features.fct_customer_rfm is empty: no customers were staged.")],
        )
    return Section("rfm", "RFM", GUIDE, [_shares_figure(segments), *_grid_blocks(db)])


def _shares_figure(segments):
    """Customer share and revenue share side by side per segment, in the segments' order."""
    order = list(segments.drop_duplicates("rfm_segment")["rfm_segment"])
    return figure(
        "rfm-shares",
        "Share of customers and of revenue per RFM segment",
        grouped_bars(
            segments,
            "rfm_segment",
            "share",
            "measure",
            category_order=order,
            value_title="share",
            value_format=".0%",
        ),
    )


def _grid_blocks(db: ReportDatabase) -> list:
    """The recency x frequency grid and a note on the Prospects left out of it (or a note that
    there is no grid)."""
    grid = _grid(db)
    if grid.empty:
        return [Note("No customer has a purchase yet, so there is no recency x frequency grid.")]
    blocks = [_grid_figure(grid)]
    without = int(
        db.frame("select count(*) as n from features.fct_customer_rfm where r_score is null")[
            "n"
        ].iloc[0]
    )
    if without:
        blocks.append(
            Note(
                f"{without:,} customers without a purchase (Prospects) have no "
                "scores and are not in the grid."
            )
        )
    return blocks


def _grid_figure(grid):
    return figure(
        "rfm-grid",
        "Customers by recency score (rows, 5 = most recent) and frequency score"
        " (columns, 5 = most orders)",
        heatmap(
            grid,
            "frequency score",
            "recency score",
            "customers",
            x_order=[1, 2, 3, 4, 5],
            y_order=[5, 4, 3, 2, 1],
            value_title="customers",
            x_title="frequency score",
            y_title="recency score",
        ),
    )


def _segments(db: ReportDatabase):
    """Long format: one row per segment and measure (customer share, revenue share)."""
    order_column = "seg.display_order" if db.has("seeds.rfm_segments") else "null::integer"
    join = (
        "left join seeds.rfm_segments as seg on rfm.rfm_segment = seg.segment_name"
        if db.has("seeds.rfm_segments")
        else ""
    )
    return db.frame(
        f"""
        with per_segment as (
            select rfm.rfm_segment, any_value({order_column}) as display_order,
                count(*) as customers, sum(coalesce(rfm.monetary, 0))::double as revenue
            from features.fct_customer_rfm as rfm {join}
            group by rfm.rfm_segment
        ),
        shares as (
            select rfm_segment, display_order,
                customers / sum(customers) over () as customer_share,
                revenue / nullif(sum(revenue) over (), 0) as revenue_share
            from per_segment
        )
        select rfm_segment, display_order, 'customers' as measure, customer_share as share
        from shares
        union all
        select rfm_segment, display_order, 'revenue', coalesce(revenue_share, 0) from shares
        order by display_order nulls last, rfm_segment, measure
        """
    )


def _grid(db: ReportDatabase):
    return db.frame(
        """
        select r_score as "recency score", f_score as "frequency score", count(*) as customers
        from features.fct_customer_rfm where r_score is not null and f_score is not null
        group by all order by all
        """
    )
