"""Render the report: every section from one read-only database into one HTML file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audience.progress import timed
from audience.report.page import Section, render_page
from audience.report.sections import clv, data, manifest, predictions, rfm, segments, uplift
from audience.report.warehouse import ReportDatabase

DEFAULT_OUT = Path("reports/audience_report.html")
SECTIONS = (data, rfm, segments, predictions, clv, uplift, manifest)


@dataclass(frozen=True)
class RenderedReport:
    path: Path
    bytes: int
    sections: list[Section]


def render_report(
    database: Path, out: Path = DEFAULT_OUT, log: Callable[[str], object] = print
) -> RenderedReport:
    """Write the report of ``database`` to ``out`` (folders created) and return what it holds."""
    with ReportDatabase(database) as db:
        built = []
        for module in SECTIONS:
            with timed(log, f"report: section {module.__name__.rsplit('.', 1)[-1]}"):
                built.append(module.build(db))
        subtitle = manifest.subtitle(db)
    html = render_page("audience report", subtitle, built)
    out.parent.mkdir(parents=True, exist_ok=True)
    encoded = html.encode("utf-8")
    out.write_bytes(encoded)
    log(f"report: wrote {out} ({len(encoded) / 1e6:.2f} MB)")
    return RenderedReport(out, len(encoded), built)
