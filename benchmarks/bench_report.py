"""Benchmark the HTML report on an existing build: render time, peak memory, file size, and the
time headless Chromium takes to open it.

Measured each in a fresh process (wall time and peak RSS, as bench_features.py does):

* ``audience report`` on the database (default: the serving database if it exists, else the
  build warehouse; make run builds the 100,000-customer demo);
* the baseline: a process that loads the same libraries (DuckDB, Altair, vl-convert) and
  renders one one-bar chart, the fixed cost every report pays.

Then the report and an empty HTML page are opened --opens times each in one headless Chromium:
the load event's time after navigation, median and worst.

    python benchmarks/bench_report.py [--database warehouse/audience.duckdb]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_features import BIN, _measure  # noqa: E402

from audience.report.browser import Chromium, find_chromium  # noqa: E402
from audience.report.warehouse import default_database  # noqa: E402

TARGET_MB = 5.0
TARGET_OPEN_S = 3.0
BASELINE = """
import altair as alt, duckdb, pandas as pd, vl_convert
duckdb.connect().sql('select 1').fetchall()
chart = alt.Chart(pd.DataFrame({'x': [1]})).mark_bar().encode(x='x:Q')
vl_convert.vegalite_to_svg(chart.to_json())
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=None)
    parser.add_argument("--opens", type=int, default=5, help="page opens per page (default 5)")
    args = parser.parse_args(argv)
    database = (args.database or default_database()).resolve()
    if not database.is_file():
        print(f"no database at {database}: make run first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="audience-bench-report-") as folder:
        work = Path(folder)
        (work / "logs").mkdir()
        html = work / "audience_report.html"
        steps = {
            "audience report": [
                str(BIN / "audience"),
                "report",
                "--database",
                str(database),
                "--out",
                str(html),
            ],  # fmt: skip
            "libraries + one chart (baseline)": [sys.executable, "-c", BASELINE],
        }
        print(f"database: {database}")
        print(f"{'step':<36} {'wall s':>8} {'peak RSS MB':>12} ok")
        ok = True
        for i, (step, command) in enumerate(steps.items()):
            result = _measure(
                work, command, dict(os.environ), work / "logs" / f"step_{i}.log", 600, 1
            )
            ok &= result["returncode"] == 0
            wall, peak = result["wall_s"], result["peak_rss_mb"]
            print(f"{step:<36} {wall:>8.1f} {peak:>12,.0f} {result['returncode'] == 0}")
        if not html.exists():
            print((work / "logs" / "step_0.log").read_text(), file=sys.stderr)
            return 1
        size_mb = html.stat().st_size / 1e6
        print(f"file size: {size_mb:.2f} MB (target under {TARGET_MB:.0f} MB)")
        ok &= size_mb < TARGET_MB
        ok &= _open_times(html, work, args.opens)
    return 0 if ok else 1


def _open_times(html: Path, work: Path, opens: int) -> bool:
    if find_chromium() is None:
        print("Chromium not found (make chromium): open time not measured")
        return False
    empty = work / "empty.html"
    empty.write_text("<!DOCTYPE html><html><body></body></html>")
    with Chromium() as browser:
        times = {}
        for page in (empty, html):  # the report last: its charts are counted below
            times[page] = [browser.open(page.as_uri()).load_seconds for _ in range(opens)]
        charts = browser.evaluate("document.querySelectorAll('figure.chart svg').length")
    for page, label in ((html, "report"), (empty, "empty page (baseline)")):
        seconds = times[page]
        print(f"open {label:<26} median {statistics.median(seconds):.2f} s,"
              f" worst {max(seconds):.2f} s over {opens} opens")  # fmt: skip
    worst = max(times[html])
    print(f"charts in the report: {charts}; target: opens in under {TARGET_OPEN_S:.0f} s:"
          f" {'met' if worst < TARGET_OPEN_S else 'NOT met'}")  # fmt: skip
    return worst < TARGET_OPEN_S


if __name__ == "__main__":
    sys.exit(main())
