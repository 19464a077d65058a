"""The digest's chart: check-in completion per unit below, beside each unit's abnormal households.

matplotlib is imported when a chart is drawn, not before (``gridbot parse`` must start fast), and
only its object API is used: no pyplot, no global figure state, no GUI backend. Labels are the
units' Chinese names, set in Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package (OFL), so a
machine without Chinese system fonts still draws them and matplotlib never warns of missing glyphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from io import BytesIO

from core import texts
from services.reports import ReportSet

_GOOD, _FAIR, _POOR, _OFF, _ABNORMAL = "#2e7d32", "#f9a825", "#c62828", "#9e9e9e", "#c62828"


@dataclass(frozen=True)
class ChartRow:
    label: str
    #: Completion in [0, 1]; None on a day off or for a unit with no households.
    rate: float | None
    abnormal: int


@cache
def _font_family() -> str:
    """Register the bundled CJK font with matplotlib once; return its family name."""
    from matplotlib import font_manager
    from pylopdf_fonts_zh_cn import sans_path

    path = str(sans_path())
    font_manager.fontManager.addfont(path)
    return str(font_manager.FontProperties(fname=path).get_name())


def _colour(rate: float | None) -> str:
    if rate is None:
        return _OFF
    return _GOOD if rate >= 0.95 else _FAIR if rate >= 0.85 else _POOR


def draw_chart(title: str, rows: list[ChartRow]) -> bytes:
    """A PNG of two bar charts sharing the unit axis: completion rate (%) and abnormal count."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with rc_context({"font.family": [_font_family()], "axes.unicode_minus": False}):
        figure = Figure(figsize=(9, 1.6 + 0.32 * max(len(rows), 3)), dpi=100, layout="constrained")
        rate_axes, abnormal_axes = figure.subplots(1, 2, sharey=True, width_ratios=[3, 1])
        positions = list(range(len(rows)))
        rates = [100 * (row.rate or 0) for row in rows]
        rate_axes.barh(positions, rates, color=[_colour(row.rate) for row in rows])
        rate_axes.set_yticks(positions, [row.label for row in rows])
        rate_axes.invert_yaxis()
        rate_axes.set_xlim(0, 105)
        rate_axes.set_title(texts.CHART_RATE_TITLE)
        for position, row, value in zip(positions, rows, rates, strict=True):
            note = texts.CHART_DAY_OFF if row.rate is None else f"{value:.0f}%"
            rate_axes.text(min(value, 100) + 1, position, note, va="center", fontsize=8)
        abnormal_axes.barh(positions, [row.abnormal for row in rows], color=_ABNORMAL)
        abnormal_axes.set_title(texts.CHART_ABNORMAL_TITLE)
        abnormal_axes.set_xlim(0, max([row.abnormal for row in rows] + [1]) * 1.3)
        abnormal_axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # households come whole
        for position, row in zip(positions, rows, strict=True):
            abnormal_axes.text(row.abnormal, position, f" {row.abnormal}", va="center", fontsize=8)
        figure.suptitle(title)
        buffer = BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def unit_chart(reports: ReportSet, unit_id: int) -> bytes:
    """The chart of a village's grids or a town's villages, for its digest."""
    unit = reports.figures[unit_id].unit
    rows = [
        ChartRow(label=child.unit.name, rate=child.rate, abnormal=child.counts.abnormal)
        for child in reports.children_of(unit_id)
    ]
    return draw_chart(f"{unit.name} {reports.day.isoformat()}", rows)
