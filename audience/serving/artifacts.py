"""What the last dbt build did, from its artifacts (target/run_results.json and manifest.json),
and whether its result may be published.

dbt writes manifest.json when an invocation starts (after parsing) and run_results.json when it
ends. A build that was killed, or is still running, leaves a manifest whose invocation id is not
the one in run_results.json: that is how a half-built warehouse is told from a finished one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# run_results statuses that stop publishing; "warn" and "pass" / "success" do not.
FAILED = {"error", "fail", "runtime error", "skipped"}
TEST_TYPES = {"test", "unit_test"}
SHOWN_FAILURES = 8


class PublishRefused(RuntimeError):
    """The last build cannot be published; the message says why and what to do."""


@dataclass(frozen=True)
class BuildTestCounts:
    passed: int
    warned: int
    errored: int
    skipped: int


@dataclass(frozen=True)
class BuildResults:
    """One dbt invocation as run_results.json records it."""

    invocation_id: str
    command: str
    generated_at: datetime
    dbt_version: str
    empty: bool
    statuses: dict[str, str]
    messages: dict[str, str]

    def test_summary(self) -> BuildTestCounts:
        counts = Counter(
            status for node, status in self.statuses.items() if node.split(".")[0] in TEST_TYPES
        )
        return BuildTestCounts(
            passed=counts["pass"] + counts["success"],
            warned=counts["warn"],
            errored=counts["fail"] + counts["error"] + counts["runtime error"],
            skipped=counts["skipped"],
        )


def _load_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise PublishRefused(f"no {path.name} in {path.parent}: run `dbt build` first ({what})")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise PublishRefused(f"cannot read {path} ({what}): {error}") from None


def load_manifest(target: Path) -> dict:
    return _load_json(target / "manifest.json", "the project as dbt last parsed it")


def _timestamp(text: str) -> datetime:
    """dbt's UTC timestamps ("2026-12-01T21:42:18.123456Z") as naive UTC datetimes."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def load_results(target: Path) -> BuildResults:
    raw = _load_json(target / "run_results.json", "the results of the last dbt invocation")
    metadata, args = raw.get("metadata", {}), raw.get("args", {})
    results = raw.get("results", [])
    return BuildResults(
        invocation_id=metadata.get("invocation_id", ""),
        command=args.get("which", "unknown"),
        generated_at=_timestamp(metadata.get("generated_at", "1970-01-01T00:00:00Z")),
        dbt_version=metadata.get("dbt_version", ""),
        empty=bool(args.get("empty")),
        statuses={r["unique_id"]: str(r.get("status", "")).lower() for r in results},
        messages={r["unique_id"]: " ".join(str(r.get("message") or "").split()) for r in results},
    )


def check_finished_build(results: BuildResults, manifest: dict) -> None:
    """Refuse unless the last dbt invocation was a `dbt build` that finished without failures."""
    parsed = manifest.get("metadata", {})
    if parsed.get("invocation_id") != results.invocation_id:
        raise PublishRefused(
            "the last dbt invocation (manifest.json, started"
            f" {parsed.get('generated_at', '?')}) has no results: a build that was killed or is"
            " still running, one that stopped before running anything, or another dbt command since"
            " the build (dbt ls, compile, docs generate). Run `dbt build` and publish when it has"
            " finished."
        )
    if results.command != "build":
        raise PublishRefused(
            f"the last dbt command was `dbt {results.command}`, not `dbt build`: only a build runs"
            " the tests with the models. Run `dbt build`, then publish."
        )
    if results.empty:
        raise PublishRefused("the last build ran with --empty: its tables hold no rows")
    failed = sorted(node for node, status in results.statuses.items() if status in FAILED)
    if failed:
        shown = [_describe(results, node) for node in failed[:SHOWN_FAILURES]]
        more = f" (and {len(failed) - SHOWN_FAILURES} more)" if len(failed) > SHOWN_FAILURES else ""
        raise PublishRefused(
            f"the last build did not pass, nothing was published: {len(failed)} failed or"
            f" skipped{more}: " + "; ".join(shown)
        )


def short_name(unique_id: str) -> str:
    """`test.audience.unique_x_id.1a2b3c` -> `unique_x_id`; `model.audience.x` -> `x`;
    `unit_test.audience.x.case` -> `x.case`."""
    parts = unique_id.split(".")
    return parts[2] if parts[0] == "test" and len(parts) > 2 else ".".join(parts[2:])


def _describe(results: BuildResults, node: str) -> str:
    message = results.messages.get(node, "")
    return f"{short_name(node)} {results.statuses[node]}" + (
        f" ({message[:160]})" if message else ""
    )


def check_coverage(results: BuildResults, required: set[str]) -> None:
    """Refuse unless every node the published tables depend on (models, seeds, snapshots and
    their tests) ran in the last build."""
    missing = sorted(required - results.statuses.keys())
    if missing:
        names = ", ".join(short_name(node) for node in missing[:SHOWN_FAILURES])
        raise PublishRefused(
            f"the last build did not run {len(missing)} of the models and tests the published"
            f" tables depend on ({names}{', ...' if len(missing) > SHOWN_FAILURES else ''}):"
            " run a `dbt build` that includes them, then publish."
        )
