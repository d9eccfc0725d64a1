"""The demo generator: deterministic, sized by one parameter, dirty in every planted way, and
with ground truth consistent with the data it wrote."""

from __future__ import annotations

import hashlib
import json

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from audience.cli import main as cli_main
from audience.demo import truth, world
from audience.demo.generator import generate


def _digest(folder):
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
    }


def test_same_seed_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        generate(tmp_path / name, tmp_path / f"{name}_truth", customers=800, seed=3, log=print)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a_truth") == _digest(tmp_path / "b_truth")


def test_other_seed_gives_other_data(tmp_path):
    generate(tmp_path / "a", tmp_path / "a_truth", customers=800, seed=3, log=print)
    generate(tmp_path / "b", tmp_path / "b_truth", customers=800, seed=4, log=print)
    assert _digest(tmp_path / "a") != _digest(tmp_path / "b")


def test_size_scales_with_customers(demo_data):
    manifest = json.loads((demo_data.parent / "raw_truth" / "manifest.json").read_text())
    rows = manifest["raw_rows"]
    customers = manifest["customers"]
    # About 20 order lines and 50 events per customer (1M customers: ~20M lines, ~50M events).
    assert 14 <= rows["order_lines"] / customers <= 28
    assert 35 <= rows["events"] / customers <= 65
    assert rows["customers"] >= customers
    assert rows["leads"] >= customers * 0.1


def test_every_kind_of_dirty_row_is_planted(demo_data):
    con = duckdb.connect()
    customers = con.execute(
        f"select * from read_csv('{demo_data}/customers.csv', all_varchar = true)"
    ).fetchall()
    ids = [row[0] for row in customers]
    assert None in ids, "a customer row without id"
    assert len(ids) - len(set(ids)) >= 3, "duplicated customer ids"
    lines = pq.read_table(demo_data / "order_lines.parquet").to_pandas()
    assert (lines["line_amount"] <= 0).sum() >= 2
    assert (lines["status"] == "pending_review").sum() >= 1
    events = pq.read_table(demo_data / "events.parquet").to_pandas()
    assert (events["event_type"] == "bot_ping").sum() >= 1
    assert events["event_id"].duplicated().sum() >= 1


def test_truth_files_are_written_and_bounded(demo_data):
    truth_dir = demo_data.parent / "raw_truth"
    labels = pq.read_table(truth_dir / "label_probabilities.parquet").to_pandas()
    assert set(labels["label"]) == {"churn_90d", "purchase_30d", "converted_30d"}
    assert labels["true_probability"].between(0, 1).all()
    archetypes = pq.read_table(truth_dir / "customer_archetypes.parquet").to_pandas()
    assert archetypes["archetype_id"].nunique() == len(world.ARCHETYPES)
    effects = pq.read_table(truth_dir / "treatment_effects.parquet").to_pandas()
    assert effects["true_treatment_effect"].between(-1, 1).all()
    # Heterogeneous: some customers are put off by the campaign, most are persuaded.
    assert (effects["true_treatment_effect"] < 0).any()
    assert (effects["true_treatment_effect"] > 0).mean() > 0.5


def test_truth_cutoffs_avoid_campaign_windows():
    for cutoff in truth.customer_truth_cutoffs(30):
        start = world.day_index(cutoff)
        for _, date in world.CAMPAIGNS:
            campaign = world.day_index(date)
            window_end = campaign + world.CAMPAIGN_EXPOSURE_SPREAD_DAYS + world.RESPONSE_WINDOW_DAYS
            assert start + 30 <= campaign or start >= window_end
    assert np.datetime64("2025-10-01") in truth.customer_truth_cutoffs(90)


def test_cli_rejects_a_nonpositive_size(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["demo-data", "--customers", "0", "--out", "/tmp/never-written"])
    assert exit_info.value.code == 2
    assert "--customers must be at least 1" in capsys.readouterr().err
