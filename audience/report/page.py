"""The report's building blocks and the one self-contained HTML page they make.

No script, no external stylesheet, font or image: charts are inline SVG, styles one inline
<style> block, fonts the reader's own system fonts. Every text from the database is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from numbers import Integral, Real

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Figure:
    """One chart: an inline SVG (see charts.to_svg) with its title."""

    key: str
    title: str
    svg: str


@dataclass(frozen=True)
class Note:
    """Why a chart or a part is missing (an empty mart, a model not trained...)."""

    text: str


@dataclass(frozen=True)
class Table:
    title: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)  # column -> format spec, e.g. ".3f"


@dataclass(frozen=True)
class Facts:
    """A short list of label: value pairs (a model's status, the build's as-of date...)."""

    items: list[tuple[str, str]]


@dataclass(frozen=True)
class Group:
    """A titled part of a section (one prediction, one campaign...)."""

    key: str
    title: str
    blocks: list


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    guide: str  # the reading guide: one paragraph for a marketer
    blocks: list


STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; margin: 0; color: #1f2933; background: #f7f8fa; line-height: 1.45; }
header { background: #1f2933; color: #fff; padding: 1.2rem 2rem; }
header h1 { margin: 0 0 .3rem; font-size: 1.6rem; }
header p { margin: 0; color: #cbd2d9; }
nav { margin-top: .7rem; display: flex; flex-wrap: wrap; gap: .4rem 1rem; }
nav a { color: #9fd3ff; text-decoration: none; }
main { padding: 0 2rem 3rem; max-width: 1500px; }
section.report-section { background: #fff; margin: 1.5rem 0; padding: 1rem 1.5rem 1.5rem;
  border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { margin: .3rem 0 .5rem; font-size: 1.35rem; }
h3 { margin: 1.4rem 0 .4rem; font-size: 1.1rem; border-top: 1px solid #e4e7eb;
  padding-top: 1rem; }
p.guide { background: #eef6ff; border-left: 4px solid #3b82c4; padding: .6rem .9rem;
  margin: .4rem 0 1rem; max-width: 75rem; }
p.note { background: #fff8e6; border-left: 4px solid #e0a100; padding: .5rem .9rem;
  max-width: 75rem; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem 1.5rem; align-items: flex-start; }
figure.chart { margin: 0; max-width: 100%; }
figure.chart figcaption { font-weight: 600; font-size: .92rem; margin-bottom: .2rem; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; font-size: .85rem; margin: .3rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; font-size: .92rem; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #e4e7eb; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f1f3f5; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  font-size: .9rem; margin: .3rem 0 1rem; }
dl.facts dt { color: #52606d; }
dl.facts dd { margin: 0; }
"""


def render_page(title: str, subtitle: str, sections: list[Section]) -> str:
    nav = "".join(f'<a href="#{escape(s.key)}">{escape(s.title)}</a>' for s in sections)
    body = "\n".join(_section(section) for section in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p><nav>{nav}</nav></header>\n"
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _section(section: Section) -> str:
    return (
        f'<section class="report-section" id="{escape(section.key)}">\n'
        f'<h2>{escape(section.title)}</h2>\n<p class="guide">{escape(section.guide)}</p>\n'
        f"{_blocks(section.blocks)}\n</section>"
    )


def _blocks(blocks: list) -> str:
    """Blocks in order; consecutive figures share one wrapping row."""
    parts: list[str] = []
    figures: list[str] = []
    for block in blocks:
        if isinstance(block, Figure):
            figures.append(_figure(block))
            continue
        if figures:
            parts.append(f'<div class="figures">{"".join(figures)}</div>')
            figures = []
        parts.append(_block(block))
    if figures:
        parts.append(f'<div class="figures">{"".join(figures)}</div>')
    return "\n".join(parts)


def _block(block) -> str:
    if isinstance(block, Note):
        return f'<p class="note">{escape(block.text)}</p>'
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Facts):
        items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in block.items)
        return f'<dl class="facts">{items}</dl>'
    if isinstance(block, Group):
        return (
            f'<div class="group" id="{escape(block.key)}">'
            f"<h3>{escape(block.title)}</h3>\n{_blocks(block.blocks)}</div>"
        )
    raise TypeError(f"not a report block: {block!r}")


def _figure(figure: Figure) -> str:
    return (
        f'<figure class="chart" data-chart="{escape(figure.key)}">'
        f"<figcaption>{escape(figure.title)}</figcaption>{figure.svg}</figure>"
    )


def _table(table: Table) -> str:
    frame = table.frame
    head = "".join(f"<th>{escape(str(column))}</th>" for column in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, values, strict=True):
            text, numeric = _cell(value, table.formats.get(column))
            css = ' class="number"' if numeric else ""
            cells.append(f"<td{css}>{escape(text)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<table><caption>{escape(table.title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _cell(value, spec: str | None) -> tuple[str, bool]:
    """A value's text and whether it is a number (right-aligned)."""
    if value is None or value is pd.NA or (isinstance(value, Real) and value != value):
        return "-", False
    if isinstance(value, bool | np.bool_):
        return ("yes" if value else "no"), False
    if isinstance(value, Real):
        if spec:
            return format(value, spec), True
        if isinstance(value, Integral):
            return f"{int(value):,}", True
        return f"{float(value):,.4g}", True
    return str(value), False
