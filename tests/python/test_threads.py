"""AUDIENCE_CPU_THREADS bounds the threads of DuckDB and of the Python models' OpenMP and BLAS
pools in a real dbt run, and a bad value stops the run naming the setting."""

from __future__ import annotations

import pandas as pd
import pytest
from dbt_runner import copy_project, run_dbt

from audience.threads import available_cores

# A model a user could add: what the warehouse connection and the thread pools of the dbt
# process say while a Python model runs (scikit-learn's ensembles load OpenMP).
THREAD_REPORT = """
import pandas as pd


def model(dbt, session):
    import sklearn.ensemble  # noqa: F401  (loads OpenMP)
    from threadpoolctl import threadpool_info

    ((duckdb_threads,),) = session.sql("select current_setting('threads')").fetchall()
    rows = [{"pool": "duckdb", "threads": int(duckdb_threads)}]
    for info in threadpool_info():
        rows.append({"pool": info["user_api"], "threads": info["num_threads"]})
    return pd.DataFrame(rows)
"""


@pytest.fixture(scope="module")
def thread_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("threads")
    project = copy_project(root / "project")
    (project / "models" / "user").mkdir()
    (project / "models" / "user" / "thread_report.py").write_text(THREAD_REPORT)
    data = root / "no_files"
    data.mkdir()
    return root, project, data


def _run(thread_project, name: str, threads: str | None):
    root, project, data = thread_project
    env = {"AUDIENCE_CPU_THREADS": threads} if threads is not None else {"AUDIENCE_CPU_THREADS": ""}
    return run_dbt(["run", "--select", "thread_report"], data, root / name, None, project, env=env)


def _pools(result) -> pd.DataFrame:
    assert result.returncode == 0, result.output[-4000:]
    with result.connect() as con:
        return con.sql("select * from main.thread_report").to_arrow_table().to_pandas()


def test_the_setting_bounds_duckdb_openmp_and_blas(thread_project):
    pools = _pools(_run(thread_project, "one", "1"))
    assert {"duckdb", "openmp", "blas"} <= set(pools["pool"])
    assert (pools["threads"] == 1).all(), pools


def test_by_default_every_available_core_and_never_more(thread_project):
    cores = available_cores()
    default = _pools(_run(thread_project, "default", None))
    assert (default["threads"] == cores).all(), default
    beyond = _pools(_run(thread_project, "beyond", str(cores + 7)))
    assert (beyond["threads"] == cores).all(), beyond


@pytest.mark.parametrize("value", ["0", "two", "-3", "1.5"])
def test_a_bad_value_stops_the_run_naming_the_setting(thread_project, value):
    folder = "bad_" + value.replace("-", "minus_").replace(".", "_")
    result = _run(thread_project, folder, value)
    assert result.returncode != 0
    assert f"AUDIENCE_CPU_THREADS must be a whole number of threads, at least 1, got '{value}'" in (
        result.output
    )
    assert "Traceback" not in result.output
