"""Predictions: per declared prediction, ROC, gains and lift beside the heuristic, reliability,
score distribution, permutation importance and the champion against its challengers."""

from __future__ import annotations

import altair as alt
import pandas as pd

from audience.report.charts import GREY, WIDTH, diagonal, figure, histogram
from audience.report.page import Facts, Group, Note, Section, Table
from audience.report.sections import missing_note, rows_or_note
from audience.report.warehouse import ReportDatabase

TOP_FEATURES = 15
SCORE_BINS = 20

GUIDE = (
    "Each prediction scores every customer or lead with the chance of an outcome (churning, "
    "buying in the next 30 days, converting) or, for a lookalike, how much they resemble a seed "
    "group. The model was judged on a later period it never saw. ROC: the higher the curve "
    "above the diagonal, the better it separates yes from no. Cumulative gains: how many of "
    "all positives you reach by contacting the top 10%, 20%... of the ranking; lift: how many "
    "times better than random each tenth is; both sit beside the simple rule-of-thumb "
    "heuristic, which the model must beat to be worth it. Reliability: points near the "
    "diagonal mean a 30% score really happens about 30% of the time, so scores can be used as "
    "probabilities. Band A is the top 10%, B the next 20%, C the next 30%, D the rest. The "
    "importance chart says which customer facts drive the score; the table compares the "
    "champion with the models it beat."
)


def build(db: ReportDatabase) -> Section:
    note = missing_note(db, "marts.prediction_models")
    if note:
        return Section("predictions", "Predictions", GUIDE, [note])
    models = db.frame(
        "select * from marts.prediction_models order by"
        " case prediction_kind when 'propensity' then 0 else 1 end, entity_type, prediction"
    )
    if models.empty:
        return Section(
            "predictions",
            "Predictions",
            GUIDE,
            [Note("No prediction is declared (var audience__predictions is empty).")],
        )
    groups = [_prediction(db, row) for _, row in models.iterrows()]
    return Section("predictions", "Predictions", GUIDE, groups)


def _prediction(db: ReportDatabase, model: pd.Series) -> Group:
    name = str(model["prediction"])
    key = f"prediction-{name}"
    blocks: list = [_facts(model)]
    if model["status"] != "trained":
        why = model["notes"] or "no reason recorded"
        blocks.append(Note(f"Status {model['status']}, not a trained model. {why}"))
        blocks += _scores(db, model, key)
        return Group(key, f"{name} ({model['prediction_kind']}, {model['entity_type']})", blocks)
    evaluation = _evaluation(db, name)
    lift = _lift(db, name, evaluation)
    if lift.empty:
        blocks.append(
            missing_note(db, "marts.model_lift")
            or Note("marts.model_lift has no rows for this prediction.")
        )
    else:
        blocks.append(figure(f"{key}-roc", "ROC curve (at the decile cut points)", _roc(lift)))
        blocks.append(figure(f"{key}-gains", "Cumulative gains", _gains(lift)))
        blocks.append(figure(f"{key}-lift", "Lift by decile", _lift_bars(lift)))
    blocks += _reliability(db, name, str(model["champion"]), key)
    blocks += _scores(db, model, key)
    blocks += _importance(db, name, str(model["champion"]), key)
    if not evaluation.empty:
        blocks.append(
            Table(
                "Champion and challengers on the validation rows",
                _evaluation_table(evaluation),
                _FORMATS,
            )
        )
    return Group(key, f"{name} ({model['prediction_kind']}, {model['entity_type']})", blocks)


def _facts(model: pd.Series) -> Facts:
    def number(column, spec):
        value = model.get(column)
        return "-" if value is None or pd.isna(value) else format(value, spec)

    # champion_roc_auc and champion_ece are on the declared test set when there is one.
    rows = str(model.get("evaluated_on") or "validation")
    items = [
        ("status", str(model["status"])),
        ("champion", str(model["champion"] or "-")),
        (f"{rows} ROC AUC", number("champion_roc_auc", ".3f")),
        (f"{rows} calibration error (ECE)", number("champion_ece", ".3f")),
        ("split", str(model["split_method"] or "-")),
        ("training rows", number("training_rows", ",")),
        ("model version", str(model["model_version"] or "-")),
    ]
    if pd.notna(model.get("validation_cutoff")):
        items.insert(5, ("validation cutoff", str(pd.Timestamp(model["validation_cutoff"]).date())))
    return Facts(items)


def _evaluation(db: ReportDatabase, name: str) -> pd.DataFrame:
    if not db.has("marts.model_evaluation"):
        return pd.DataFrame()
    return db.frame(
        "select * from marts.model_evaluation where prediction = ?"
        # Candidates are compared on the rows they were all measured on; the published model's
        # test-set figures (evaluated_on = 'test') are in the facts above the charts.
        " and evaluated_on = 'validation'"
        " order by is_champion desc, is_baseline, roc_auc desc nulls last, candidate",
        [name],
    )


def _label(candidate: str, is_champion: bool, is_baseline: bool) -> str:
    if is_champion:
        return f"{candidate} (champion)"
    return f"{candidate} (baseline)" if is_baseline else candidate


def _lift(db: ReportDatabase, name: str, evaluation: pd.DataFrame) -> pd.DataFrame:
    """Decile rows per candidate with the cumulative true and false positive rates."""
    if not db.has("marts.model_lift"):
        return pd.DataFrame()
    lift = db.frame(
        """
        select candidate, decile, lift, cumulative_gain,
            sum(positives) over w / nullif(sum(positives) over c, 0) as tpr,
            sum(validation_rows - positives) over w
                / nullif(sum(validation_rows - positives) over c, 0) as fpr
        from marts.model_lift where prediction = ? and evaluated_on = 'validation'
        window c as (partition by candidate),
            w as (partition by candidate order by decile rows unbounded preceding)
        order by candidate, decile
        """,
        [name],
    )
    roles = {r.candidate: (r.is_champion, r.is_baseline) for r in evaluation.itertuples()}
    lift["model"] = [_label(c, *roles.get(c, (False, False))) for c in lift["candidate"]]
    lift["is_champion"] = [roles.get(c, (False, False))[0] for c in lift["candidate"]]
    lift["is_baseline"] = [roles.get(c, (False, False))[1] for c in lift["candidate"]]
    return lift


def _with_origin(lift: pd.DataFrame) -> pd.DataFrame:
    origin = lift.drop_duplicates("candidate").assign(
        decile=0, tpr=0.0, fpr=0.0, cumulative_gain=0.0
    )
    return pd.concat([origin, lift]).sort_values(["candidate", "decile"]).reset_index(drop=True)


def _roc(lift: pd.DataFrame) -> alt.LayerChart:
    curves = (
        alt.Chart(_with_origin(lift))
        .mark_line(point=True)
        .encode(
            x=alt.X("fpr:Q", title="false positive rate"),
            y=alt.Y("tpr:Q", title="true positive rate"),
            color=alt.Color("model:N", title=None),
            order="decile:Q",
        )
    )
    return (diagonal("false positive rate", "true positive rate") + curves).properties(
        width=WIDTH - 80, height=WIDTH - 80
    )


def _champion_and_baseline(lift: pd.DataFrame) -> pd.DataFrame:
    return lift[lift["is_champion"] | lift["is_baseline"]]


def _gains(lift: pd.DataFrame) -> alt.LayerChart:
    frame = _with_origin(_champion_and_baseline(lift)).assign(targeted=lambda f: f["decile"] / 10)
    curves = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("targeted:Q", title="share contacted (top first)", axis=alt.Axis(format=".0%")),
            y=alt.Y(
                "cumulative_gain:Q", title="share of positives reached", axis=alt.Axis(format=".0%")
            ),
            color=alt.Color("model:N", title=None),
            order="decile:Q",
        )
    )
    return (diagonal("", "") + curves).properties(width=WIDTH - 80, height=WIDTH - 80)


def _lift_bars(lift: pd.DataFrame) -> alt.LayerChart:
    frame = _champion_and_baseline(lift)
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "decile:O", title="decile (1 = top 10% of scores)", axis=alt.Axis(labelAngle=0)
            ),
            xOffset=alt.XOffset("model:N"),
            y=alt.Y("lift:Q", title="lift (x random)"),
            color=alt.Color("model:N", title=None),
        )
    )
    one = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color=GREY, strokeDash=[4, 4])
    return (bars + one.encode(y="y:Q")).properties(width=WIDTH, height=220)


def _reliability(db: ReportDatabase, name: str, champion: str, key: str) -> list:
    bins, note = rows_or_note(
        db,
        "marts.model_calibration",
        "select probability_bin, mean_predicted, observed_rate, validation_rows"
        " from marts.model_calibration where prediction = ? and candidate = ?"
        " and evaluated_on = 'validation'"
        " order by probability_bin",
        [name, champion],
        empty=f"No reliability rows for the champion {champion}.",
    )
    if note:
        return [note]
    points = (
        alt.Chart(bins)
        .mark_line(point=True)
        .encode(
            x=alt.X("mean_predicted:Q", title="mean predicted probability"),
            y=alt.Y("observed_rate:Q", title="observed rate"),
            order="probability_bin:Q",
        )
    )
    sized = (
        alt.Chart(bins)
        .mark_circle(opacity=0.5)
        .encode(
            x="mean_predicted:Q",
            y="observed_rate:Q",
            size=alt.Size("validation_rows:Q", legend=None),
        )
    )
    chart = (diagonal("mean predicted probability", "observed rate") + points + sized).properties(
        width=WIDTH - 80, height=WIDTH - 80
    )
    title = f"Reliability of {champion} (point size: validation rows)"
    return [figure(f"{key}-reliability", title, chart)]


def _scores(db: ReportDatabase, model: pd.Series, key: str) -> list:
    """Score histogram by band (propensity), or by audience tier (lookalike)."""
    name = str(model["prediction"])
    if model["prediction_kind"] == "lookalike":
        relation, score, group, where = (
            "marts.lookalike_audiences",
            "similarity_score",
            "audience_tier",
            "lookalike",
        )
    else:
        # Every entity type's scores (customer, lead or a declared one) are in entity_scores.
        relation = "marts.entity_scores"
        score, group, where = "coalesce(probability, score)", "band", "prediction"
    if not db.has(relation):
        return [missing_note(db, relation)]
    bins = db.frame(
        f"""
        select {group} as band, least(floor({score} * ?), ? - 1) / ? as bin_start,
            (least(floor({score} * ?), ? - 1) + 1) / ? as bin_end, count(*) as entities
        from {relation} where {where} = ? and {score} is not null
        group by all order by band, bin_start
        """,
        [SCORE_BINS] * 6 + [name],
    )
    if bins.empty:
        return [Note(f"No scores published in {relation} for {name}.")]
    label = "similarity score" if model["prediction_kind"] == "lookalike" else "score"
    chart = histogram(
        bins,
        "bin_start",
        "bin_end",
        "entities",
        color="band",
        x_title=label,
        y_title=f"{model['entity_type']}s",
    )
    title = "Published audience by tier" if group == "audience_tier" else "Scores by band"
    return [figure(f"{key}-scores", title, chart)]


def _importance(db: ReportDatabase, name: str, champion: str, key: str) -> list:
    if not db.has("marts.model_feature_importance"):
        return [missing_note(db, "marts.model_feature_importance")]
    rows = db.frame(
        "select feature, importance, importance_std, is_excluded_as_leakage, leakage_auc"
        " from marts.model_feature_importance where prediction = ?"
        " order by importance_rank nulls last, feature",
        [name],
    )
    blocks: list = []
    excluded = rows[rows["is_excluded_as_leakage"].fillna(False).astype(bool)]
    used = rows.drop(excluded.index).head(TOP_FEATURES)
    if used.empty:
        blocks.append(Note("No permutation importance was recorded for this prediction."))
    else:
        blocks.append(
            figure(
                f"{key}-importance",
                f"Permutation importance of {champion} (top {len(used)})",
                _importance_chart(used),
            )
        )
    if len(excluded):
        listed = ", ".join(f"{r.feature} (AUC {r.leakage_auc:.3f})" for r in excluded.itertuples())
        blocks.append(
            Note(f"Excluded as probable leakage (they alone nearly give the answer): {listed}.")
        )
    return blocks


def _importance_chart(used: pd.DataFrame) -> alt.LayerChart:
    frame = used.assign(
        low=used["importance"] - used["importance_std"].fillna(0),
        high=used["importance"] + used["importance_std"].fillna(0),
    )
    order = list(frame["feature"])
    base = alt.Chart(frame).encode(y=alt.Y("feature:N", sort=order, title=None))
    bars = base.mark_bar().encode(x=alt.X("importance:Q", title="drop in validation score"))
    spread = base.mark_rule(color="#1f2933").encode(x="low:Q", x2="high:Q")
    return (bars + spread).properties(width=WIDTH - 100)


_FORMATS = {c: ".3f" for c in ("ROC AUC", "PR AUC", "log loss", "Brier", "ECE")} | {
    "lift@10%": ".2f",
    "precision@10%": ".3f",
    "positive rate": ".3f",
}


def _evaluation_table(evaluation: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "model": [
                _label(r.candidate, r.is_champion, r.is_baseline) for r in evaluation.itertuples()
            ],
            "ROC AUC": evaluation["roc_auc"],
            "PR AUC": evaluation["pr_auc"],
            "log loss": evaluation["log_loss"],
            "Brier": evaluation["brier"],
            "ECE": evaluation["ece"],
            "lift@10%": evaluation["lift_at_10pct"],
            "precision@10%": evaluation["precision_at_10pct"],
            "positive rate": evaluation["positive_rate"],
            "validation rows": evaluation["validation_rows"],
            "calibration": evaluation["calibration_method"],
        }
    )
    return frame
