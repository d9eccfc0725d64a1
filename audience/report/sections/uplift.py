"""Uplift: Qini curves, uplift by decile, the four groups, the A/B readout per segment."""

from __future__ import annotations

import altair as alt
import pandas as pd

from audience.report.charts import GREY, RED, WIDTH, figure
from audience.report.page import Facts, Note, Section, Table
from audience.report.sections import missing_note, rows_or_note
from audience.report.warehouse import ReportDatabase
from audience.uplift.training import GROUPS

GUIDE = (
    "Uplift asks not who will buy, but who buys because you contacted them, learned from past "
    "campaigns where a random control group got nothing. The Qini curve counts the extra "
    "buyers gained as you contact more customers in the model's order: the further it rises "
    "above the dashed line of random targeting, the better (a Qini coefficient of 0 means no "
    "better than random). Uplift by decile should fall from left to right. Persuadables buy "
    "only if contacted (target them), sure things buy anyway and lost causes do not buy either "
    "way (save the budget), do-not-disturb customers buy less when contacted (leave them "
    "out). The A/B readout is the plain experiment result per campaign and segment: the "
    "difference in response rate with its 95% interval; an interval crossing 0, or a hollow "
    "point (too few customers), does not show a real effect."
)


def build(db: ReportDatabase) -> Section:
    note = missing_note(db, "marts.uplift_evaluation")
    if note:
        return Section("uplift", "Uplift", GUIDE, [note])
    evaluation = db.frame(
        "select * from marts.uplift_evaluation order by is_champion desc, learner"
    )
    if evaluation.empty:
        blocks = [Note(f"No uplift model: {_why_not_trained(db)}")]
        return Section("uplift", "Uplift", GUIDE, blocks + _readout(db))
    champion = str(evaluation[evaluation["is_champion"]]["learner"].iloc[0])
    blocks: list = [_facts(evaluation, champion)]
    blocks += _qini(db, champion)
    blocks += _deciles(db, champion)
    blocks += _groups(db)
    blocks += _readout(db)
    blocks.append(
        Table(
            "Learners on the holdout exposures",
            _evaluation_table(evaluation),
            {
                c: ".4f"
                for c in (
                    "Qini",
                    "AUUC",
                    "random AUUC",
                    "uplift@10%",
                    "uplift@30%",
                    "overall uplift",
                )
            },
        )
    )
    return Section("uplift", "Uplift", GUIDE, blocks)


def _why_not_trained(db: ReportDatabase) -> str:
    """The note the evaluation step left (in the build warehouse), or the likely reason."""
    if db.has("uplift.uplift_evaluation_state"):
        notes = db.frame(
            "select text_value from uplift.uplift_evaluation_state"
            " where record = 'note' order by position"
        )
        if len(notes):
            return " ".join(notes["text_value"])
    return (
        "marts.uplift_evaluation is empty: the campaign exposures could not train a model "
        "(none, one arm only, or too few responders)."
    )


def _facts(evaluation: pd.DataFrame, champion: str) -> Facts:
    best = evaluation[evaluation["learner"] == champion].iloc[0]
    return Facts(
        [
            ("champion", f"{champion} (highest holdout Qini)"),
            ("Qini coefficient", f"{best['qini_coefficient']:.4f}"),
            (
                "exposures",
                f"{int(best['training_exposures']):,} training, "
                f"{int(best['holdout_exposures']):,} holdout",
            ),
            ("model version", str(best["model_version"])),
        ]
    )


def _qini(db: ReportDatabase, champion: str) -> list:
    curve, note = rows_or_note(
        db,
        "marts.uplift_qini_curve",
        "select learner, share_targeted, qini, qini_random from marts.uplift_qini_curve"
        " order by learner, share_targeted",
        empty="marts.uplift_qini_curve is empty.",
    )
    if note:
        return [note]
    curve["learner"] = [f"{x} (champion)" if x == champion else x for x in curve["learner"]]
    random = curve[curve["learner"].str.endswith("(champion)")]
    axis_x = alt.X(
        "share_targeted:Q",
        title="share contacted (highest uplift first)",
        axis=alt.Axis(format=".0%"),
    )
    lines = (
        alt.Chart(curve)
        .mark_line()
        .encode(
            x=axis_x,
            y=alt.Y("qini:Q", title="extra responders (share of treated)"),
            color=alt.Color("learner:N", title=None),
        )
    )
    baseline = (
        alt.Chart(random)
        .mark_line(color=GREY, strokeDash=[4, 4])
        .encode(x=axis_x, y="qini_random:Q")
    )
    return [
        figure(
            "uplift-qini",
            "Qini curve against random targeting (dashed)",
            (baseline + lines).properties(width=WIDTH, height=WIDTH - 100),
        )
    ]


def _deciles(db: ReportDatabase, champion: str) -> list:
    deciles, note = rows_or_note(
        db,
        "marts.uplift_deciles",
        "select decile, observed_uplift, mean_predicted_uplift from marts.uplift_deciles"
        " where learner = ? order by decile",
        [champion],
        empty="marts.uplift_deciles has no rows for the champion.",
    )
    if note:
        return [note]
    x = alt.X(
        "decile:O", title="decile (1 = highest predicted uplift)", axis=alt.Axis(labelAngle=0)
    )
    observed = (
        alt.Chart(deciles)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "observed_uplift:Q",
                title="uplift (treated - control response rate)",
                axis=alt.Axis(format=".0%"),
            ),
        )
    )
    predicted = (
        alt.Chart(deciles)
        .mark_point(color=RED, filled=True, size=60)
        .encode(x=x, y="mean_predicted_uplift:Q")
    )
    chart = (observed + predicted).properties(width=WIDTH, height=220)
    return [
        figure(
            "uplift-deciles",
            f"Observed uplift by decile (bars) and predicted (points), {champion}",
            chart,
        )
    ]


def _groups(db: ReportDatabase) -> list:
    groups, note = rows_or_note(
        db,
        "marts.customer_uplift",
        "select uplift_group, count(*) as customers, avg(uplift_score) as average_uplift"
        " from marts.customer_uplift group by all order by uplift_group",  # rows in a fixed order
        empty="marts.customer_uplift is empty: no customer was scored.",
    )
    if note:
        return [note]
    base = alt.Chart(groups).encode(y=alt.Y("uplift_group:N", sort=list(GROUPS), title=None))
    bars = base.mark_bar().encode(
        x=alt.X("customers:Q", title="customers", axis=alt.Axis(format="~s")),
        color=alt.Color("uplift_group:N", legend=None, sort=list(GROUPS)),
    )
    labels = base.mark_text(align="left", dx=4, fontSize=10).encode(
        x="customers:Q", text=alt.Text("average_uplift:Q", format="+.1%")
    )
    chart = (bars + labels).properties(width=WIDTH - 60)
    return [figure("uplift-groups", "The four groups (label: average predicted uplift)", chart)]


def _readout(db: ReportDatabase) -> list:
    readout, note = rows_or_note(
        db,
        "marts.campaign_segment_readout",
        """
        select campaign_id,
            case when is_total then 'all customers'
                else segment_id::varchar || ' · ' || segment_name end as segment,
            is_total, segment_id, uplift, uplift_ci_lower, uplift_ci_upper,
            treated_exposures + control_exposures as exposures,
            case when is_too_small_to_conclude then 'too small to conclude'
                else 'large enough' end as sample
        from marts.campaign_segment_readout
        order by campaign_id, is_total desc, segment_id
        """,
        empty="No A/B readout: there are no completed campaign exposures.",
    )
    if note:
        return [note]
    order = list(readout.drop_duplicates("segment")["segment"])
    base = alt.Chart().encode(y=alt.Y("segment:N", sort=order, title=None))
    interval = base.mark_rule().encode(
        x=alt.X("uplift_ci_lower:Q", title="uplift with 95% interval", axis=alt.Axis(format=".0%")),
        x2="uplift_ci_upper:Q",
    )
    point = base.mark_point(size=60).encode(
        x="uplift:Q",
        fill=alt.Fill(
            "sample:N",
            title=None,
            scale=alt.Scale(
                domain=["large enough", "too small to conclude"], range=["#0072B2", "white"]
            ),
        ),
    )
    zero = alt.Chart().mark_rule(color=GREY, strokeDash=[4, 4]).encode(x=alt.datum(0))
    chart = (
        alt.layer(interval, point, zero, data=readout)
        .properties(width=WIDTH - 60)
        .facet(
            row=alt.Row(
                "campaign_id:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            )
        )
    )
    return [figure("uplift-readout", "A/B readout per campaign and segment", chart)]


def _evaluation_table(evaluation: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "learner": evaluation["learner"],
            "champion": evaluation["is_champion"],
            "Qini": evaluation["qini_coefficient"],
            "AUUC": evaluation["auuc"],
            "random AUUC": evaluation["auuc_random"],
            "uplift@10%": evaluation["uplift_at_10pct"],
            "uplift@30%": evaluation["uplift_at_30pct"],
            "overall uplift": evaluation["overall_uplift"],
            "holdout exposures": evaluation["holdout_exposures"],
        }
    )
