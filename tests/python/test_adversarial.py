"""Staging and features on adversarial data (differing duplicates, padded text, boundary
timestamps and amounts) agree with the independent pandas reference, reason by reason and value by
value."""

from __future__ import annotations

import pandas as pd
import pytest
from adversarial_data import AS_OF, CEILING, write_adversarial_copy
from dbt_runner import run_dbt
from test_features import assert_behavior_matches, assert_rfm_matches, assert_snapshots_match

from audience.reference import pandas_features


@pytest.fixture(scope="module")
def adversarial(demo_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    raw = write_adversarial_copy(demo_data, root / "raw")
    result = run_dbt(
        ["build", "--select", "+fct_customer_rfm +fct_customer_behavior +fct_customer_snapshots"],
        raw,
        root / "work",
        # The copy rejects a few percent of each table by design.
        {
            "audience__as_of_date": AS_OF,
            "audience__max_valid_timestamp": CEILING,
            "audience__max_rejected_share": 0.1,
        },
    )
    assert result.returncode == 0, result.output[-6000:]
    return raw, result


def test_rejection_reasons_match_the_reference(adversarial):
    raw, result = adversarial
    ceiling = pd.Timestamp(CEILING)
    customers = pandas_features.stage_customers(raw, ceiling)
    known = pd.Index(pandas_features.staged(customers)["customer_id"])
    frames = {
        "customers": customers,
        "order_lines": pandas_features.stage_order_lines(raw, known, ceiling),
        "events": pandas_features.stage_events(raw, known, ceiling),
    }
    with result.connect() as con:
        for table, frame in frames.items():
            expected = frame["rejection_reason"].astype("str").fillna("nan").value_counts()
            actual = (
                con.execute(
                    f"select coalesce(rejection_reason, 'nan') as reason, count(*) as n"
                    f" from staging.base_shop__{table} group by all"
                )
                .df()
                .set_index("reason")["n"]
            )
            both = pd.concat([expected.rename("pandas"), actual.rename("dbt")], axis=1).fillna(0)
            assert (both["pandas"] == both["dbt"]).all(), f"{table}\n{both}"
            # The adversarial rows produce differing duplicates, which the demo data lacks.
            assert both.index.str.startswith("duplicate_").any(), table


def test_features_match_the_reference(adversarial):
    raw, result = adversarial
    rfm, behavior = pandas_features.compute_features(raw, as_of=AS_OF, ceiling=CEILING)
    with result.connect() as con:
        assert_rfm_matches(con.execute("select * from features.fct_customer_rfm").df(), rfm)
        assert_behavior_matches(
            con.execute("select * from features.fct_customer_behavior").df(), behavior
        )


def test_snapshots_match_the_reference(adversarial):
    raw, result = adversarial
    assert_snapshots_match(result, raw, ceiling=pd.Timestamp(CEILING))
