"""``/visits`` and ``/disinfections`` as HTML messages: pure functions, split to fit Telegram.

In a grid group ``/visits`` names residents (and their care tags), so it goes to the leader privately
with full names; in a village or town group names are masked.
"""

from __future__ import annotations

from html import escape

from core import texts
from core.formatting import mask_name, split_message
from handlers.leader_format import day_label, short_day
from services.disinfection_log import DisinfectionsReport
from services.duty_render import help_text
from services.visits import PairedHousehold, VisitsReport, week_of
from storage.models import UnitLevel


def _grid(names: dict[int, str], grid_id: int, *, several: bool) -> str:
    return f"{escape(names.get(grid_id, ''))} " if several else ""


def _visit_line(report: VisitsReport, entry: PairedHousehold, *, masked: bool) -> str:
    several = report.unit.level != UnitLevel.GRID
    head = mask_name(entry.head or "") if masked else entry.head or ""
    helpers = [mask_name(h.name) if masked else h.name or str(h.user_id) for h in entry.helpers]
    tags = f"（{entry.tags.replace(';', texts.REPORT_LIST_SEPARATOR)}）" if entry.tags else ""
    return texts.VISITS_LINE.format(
        grid=_grid(report.grid_names, entry.grid_id, several=several), address=escape(entry.address),
        head=escape(head), tags=escape(tags), every=entry.rhythm.every_days,
        last=short_day(entry.rhythm.last_visit) if entry.rhythm.last_visit else texts.VISITS_NEVER,
        deadline=short_day(entry.rhythm.deadline), helpers=escape(texts.REPORT_LIST_SEPARATOR.join(helpers)),
    )  # fmt: skip


def visits_messages(report: VisitsReport) -> list[str]:
    """Overdue first, then due this week, each with its last visit; then the week's concerns."""
    unit = escape(report.unit.name)
    if not report.paired:
        return [texts.VISITS_NONE.format(unit=unit)]
    masked = report.unit.level != UnitLevel.GRID
    monday, sunday = week_of(report.day)
    lines = [
        texts.VISITS_HEADER.format(
            unit=unit, day=day_label(report.day), paired=report.paired, done=report.done,
            monday=short_day(monday), sunday=short_day(sunday),
        )
    ]  # fmt: skip
    for title, entries in ((texts.VISITS_OVERDUE_HEADER, report.overdue), (texts.VISITS_DUE_HEADER, report.due)):
        if entries:
            lines.append(title.format(count=len(entries)))
            lines += [_visit_line(report, entry, masked=masked) for entry in entries]
    if not report.overdue and not report.due:
        lines.append(texts.VISITS_ALL_DONE)
    if report.concerns:
        lines.append(texts.VISITS_CONCERNS_HEADER.format(count=len(report.concerns)))
        lines += [
            texts.VISITS_CONCERN_LINE.format(
                grid=_grid(report.grid_names, row.grid_id, several=masked), day=short_day(row.day),
                address=escape(row.address), head=escape(row.head), help=escape(help_text(row.help)),
                visitor=escape(row.visitor),
            )
            for row in report.concerns
        ]  # fmt: skip
    return split_message(lines)


def visits_private(report: VisitsReport) -> bool:
    """In a grid group the list names residents: it goes privately."""
    return report.unit.level == UnitLevel.GRID and bool(report.paired)


def disinfections_messages(report: DisinfectionsReport) -> list[str]:
    unit = escape(report.unit.name)
    several = report.unit.level != UnitLevel.GRID
    if report.entries:
        lines = [texts.DISINFECTIONS_HEADER.format(unit=unit, days=report.days, count=len(report.entries))]
    else:
        lines = [texts.DISINFECTIONS_NONE.format(unit=unit, days=report.days)]
    unknown = texts.DISINFECTION_UNKNOWN
    lines += [
        texts.DISINFECTIONS_LINE.format(
            day=short_day(entry.day), grid=_grid(report.grid_names, entry.grid_id, several=several),
            place=escape(entry.place or unknown),
            method=texts.DISINFECTION_METHOD_LABELS.get(entry.method or "", unknown),
            agent=escape(entry.agent or unknown), operator=escape(entry.operator or unknown),
        )
        for entry in report.entries
    ]  # fmt: skip
    if report.outstanding:
        places = [
            f"{_grid(report.grid_names, grid_id, several=several)}{escape(point.place)}"
            for grid_id, points in report.outstanding.items()
            for point in points
        ]
        lines.append(
            texts.DISINFECTIONS_OUTSTANDING.format(places=texts.REPORT_LIST_SEPARATOR.join(places))
            if places
            else texts.DISINFECTIONS_ALL_DONE
        )
    return split_message(lines)
