"""The report: one self-contained HTML file of the segmentation, scoring, CLV and uplift charts,
read from one DuckDB file (the serving database, or the build warehouse).

``render_report(database, out)`` writes it; ``screenshot(html, png)`` photographs it with
headless Chromium (audience.report.browser). Sections live in audience.report.sections.
"""

from __future__ import annotations

from pathlib import Path

from audience.report.browser import BrowserError, Chromium
from audience.report.render import RenderedReport, render_report
from audience.report.warehouse import ReportInputError


def screenshot(html: Path, png: Path, selector: str = "body") -> None:
    """Write a PNG of one element of a rendered report (the top 1,400 pixels of it)."""
    with Chromium(width=1280, height=1000) as browser:
        load = browser.open(html.resolve().as_uri())
        if load.console_errors:
            raise BrowserError(f"the page logged errors: {load.console_errors}")
        image = browser.element_screenshot(selector)
    png.parent.mkdir(parents=True, exist_ok=True)
    png.write_bytes(image)


__all__ = ["BrowserError", "RenderedReport", "ReportInputError", "render_report", "screenshot"]
