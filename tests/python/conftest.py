"""Shared fixtures: a small demo data set and one dbt build of the whole project on it.

Every dbt invocation in the tests gets its own warehouse file, target and log folders (see
dbt_runner.py), so the tests never touch the project's warehouse/, data/ or target/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_runner import DbtResult, build_ok

from audience.demo.generator import generate

TEST_CUSTOMERS = 5_000
TEST_SEED = 7


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    """A small demo data set (raw files; ground truth in the sibling <name>_truth folder)."""
    root = tmp_path_factory.mktemp("demo")
    raw = root / "raw"
    generate(raw, root / "raw_truth", customers=TEST_CUSTOMERS, seed=TEST_SEED, log=lambda _: None)
    return raw


@pytest.fixture(scope="session")
def built(demo_data, tmp_path_factory) -> DbtResult:
    """The whole project built on the small demo data set."""
    return build_ok(demo_data, tmp_path_factory.mktemp("build"))


LARGE_CUSTOMERS = 20_000
LARGE_LEADS = 50_000
LARGE_SEED = 11


@pytest.fixture(scope="session")
def large_demo(tmp_path_factory) -> Path:
    """A demo data set large enough for stable out-of-sample checks (uplift, propensity):
    20,000 customers and 50,000 leads (enough open leads per cutoff for the lead model)."""
    root = tmp_path_factory.mktemp("large")
    generate(
        root / "raw",
        root / "raw_truth",
        customers=LARGE_CUSTOMERS,
        leads=LARGE_LEADS,
        seed=LARGE_SEED,
        log=lambda _: None,
    )
    return root / "raw"


@pytest.fixture(scope="session")
def large_build(large_demo, tmp_path_factory) -> DbtResult:
    """The whole project built on the large demo data set."""
    return build_ok(large_demo, tmp_path_factory.mktemp("large_build"))
