"""Charts: Vega-Lite specs built with Altair, rendered to static SVG by vl-convert (no
JavaScript in the page; docs/decisions/0009-report-vega-lite-as-inline-svg.md).

Every chart gets already-aggregated rows (a few hundred at most), never one point per customer.
"""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import vl_convert

from audience.report.page import Figure

WIDTH = 380
HEIGHT = 240
BLUE, ORANGE, GREY, RED = "#3b82c4", "#e8871e", "#9aa5b1", "#c0392b"
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

_ID = re.compile(r'\bid="([^"]+)"')
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def figure(key: str, title: str, chart: alt.TopLevelMixin) -> Figure:
    """A report figure: the chart rendered to inline SVG under a title."""
    return Figure(key, title, to_svg(chart, key))


def to_svg(chart: alt.TopLevelMixin, key: str) -> str:
    """The chart as an inline SVG element. vl-convert numbers clip paths and gradients with a
    counter that runs across calls, and inline SVGs share one id space: ids are renamed to
    ``<key>-<n>`` in order of appearance, so each chart references only its own and the
    output does not depend on what was rendered before it."""
    spec = chart.configure(**_CONFIG).to_json()
    svg = vl_convert.vegalite_to_svg(spec)
    prefix = _SAFE.sub("_", key)
    names = {}
    for match in _ID.finditer(svg):
        names.setdefault(match.group(1), f"{prefix}-{len(names)}")
    for old, new in names.items():
        svg = svg.replace(f'id="{old}"', f'id="{new}"')
        svg = svg.replace(f"url(#{old})", f"url(#{new})").replace(
            f'href="#{old}"', f'href="#{new}"'
        )
    return svg.replace("<svg ", '<svg role="img" ', 1)


# The fonts text is measured with: DejaVu Sans where vl-convert finds it (Debian has it); as
# wide as the Verdana a Windows or Mac reader falls back to, and wider than Arial, so labels
# laid out for it are not cut off in a browser with narrower fonts.
FONT = "DejaVu Sans, Verdana, sans-serif"
_CONFIG = {
    "font": FONT,
    "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 220},
    "legend": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "labelLimit": 260,
        "orient": "bottom",
        "direction": "horizontal",
        "columns": 2,
        "gradientLength": 160,
    },
    "title": {"fontSize": 13, "anchor": "start"},
    "range": {"category": PALETTE},
}


def diagonal(x_title: str, y_title: str) -> alt.Chart:
    """The y = x line from (0, 0) to (1, 1): random ranking, or perfect calibration."""
    line = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})
    return (
        alt.Chart(line)
        .mark_line(color=GREY, strokeDash=[4, 4])
        .encode(
            x=alt.X("x:Q", title=x_title, scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("y:Q", title=y_title, scale=alt.Scale(domain=[0, 1])),
        )
    )


def grouped_bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    series: str,
    *,
    category_order: list | None = None,
    value_title: str = "",
    value_format: str = "~s",
    category_title: str = "",
) -> alt.Chart:
    """Horizontal bars, one row per category, one bar per series side by side."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort=category_order, title=category_title),
            yOffset=alt.YOffset(f"{series}:N"),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=value_format)),
            color=alt.Color(f"{series}:N", title=None),
        )
        .properties(width=WIDTH, height=alt.Step(9))
    )


def heatmap(
    frame: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    *,
    x_order: list | None = None,
    y_order: list | None = None,
    value_title: str = "",
    label_format: str = ",",
    diverging_limit: float | None = None,
    x_title: str = "",
    y_title: str = "",
) -> alt.Chart:
    """Cells coloured by ``value`` with the value written in each; with ``diverging_limit``, a
    red-blue scale from -limit to +limit (beyond it, the end colours) for z-scores."""
    scale = (
        alt.Scale(
            scheme="redblue", domain=[-diverging_limit, diverging_limit], clamp=True, reverse=True
        )
        if diverging_limit
        else alt.Scale(scheme="blues")
    )
    long_labels = frame[x].astype(str).str.len().max() > 3
    base = alt.Chart(frame).encode(
        x=alt.X(
            f"{x}:N",
            sort=x_order,
            title=x_title,
            axis=alt.Axis(labelAngle=-40 if long_labels else 0),
        ),
        y=alt.Y(f"{y}:N", sort=y_order, title=y_title),
    )
    cells = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=value_title, scale=scale))
    # dark text on light cells, white on the darkest ones (the top and, diverging, bottom fifth)
    low, high = frame[value].min(), frame[value].max()
    if diverging_limit:
        dark = f"abs(datum['{value}']) > {0.6 * diverging_limit}"
    else:
        dark = f"datum['{value}'] > {low + 0.6 * (high - low)}"
    labels = base.mark_text(fontSize=10).encode(
        text=alt.Text(f"{value}:Q", format=label_format),
        color=alt.condition(dark, alt.value("white"), alt.value("#1f2933")),
    )
    columns = max(1, frame[x].nunique())
    rows = max(1, frame[y].nunique())
    return (cells + labels).properties(width=min(900, 52 * columns), height=28 * rows)


def histogram(
    frame: pd.DataFrame,
    bin_start: str,
    bin_end: str,
    count: str,
    *,
    color: str | None = None,
    x_title: str = "",
    y_title: str = "customers",
    x_format: str = ".0%",
) -> alt.Chart:
    """Bars from bins counted in SQL (bin_start, bin_end, count), optionally stacked by a
    colour column."""
    encoding = {
        "x": alt.X(
            f"{bin_start}:Q",
            title=x_title,
            axis=alt.Axis(format=x_format),
            scale=alt.Scale(domain=[0, 1]),
        ),
        "x2": alt.X2(f"{bin_end}:Q"),
        "y": alt.Y(f"sum({count}):Q", title=y_title, stack=True),
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=None)
    return (
        alt.Chart(frame)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(**encoding)
        .properties(width=WIDTH)
    )
