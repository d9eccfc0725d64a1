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


# What each source feeds, for the note printed when it has no file.
NEEDED_FOR = {
    "customers": "everything about customers (derived from the order lines when absent)",
    "order_lines": "RFM, CLV, purchase and churn labels",
    "events": "the behavioural features",
    "campaign_exposures": "uplift",
    "leads": "lead scoring",
    "lead_activities": "the lead activity features",
}


def _source_lines(con) -> list[str]:
    """Raw / staged / rejected rows per source with the rejected share, and a note for every
    source that had no file (built empty) or was derived."""
    status = dict(
        ((source, table), state)
        for source, table, state in con.execute(
            "select source_name, table_name, status from raw.audience_raw_files"
        ).fetchall()
    )
    lines = [f"{'source table':<28}{'raw':>12}{'staged':>12}{'rejected':>10}{'share':>8}"]
    notes = []
    query = "select table_name from information_schema.tables where table_schema = 'staging'"
    built = {name for (name,) in con.execute(query).fetchall()}
    for source, table, staged_model in SOURCES:
        name = f"{source}.{table}"
        state = status.get((source, table), "file")
        if state in ("absent", "empty"):
            kind = "no file" if state == "absent" else "an empty file"
            notes.append(f"note: {name} had {kind}: {NEEDED_FOR[table]} built empty")
        elif state == "derived":
            notes.append(
                f"note: {name} had no file: one customer per customer_id of the order lines,"
                " signed up at the first order"
            )
        if staged_model not in built:
            continue
        staged = con.execute(f"select count(*) from staging.{staged_model}").fetchone()[0]
        rejected = con.execute(
            "select count(*) from staging.rejected_rows where source_name = ? and table_name = ?",
            [source, table],
        ).fetchone()[0]
        raw = staged + rejected  # every raw row is staged or rejected (a tested invariant)
        share = f"{rejected / raw:.1%}" if raw else "-"
        lines.append(f"{name:<28}{raw:>12,}{staged:>12,}{rejected:>10,}{share:>8}")
    nulled = con.execute("select count(*) from staging.rejected_values").fetchone()[0]
    if nulled:
        notes.append(f"note: {nulled:,} optional values set to NULL (staging.rejected_values)")
    return lines + notes


def _build_warning(con) -> list[str]:
    """A warning when the last build of this warehouse did not succeed."""
    row = con.execute(
        "select invocation_id, status, started_at from audience_meta.builds"
        " order by started_at desc limit 1"
    ).fetchone()
    if row is None or row[1] == "succeeded":
        return []
    return [
        f"WARNING: the last build ({row[0]}, started {row[2]} UTC) {row[1]}: tables may come from"
        " two builds; the serving database holds the last build that passed"
    ]


def summarize(warehouse: Path) -> str:
    if not warehouse.exists():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make run` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    lines = [f"warehouse: {warehouse}"]
    try:
        # The _append_* steps add to `lines` row by row: when a table is missing, every line
        # read before it is still reported.
        lines += _build_warning(con)
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
        lines.append(f"as-of date: {as_of}")
        lines.append("")
        lines += _source_lines(con)
        lines.append("")
        _append_rfm_segments(con, lines)
        lines.append("")
        _append_snapshot_counts(con, lines)
        lines.append("")
        _append_segments(con, lines)
        lines.append("")
        _append_predictions(con, lines)
        lines.append("")
        lines += _clv_lines(con)
        lines += _uplift_lines(con)
        lines.append("")
        _append_audiences(con, lines)
        return "\n".join(lines)
    except duckdb.CatalogException as error:  # a build of a selection: report what exists
        missing = str(error).splitlines()[0]
        return "\n".join([*lines, f"(the rest was not built: {missing})"])
    finally:
        con.close()


def _append_rfm_segments(con, lines: list[str]) -> None:
    """Customers, average recency and average orders per RFM segment, in display order."""
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


def _append_snapshot_counts(con, lines: list[str]) -> None:
    """Rows and cutoffs of the customer and lead training snapshots."""
    for table in ("fct_customer_snapshots", "fct_lead_snapshots"):
        count, cutoffs = con.execute(
            f"select count(*), count(distinct cutoff_date) from features.{table}"
        ).fetchone()
        lines.append(f"{table}: {count:,} rows over {cutoffs} cutoffs")


def _append_segments(con, lines: list[str]) -> None:
    """The current segmentation model and its segment profiles (nothing without a model)."""
    model = con.execute(
        "select algorithm, k, chosen_by, model_version from marts.segment_models where is_current"
    ).fetchone()
    if not model:
        return
    algorithm, k, chosen_by, version = model
    lines.append(f"segments: {algorithm}, k = {k} ({chosen_by}), model {version}")
    lines.append(f"{'id':>3}  {'segment':<40}{'customers':>10}{'revenue share':>15}")
    for segment_id, name, customers, revenue_share in con.execute(
        "select segment_id, segment_name, customers, revenue_share"
        " from marts.segment_profiles order by segment_id"
    ).fetchall():
        lines.append(f"{segment_id:>3}  {name:<40}{customers:>10,}{revenue_share:>15.1%}")


def _append_predictions(con, lines: list[str]) -> None:
    """Status, champion, AUC, ECE and scored entities of every prediction."""
    lines.append(
        f"{'prediction':<28}{'status':<12}{'champion':<24}{'AUC':>7}{'ECE':>7}{'scored':>10}"
    )
    for name, status, champion, auc, ece, scored in con.execute(
        """
        select models.prediction, models.status, models.champion, models.champion_roc_auc,
            models.champion_ece, count(scores.entity_id)
        from marts.prediction_models as models
        left join intermediate.int_prediction_scores as scores
            on models.prediction = scores.prediction
        group by all order by models.prediction
        """
    ).fetchall():
        auc_text = f"{auc:.3f}" if auc is not None else "-"
        ece_text = f"{ece:.3f}" if ece is not None else "-"
        champion_text = champion or "-"
        lines.append(
            f"{name:<28}{status:<12}{champion_text:<24}{auc_text:>7}{ece_text:>7}{scored:>10,}"
        )


CLV_PARAMETERS = {
    "bgnbd": ("BG/NBD", "r", "alpha", "a", "b"),
    "gamma_gamma": ("Gamma-Gamma", "p", "q", "v"),
}


def _clv_lines(con) -> list[str]:
    """Fit status and parameters of the current CLV fit, and the holdout check's ratio."""
    fits = con.execute(
        "select model, converged, message, r, alpha, a, b, p, q, v from marts.clv_model_params"
        " where fit_period = 'current' order by model"
    ).fetchall()
    parts = []
    for model, converged, message, *values in fits:
        label, *names = CLV_PARAMETERS[model]
        if converged:
            known = dict(zip(("r", "alpha", "a", "b", "p", "q", "v"), values, strict=True))
            parameters = ", ".join(f"{name} = {known[name]:.4g}" for name in names)
            parts.append(f"{label} converged ({parameters})")
        else:
            parts.append(f"{label} {message}")
    ratio = con.execute(
        "select predicted_to_actual_ratio from marts.clv_holdout_validation"
        " where frequency_bucket = 'total'"
    ).fetchall()
    holdout = f"{ratio[0][0]:.2f}" if ratio and ratio[0][0] is not None else "-"
    return [
        f"CLV: {'; '.join(parts) or 'no fit'}",
        f"CLV holdout predicted / actual repeat purchases: {holdout}",
    ]


def _uplift_lines(con) -> list[str]:
    """The champion uplift learner and every learner's holdout Qini coefficient, or why none was
    trained (uplift_evaluation then holds one 'not trained' row with the reason in its notes)."""
    learners = con.execute(
        "select learner, is_champion, qini_coefficient, training_exposures + holdout_exposures"
        " from marts.uplift_evaluation where status = 'trained'"
        " order by is_champion desc, learner"
    ).fetchall()
    if not learners:
        notes = con.execute(
            "select string_agg(notes, '; ') from marts.uplift_evaluation where notes is not null"
        ).fetchall()
        reason = notes[0][0] if notes and notes[0][0] else "see uplift.uplift_evaluation_state"
        return [f"uplift: no model trained ({reason})"]
    champion, _, qini, exposures = learners[0]
    others = ", ".join(f"{name} {value:.4f}" for name, _, value, _ in learners[1:])
    return [
        f"uplift: champion {champion}, holdout Qini {qini:.4f}"
        + (f" ({others})" if others else "")
        + f", {exposures:,} exposures"
    ]


def _append_audiences(con, lines: list[str]) -> None:
    """Size, holdout and deltas of every declared audience."""
    lines.append(
        f"{'audience':<32}{'entity':<10}{'members':>9}{'held out':>10}{'entered':>9}{'exited':>8}"
    )
    for name, entity, members, held_out, entered, exited in con.execute(
        "select audience, entity_type, members, holdout_members, entered, exited"
        " from marts.audience_summary order by declaration_order"
    ).fetchall():
        lines.append(f"{name:<32}{entity:<10}{members:>9,}{held_out:>10,}{entered:>9,}{exited:>8,}")
