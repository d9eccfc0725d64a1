"""Deliberate bugs the test suite must catch, each with the tests that should catch it.

A mutation replaces one exact snippet of one file (it must occur exactly once, so a refactoring
that moves the code makes the mutation fail loudly instead of silently testing nothing). Add one
for every area a change touches: a bug the tests let through is a missing test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    name: str
    why: str  # the bug, in words
    path: str
    old: str
    new: str
    tests: tuple[str, ...]  # pytest node ids (or files) that must fail


MUTATIONS = [
    Mutation(
        "behavior_reads_only_7_days",
        "with several cutoffs, each date reads only the last 7 days of events",
        "macros/features/customer_behavior_features.sql",
        "case when previous_date is not null then least(",
        "case when previous_date is not null then greatest(cast("
        "{{ dbt.dateadd('day', -7, 'as_of_date') }} as date), ",
        ("tests/python/test_features.py::test_snapshots_equal_the_reference_at_several_cutoffs",),
    ),
    Mutation(
        "behavior_fallback_active_days_exclusive",
        "the general path (windows over 126 days) counts active days before the window's last day",
        "macros/features/customer_behavior_features.sql",
        "cast(count(distinct case when days_before <= {{ window }} then days_before end) as integer)",
        "cast(count(distinct case when days_before < {{ window }} then days_before end) as integer)",
        (
            "tests/python/test_features.py::test_behavior_with_windows_beyond_the_packed_paths_matches_pandas",
        ),
    ),
    Mutation(
        "behavior_fallback_type_counts_off",
        "the general path (more than three windows) counts one event type in the wrong window",
        "macros/features/customer_behavior_features.sql",
        "cast(count(case when days_before <= {{ window }} and event_type_index = {{ loop.index }}",
        "cast(count(case when days_before <= {{ window }} + 1 and event_type_index = {{ loop.index }}",
        (
            "tests/python/test_features.py::test_behavior_with_windows_beyond_the_packed_paths_matches_pandas",
        ),
    ),
    Mutation(
        "cpu_threads_not_applied_to_python",
        "the thread bound reaches DuckDB but not the OpenMP / BLAS pools of the Python models",
        "audience/serving/dbt_plugin.py",
        "        limit_python_threads(threads)\n",
        "",
        ("tests/python/test_threads.py::test_the_setting_bounds_duckdb_openmp_and_blas",),
    ),
    Mutation(
        "reuse_ignores_new_rows",
        "on_new_cutoff reuses the stored model although the rows it would train on changed",
        "audience/propensity/reuse.py",
        "    elif version is not None and version == versions[0]:",
        "    elif version is not None:",
        (
            "tests/python/test_propensity_reuse.py::test_a_new_labeled_cutoff_or_a_changed_declaration_refits",
            "tests/python/test_propensity_reuse.py::test_changed_feature_values_refit",
        ),
    ),
    Mutation(
        "reuse_ignores_the_declaration",
        "a stored model is reused after its declaration changed",
        "audience/propensity/reuse.py",
        "    for part in (spec.fingerprint_json(), settings.to_json(), sklearn.__version__):",
        "    for part in (settings.to_json(), sklearn.__version__):",
        (
            "tests/python/test_propensity_reuse.py::test_never_keeps_the_model_whatever_the_data_and_always_refits",
        ),
    ),
    Mutation(
        "free_repeat_buyers_in_the_spend_fit",
        "repeat buyers whose repeat purchases were all free are fitted by Gamma-Gamma (spend 0)",
        "audience/clv/pipeline.py",
        'paying = summary[(summary["frequency"] == 0) | (summary["monetary_value"] > 0)]',
        "paying = summary",
        (
            "tests/python/test_clv_package.py::test_repeat_buyers_who_only_got_free_repeats_are_left_out_of_the_spend_fit",
        ),
    ),
    Mutation(
        "bgnbd_log_likelihood_shifted",
        "the BG/NBD log-likelihood shifted by a constant per customer (estimates unchanged)",
        "audience/clv/bgnbd.py",
        "total = dot(data.wu, per_x) + dot(w, np.logaddexp(0.0, d) - rx * log_alpha_T)",
        "total = dot(data.wu, per_x) + dot(w, np.logaddexp(0.0, d) - rx * log_alpha_T + 0.5)",
        (
            "tests/python/test_clv_package.py::test_reported_log_likelihoods_equal_the_published_formulas",
        ),
    ),
    Mutation(
        "bgnbd_simulator_dropout_shifted",
        "the simulator lets customers drop out one purchase later than the model says",
        "audience/clv/bgnbd.py",
        "last = rng.geometric(dropout)",
        "last = rng.geometric(dropout) + 1",
        ("tests/python/test_clv_package.py::test_simulators_match_the_models_closed_form_moments",),
    ),
    Mutation(
        "clv_age_to_the_as_of_date",
        "T measured to the (exclusive) as-of date, one day longer than the literature's",
        "audience/clv/summary.py",
        '"T": (as_of_day - 1 - days[starts]) / scale,',
        '"T": (as_of_day - days[starts]) / scale,',
        (
            "tests/python/test_clv_package.py::test_summary_collapses_days_and_counts_in_days_and_weeks",
            "tests/python/test_bring_your_own_data.py::test_lifetime_value_inputs_follow_the_literature",
        ),
    ),
    Mutation(
        "recency_off_by_one",
        "recency counted from the day after the last purchase",
        "macros/features/customer_rfm_features.sql",
        "{{ dbt.datediff('cast(purchase_stats.last_purchase_at as date)', 'population.as_of_date', 'day') }}",
        "{{ dbt.datediff('cast(purchase_stats.last_purchase_at as date)', 'population.as_of_date', 'day') }} - 1",
        ("tests/python/test_features.py::test_rfm_matches_an_independent_pandas_computation",),
    ),
    Mutation(
        "duplicates_keep_the_latest",
        "of the valid rows of one id, the latest wins instead of the earliest",
        "models/staging/shop/base/base_shop__order_lines_repeated.sql",
        "                ordered_at, order_id, customer_id, line_amount, product_category, quantity,",
        "                ordered_at desc, order_id, customer_id, line_amount, product_category, quantity,",
        ("tests/python/test_adversarial.py",),
    ),
    Mutation(
        "time_zone_offset_dropped",
        "text timestamps with an offset read as wall-clock times (the offset dropped)",
        "macros/staging/timestamp_value.sql",
        "                then make_timestamp(epoch_us(try_cast({{ column }} as timestamptz)))",
        "                then try_cast({{ column }} as timestamp)",
        ("tests/python/test_bad_input.py::test_every_damaged_row_gets_its_outcome",),
    ),
    Mutation(
        "order_customer_conflict_ignored",
        "an order whose lines carry two customers is credited to one of them",
        "models/staging/shop/base/base_shop__orders.sql",
        "when customer_id <> last_customer_id then 'order_customer_conflict'",
        "when false then 'order_customer_conflict'",
        ("tests/python/test_bad_input.py::test_every_damaged_row_gets_its_outcome",),
    ),
    Mutation(
        "rejected_share_guard_off",
        "a build that rejects every row of a source stays green",
        "tests/generic/audience_rejected_share.sql",
        "{%- if rejected > 0 and (rejected > limit * total or rejected == total) -%}",
        "{%- if false -%}",
        (
            "tests/python/test_bad_input.py::test_a_date_format_the_reader_cannot_parse_is_loud_then_a_setting_reads_it",
        ),
    ),
    Mutation(
        "nan_stored_as_json_literal",
        "NaN and infinities written into raw_record as JSON literals (invalid JSON)",
        "macros/staging/raw_record_json.sql",
        "{%- if (raw_types.get(key) or '') in ['FLOAT', 'DOUBLE', 'REAL'] %}",
        "{%- if false %}",
        ("tests/python/test_bad_input.py::test_rejected_values_are_kept_as_valid_json",),
    ),
    Mutation(
        "unknown_status_staged",
        "an order line with an unknown status is staged",
        "models/staging/shop/base/base_shop__order_lines_checked.sql",
        "when parsed.status not in ('completed', 'refunded') then 'unknown_status'",
        "when false then 'unknown_status'",
        ("tests/python/test_staging.py::test_exactly_the_planted_defects_are_rejected_row_by_row",),
    ),
    Mutation(
        "semicolon_in_conditions",
        "the condition tokenizer lets a statement separator through",
        "macros/settings/audience_condition_sql.sql",
        '~ "|(?P<symbol><=|>=|<>|!=|=|<|>|\\\\(|\\\\)|,|-))") -%}',
        '~ "|(?P<symbol><=|>=|<>|!=|=|<|>|\\\\(|\\\\)|,|-|;))") -%}',
        ("tests/python/test_settings.py",),
    ),
    Mutation(
        "dates_not_checked",
        "a date var is pasted into SQL without being parsed",
        "macros/settings/audience_setting.sql",
        "        {{ return(audience_parse_date(where, value)) }}",
        "        {{ return(value) }}",
        ("tests/python/test_settings.py",),
    ),
    Mutation(
        "training_split_ignores_horizon",
        "the horizon gap dropped from the training split: cutoffs whose label window is still"
        " open at the validation cutoff are trained on",
        "audience/propensity/splits.py",
        "gap = pd.Timedelta(days=spec.horizon_days or 0)",
        "gap = pd.Timedelta(days=0)",
        (
            "tests/python/test_propensity_selection.py::test_a_horizon_longer_than_the_cutoff_spacing_never_trains_on_an_unfinished_label",
        ),
    ),
    Mutation(
        "folds_ignore_horizon",
        "the horizon gap dropped from the time-aware folds",
        "audience/propensity/tuning.py",
        "gap = pd.Timedelta(days=spec.horizon_days or 0)",
        "gap = pd.Timedelta(days=0)",
        (
            "tests/python/test_propensity_selection.py::test_a_horizon_longer_than_the_cutoff_spacing_never_trains_on_an_unfinished_label",
        ),
    ),
    Mutation(
        "ece_over_one_bin",
        "expected calibration error computed over a single bin",
        "audience/propensity/evaluation.py",
        "index = np.minimum((probability * bins).astype(int), bins - 1)",
        "index = np.zeros(probability.shape[0], dtype=int)",
        ("tests/python/test_propensity_package.py::test_metrics_equal_values_worked_out_by_hand",),
    ),
    Mutation(
        "qini_over_all_rows",
        "the Qini curve divided by every row instead of the treated rows",
        "audience/uplift/metrics.py",
        "total_treated = max(int(t.sum()), 1)",
        "total_treated = max(len(t), 1)",
        (
            "tests/python/test_uplift.py::test_qini_and_uplift_curves_equal_values_worked_out_by_hand",
        ),
    ),
    Mutation(
        "churn_window_hard_coded",
        "the snapshot model labels churn with a fixed 90 days, not the label's declared window",
        "models/features/fct_customer_snapshots.sql",
        "{%- set churn_days = audience_label_window_days(this.name, 'churn_90d', required=true) %}",
        "{%- set churn_days = 90 %}",
        (
            "tests/python/test_features.py::test_a_label_window_is_written_once_and_the_label_and_its_prediction_follow_it",
        ),
    ),
    Mutation(
        "population_columns_become_features",
        "columns marked feature: false are not left out of the default features",
        "macros/propensity/propensity_declarations.sql",
        "if meta.get('feature') == false and column not in excluded",
        "if meta.get('feature') == 'never' and column not in excluded",
        ("tests/python/test_propensity.py::test_population_columns_are_never_default_features",),
    ),
    Mutation(
        "audience_entered_at_first_ever",
        "entered_at is a member's first build ever, not the start of its current run",
        "models/marts/activation/audience_members.sql",
        "    where run = current_run\n",
        "    where run = run\n",
        (
            "tests/python/test_activation.py::test_builds_after_new_data_give_the_entered_and_exited_members",
        ),
    ),
    Mutation(
        "audience_share_cap_rounds_down",
        "a top_share cap rounds down (a small group keeps nobody)",
        "models/intermediate/activation/int_audience_selection.sql",
        "where rank_within <= ceil({{ audience['top_share'] }} * matching_within)",
        "where rank_within <= floor({{ audience['top_share'] }} * matching_within)",
        (
            "tests/python/test_activation.py::test_the_shipped_audiences_equal_an_independent_selection",
        ),
    ),
    Mutation(
        "export_keeps_the_holdout",
        "the CRM and ad-platform files include the held-out control group",
        "audience/activation/exports.py",
        'treated = members[~members["is_holdout"] & ~left_out]',
        "treated = members[~left_out]",
        (
            "tests/python/test_activation.py::test_exports_match_their_manifests_hash_emails_and_never_hold_held_out_or_suppressed",
        ),
    ),
    Mutation(
        "audience_lift_window_inclusive",
        "audience_lift counts a purchase at the first instant after the outcome window",
        "models/marts/activation/audience_lift.sql",
        "and windows.window_end_date > outcome_events.occurred_at",
        "and windows.window_end_date >= outcome_events.occurred_at",
        (
            "tests/python/test_audience_lift.py::test_lift_counts_and_rates_equal_an_independent_computation",
        ),
    ),
    Mutation(
        "audience_lift_interval_ignores_group_size",
        "the Wilson bounds behind the rate-difference interval ignore the group sizes (zero width)",
        "macros/project/audience_rate_difference_bound.sql",
        "{%- set z = 1.959963984540054 -%}",
        "{%- set z = 1.959963984540054 -%}{%- set trials = trials ~ ' * 1e9' -%}",
        (
            "tests/python/test_audience_lift.py::test_lift_counts_and_rates_equal_an_independent_computation",
        ),
    ),
    Mutation(
        "export_ignores_refused_consent",
        "customers whose marketing consent is false are exported",
        "audience/activation/exports.py",
        "is_non_consented = status.isin(refused)",
        "is_non_consented = status.isin(())",
        (
            "tests/python/test_activation.py::test_exports_never_hold_a_customer_who_refused_consent",
        ),
    ),
    Mutation(
        "require_consent_keeps_unknown",
        "--require-consent still exports customers whose consent is unknown",
        "audience/activation/exports.py",
        'refused = ("refused", "unknown") if settings.require_consent else ("refused",)',
        'refused = ("refused",)',
        (
            "tests/python/test_activation.py::test_exports_never_hold_a_customer_who_refused_consent",
        ),
    ),
    Mutation(
        "consent_yes_not_read",
        "a marketing consent spelled yes is not read as true",
        "macros/staging/boolean_value.sql",
        "in ('true', 't', 'yes', 'y', '1') then true",
        "in ('true', 't', 'y', '1') then true",
        (
            "tests/python/test_bad_input.py::test_marketing_consent_parses_any_spelling_and_keeps_what_does_not",
        ),
    ),
]
