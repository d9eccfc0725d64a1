"""Command line: ``audience demo-data`` writes the demo business's raw files; ``audience summary``
reports what the last build produced; ``audience publish`` publishes the last successful build to
the serving database that BI tools read; ``audience report`` writes the offline HTML report;
``audience export`` writes the declared audiences' files for their destinations."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from audience.demo.generator import DEFAULT_CUSTOMERS, DEFAULT_SEED, generate
from audience.serving import paths
from audience.serving.artifacts import PublishRefused
from audience.serving.publish import PublishSettings, publish
from audience.summary import summarize


def _default_data_dir() -> Path:
    return Path(os.environ.get("AUDIENCE_DATA_DIR", "data/demo"))


def _add_publish_parser(commands) -> None:
    publish_parser = commands.add_parser(
        "publish",
        help="publish the last successful `dbt build` to the serving database (run after it)",
        description="Copy the published tables of the last `dbt build` into a new serving"
        " database and Parquet folder and swap them into place atomically; refused unless"
        " that build finished with every model and test passing (warnings are fine).",
    )
    publish_parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="dbt project folder (default: $DBT_PROJECT_DIR or the current folder)",
    )
    publish_parser.add_argument(
        "--target-path",
        type=Path,
        default=None,
        help="dbt's artifacts folder (default: $DBT_TARGET_PATH or <project>/target)",
    )
    publish_parser.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="build warehouse (default: $AUDIENCE_DUCKDB_PATH or warehouse/audience.duckdb)",
    )
    publish_parser.add_argument(
        "--serving",
        type=Path,
        default=None,
        help="serving database (default: $AUDIENCE_SERVING_PATH or warehouse/serving.duckdb)",
    )
    publish_parser.add_argument(
        "--no-parquet", action="store_true", help="publish the DuckDB file only"
    )
    publish_parser.add_argument(
        "--keep-builds",
        type=int,
        default=3,
        help="Parquet build folders kept, the current one included (default 3)",
    )


def _publish(args: argparse.Namespace) -> int:
    if args.keep_builds < 1:
        print(
            f"audience publish: --keep-builds must be at least 1, got {args.keep_builds}",
            file=sys.stderr,
        )
        return 2
    project = paths.project_dir(args.project_dir)
    settings = PublishSettings(
        project=project,
        warehouse=(args.warehouse or paths.warehouse_path(project)).resolve(),
        target=(args.target_path or paths.target_dir(project)).resolve(),
        serving=(args.serving or paths.serving_path(project)).resolve(),
        parquet=not args.no_parquet,
        keep_builds=args.keep_builds,
    )
    try:
        print(publish(settings).describe())
    except (PublishRefused, duckdb.Error, OSError) as error:
        print(f"audience publish: {error}", file=sys.stderr)
        return 1
    return 0


def _add_demo_parser(commands) -> None:
    demo = commands.add_parser(
        "demo-data",
        help="generate the demo raw data (and its ground truth in a sibling folder)",
    )
    demo.add_argument(
        "--customers",
        type=int,
        default=DEFAULT_CUSTOMERS,
        help=f"number of customers (default {DEFAULT_CUSTOMERS:,}; 1,000,000 is benchmark size)",
    )
    demo.add_argument(
        "--leads",
        type=int,
        default=None,
        help="number of B2B leads (default: a quarter of the customers)",
    )
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    demo.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for the raw files (default: $AUDIENCE_DATA_DIR or data/demo,"
        " relative to the current folder)",
    )
    demo.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="folder for the ground truth (default: <out>_truth beside the raw folder)",
    )


def _add_summary_parser(commands) -> None:
    summary = commands.add_parser("summary", help="report what the last build produced")
    summary.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="DuckDB file (default: $AUDIENCE_DUCKDB_PATH or warehouse/audience.duckdb)",
    )


def _add_report_parser(commands) -> None:
    report = commands.add_parser(
        "report", help="write the offline HTML report of the charts (reads one DuckDB file)"
    )
    report.add_argument(
        "--database",
        type=Path,
        default=None,
        help="DuckDB file, opened read-only (default: the serving database"
        " $AUDIENCE_SERVING_PATH or warehouse/serving.duckdb if it exists, else"
        " $AUDIENCE_DUCKDB_PATH or warehouse/audience.duckdb)",
    )
    report.add_argument(
        "--out",
        type=Path,
        default=Path("reports/audience_report.html"),
        help="HTML file to write (default reports/audience_report.html)",
    )
    report.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        help="also write a PNG of the report's segments section (needs Chromium)",
    )


def _add_export_parser(commands) -> None:
    export = commands.add_parser(
        "export",
        help="write the declared audiences' files for their destinations (CRM, ad platforms)",
        description="Write each declared audience's files (crm_csv, customer_match, parquet)"
        " with a manifest beside each, from the build warehouse; held-out and suppressed"
        " members are left out of every CRM and ad-platform file, and customers who refused"
        " marketing consent out of every file.",
    )
    export.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="DuckDB file (default: $AUDIENCE_DUCKDB_PATH or warehouse/audience.duckdb)",
    )
    export.add_argument(
        "--out", type=Path, default=Path("exports"), help="folder (default exports)"
    )
    export.add_argument(
        "--audience", action="append", default=[], help="only this audience (repeatable)"
    )
    export.add_argument(
        "--suppressions",
        type=Path,
        default=None,
        help="CSV of entities never to export: a column email and/or customer_id / lead_id",
    )
    export.add_argument(
        "--allow-plain-pii",
        action="store_true",
        help="put plain-text emails in the CRM files (ad-platform files are always hashed)",
    )
    export.add_argument(
        "--require-consent",
        action="store_true",
        help="also leave out customers whose marketing consent is unknown (those who refused"
        " it are never exported)",
    )


def _export(args: argparse.Namespace) -> int:
    from audience.activation.exports import ExportError, ExportSettings, export_audiences

    warehouse = args.warehouse or paths.warehouse_path(paths.project_dir())
    settings = ExportSettings(
        out_dir=args.out,
        audiences=tuple(args.audience),
        suppressions=args.suppressions,
        allow_plain_pii=args.allow_plain_pii,
        require_consent=args.require_consent,
    )
    try:
        manifests = export_audiences(warehouse, settings)
    except (ExportError, duckdb.Error) as error:
        print(f"audience export: {error}", file=sys.stderr)
        return 1
    print(f"export: {len(manifests)} file(s) in {args.out}")
    return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="audience", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_demo_parser(commands)
    _add_summary_parser(commands)
    _add_report_parser(commands)
    _add_publish_parser(commands)
    _add_export_parser(commands)
    return parser


def _summary(args: argparse.Namespace) -> int:
    # The same default as publish and report (serving/paths.py): an empty $AUDIENCE_DUCKDB_PATH
    # counts as unset, and the default warehouse is found from $DBT_PROJECT_DIR.
    warehouse = args.warehouse or paths.warehouse_path(paths.project_dir())
    try:
        print(summarize(warehouse))
    except (FileNotFoundError, duckdb.Error) as error:
        print(f"audience summary: {error}", file=sys.stderr)
        return 1
    return 0


def _demo_data(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    # Errors go through the top-level parser, so they read "audience: error: ..." (exit 2).
    out = args.out or _default_data_dir()
    truth_dir = args.truth or out.with_name(out.name + "_truth")
    if args.customers < 1:
        parser.error(f"--customers must be at least 1, got {args.customers}")
    if args.leads is not None and args.leads < 1:
        parser.error(f"--leads must be at least 1, got {args.leads}")
    print(f"generating demo data: {args.customers:,} customers, seed {args.seed} -> {out}")
    generate(out, truth_dir, customers=args.customers, seed=args.seed, leads=args.leads)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "publish":
        return _publish(args)
    if args.command == "report":
        return _report(args.database, args.out, args.screenshot)
    if args.command == "summary":
        return _summary(args)
    if args.command == "export":
        return _export(args)
    if args.command == "demo-data":
        return _demo_data(parser, args)
    return 0


def _report(database: Path | None, out: Path, screenshot_path: Path | None) -> int:
    # Imported here: Altair and vl-convert take a second or two to load, which the other
    # commands need not pay.
    from audience.report import BrowserError, ReportInputError, render_report, screenshot
    from audience.report.warehouse import default_database

    try:
        rendered = render_report(database or default_database(), out)
        if screenshot_path:
            screenshot(rendered.path, screenshot_path, "#segments")
            print(f"report: screenshot {screenshot_path}")
    except (ReportInputError, BrowserError, duckdb.Error) as error:
        print(f"audience report: {error}", file=sys.stderr)
        return 1
    print(f"open it in a browser: {rendered.path.resolve().as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
