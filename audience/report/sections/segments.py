"""Segments: the k sweep, sizes and revenue, profile z-scores, the RFM cross-tab, migration."""

from __future__ import annotations

import json

import altair as alt

from audience.report.charts import RED, figure, grouped_bars, heatmap
from audience.report.page import Facts, Note, Section
from audience.report.sections import missing_note, rows_or_note
from audience.report.warehouse import ReportDatabase

GUIDE = (
    "Behavioural segments group customers who act alike (what they buy, how often, which "
    "channels they use), found by a clustering model rather than by rules. The four small "
    "curves show how the number of segments k was chosen: inertia always falls as k grows (look "
    "for the bend, the elbow), silhouette and Calinski-Harabasz are better when higher, "
    "Davies-Bouldin when lower; the red point is the k in use. In the heatmap, red cells mark "
    "what a segment does much more than the average customer and blue cells much less (in "
    "standard deviations): read a row to describe a segment in words. The RFM cross-tab shows "
    "how each behavioural segment spreads over the RFM segments, and the migration table how "
    "customers moved between the last two models (most should stay on the diagonal)."
)

METRICS = {
    "inertia": "inertia (lower, look for the elbow)",
    "silhouette": "silhouette (higher is better)",
    "calinski_harabasz": "Calinski-Harabasz (higher is better)",
    "davies_bouldin": "Davies-Bouldin (lower is better)",
}


def build(db: ReportDatabase) -> Section:
    note = missing_note(db, "marts.segment_models", "marts.segment_profiles")
    if note:
        return Section("segments", "Segments", GUIDE, [note])
    model = db.frame(
        "select model_version, algorithm, k, chosen_by, training_customers, notes, settings_json"
        " from marts.segment_models where is_current"
    )
    if model.empty:
        return Section(
            "segments",
            "Segments",
            GUIDE,
            [
                Note(
                    "No segmentation model: marts.segment_models has no current model "
                    "(the segmentation step did not run)."
                )
            ],
        )
    current = model.iloc[0]
    version = str(current["model_version"])
    blocks: list = [_facts(current)]
    blocks += _k_sweep(db, version, current)
    blocks += _sizes(db)
    blocks += _profiles(db, version)
    blocks += _rfm_crosstab(db, version)
    blocks += _migration(db)
    return Section("segments", "Segments", GUIDE, blocks)


def _facts(current) -> Facts:
    items = [
        ("model", str(current["model_version"])),
        ("algorithm", f"{current['algorithm']}, k = {current['k']} ({current['chosen_by']})"),
        ("customers clustered", f"{int(current['training_customers']):,}"),
    ]
    if current["notes"]:
        items.append(("notes", str(current["notes"])))
    return Facts(items)


def _k_sweep(db: ReportDatabase, version: str, current) -> list:
    if not db.has("marts.segment_model_selection"):
        return [missing_note(db, "marts.segment_model_selection")]
    sweep = db.frame(
        "select k, inertia, silhouette, calinski_harabasz, davies_bouldin, is_chosen"
        " from marts.segment_model_selection where model_version = ? order by k",
        [version],
    )
    if len(sweep) < 2:
        return [
            Note(
                f"No k sweep to draw: k was {current['chosen_by']} "
                f"({len(sweep)} value of k evaluated)."
            )
        ]
    long = sweep.melt(["k", "is_chosen"], list(METRICS), "metric", "value").dropna()
    long["metric"] = long["metric"].map(METRICS)
    rule = json.loads(current["settings_json"] or "{}").get("k_rule")
    base = alt.Chart().encode(
        x=alt.X("k:O", title="k (number of segments)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
    )
    line = base.mark_line(point=True)
    chosen = base.mark_point(color=RED, size=140, filled=True).transform_filter("datum.is_chosen")
    chart = (
        alt.layer(line, chosen, data=long)
        .properties(width=230, height=150)
        .facet(facet=alt.Facet("metric:N", title=None, sort=list(METRICS.values())), columns=2)
        .resolve_scale(y="independent")
    )
    title = f"Choosing k: the k sweep (chosen k = {current['k']}"
    title += f", by the {rule.replace('_', '-')} rule)" if current["chosen_by"] == "rule" else ")"
    return [figure("segments-k-sweep", title, chart)]


def _sizes(db: ReportDatabase) -> list:
    shares = db.frame(
        """
        select segment_id::varchar || ' · ' || segment_name as segment, segment_id,
            'customers' as measure, customer_share as share from marts.segment_profiles
        union all
        select segment_id::varchar || ' · ' || segment_name, segment_id, 'revenue',
            coalesce(revenue_share, 0) from marts.segment_profiles
        order by segment_id, measure
        """
    )
    if shares.empty:
        return [Note("marts.segment_profiles is empty: no customer was assigned a segment.")]
    order = list(shares.drop_duplicates("segment")["segment"])
    chart = grouped_bars(
        shares,
        "segment",
        "share",
        "measure",
        category_order=order,
        value_title="share",
        value_format=".0%",
    )
    return [figure("segments-shares", "Share of customers and of revenue per segment", chart)]


def _profiles(db: ReportDatabase, version: str) -> list:
    profiles, note = rows_or_note(
        db,
        "marts.segment_feature_profiles",
        """
        select p.segment_id::varchar || ' · ' || s.segment_name as segment, p.segment_id,
            p.feature, p.feature_position, p.z_score
        from marts.segment_feature_profiles as p
        join marts.segment_profiles as s on p.segment_id = s.segment_id
        where p.model_version = ? and p.z_score is not null
        order by p.segment_id, p.feature_position
        """,
        [version],
        empty="No feature profiles for the current model (no customer was clustered).",
    )
    if note:
        return [note]
    chart = heatmap(
        profiles,
        "feature",
        "segment",
        "z_score",
        x_order=list(profiles.drop_duplicates("feature")["feature"]),
        y_order=list(profiles.drop_duplicates("segment")["segment"]),
        value_title="z-score",
        label_format=".1f",
        diverging_limit=2.0,
    )
    return [figure("segments-profiles", "Segment profiles: feature z-scores", chart)]


def _rfm_crosstab(db: ReportDatabase, version: str) -> list:
    if not db.has("marts.segment_rfm_crosstab"):
        return [missing_note(db, "marts.segment_rfm_crosstab")]
    order_join = (
        "left join seeds.rfm_segments as seg on c.rfm_segment = seg.segment_name"
        if db.has("seeds.rfm_segments")
        else "left join (select null::varchar as segment_name, null::integer as display_order)"
        " as seg on false"
    )
    crosstab = db.frame(
        f"""
        select c.segment_id::varchar || ' · ' || c.segment_name as segment, c.segment_id,
            coalesce(c.rfm_segment, 'no purchase') as rfm_segment, seg.display_order,
            c.share_of_segment
        from marts.segment_rfm_crosstab as c {order_join}
        where c.model_version = ?
        order by c.segment_id, seg.display_order nulls last, rfm_segment
        """,
        [version],
    )
    if crosstab.empty:
        return [Note("marts.segment_rfm_crosstab has no rows for the current model.")]
    rfm_order = list(
        crosstab.sort_values(["display_order", "rfm_segment"], na_position="last").drop_duplicates(
            "rfm_segment"
        )["rfm_segment"]
    )
    chart = heatmap(
        crosstab,
        "rfm_segment",
        "segment",
        "share_of_segment",
        x_order=rfm_order,
        y_order=list(crosstab.drop_duplicates("segment")["segment"]),
        value_title="share of segment",
        label_format=".0%",
    )
    return [figure("segments-rfm", "RFM segments within each behavioural segment", chart)]


def _migration(db: ReportDatabase) -> list:
    moves, note = rows_or_note(
        db,
        "marts.segment_migration",
        """
        select from_model_version, to_model_version, from_as_of_date, to_as_of_date,
            'from ' || from_segment_id::varchar as from_segment, from_segment_id,
            'to ' || to_segment_id::varchar as to_segment, to_segment_id, share_of_from_segment
        from marts.segment_migration
        order by from_segment_id, to_segment_id
        """,
        empty="No migration yet: only one segmentation model has been used, so there is "
        "no earlier model to compare with. After the next retrain this shows where "
        "each segment's customers went.",
    )
    if note:
        return [note]
    first = moves.iloc[0]
    chart = heatmap(
        moves,
        "to_segment",
        "from_segment",
        "share_of_from_segment",
        x_order=list(
            moves.sort_values("to_segment_id").drop_duplicates("to_segment")["to_segment"]
        ),
        y_order=list(moves.drop_duplicates("from_segment")["from_segment"]),
        value_title="share of the earlier segment",
        label_format=".0%",
    )
    title = (
        f"Migration: model {first['from_model_version']} (as of {first['from_as_of_date']}) to "
        f"{first['to_model_version']} (as of {first['to_as_of_date']})"
    )
    return [figure("segments-migration", title, chart)]
