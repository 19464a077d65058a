"""Report messages as HTML: pure functions of a ``ReportSet``, so every one is testable as text.

Audiences differ in what they may read. A grid's report goes to its residents' group: counts
only, never a name or a health detail. Village and town digests go to officials: a line per unit
below, then the abnormal households and new returnees (names already masked by ``compile_reports``).
Every string that came from a person or a roster is escaped here, at the one place it meets HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from core import texts
from core.callbacks import ReportConfirm, ReportZero
from core.formatting import health_text, rate_text, split_message, transport_text
from services import duty_render
from services.messages_out import Keyboard, MessageKind, OutgoingMessage
from services.notices import receipt_text
from services.reports import AbnormalDetail, ReportSet, ReturneeDetail, UnitDayFigures, completion, day_bounds
from storage.clusters import ClusterCounts
from storage.models import UnitLevel
from storage.notices import NoticeAckCount
from storage.reports import Counts


def zero_question(figures: UnitDayFigures, day: date) -> OutgoingMessage:
    """A zero report with households not checked in: the question, and the button that is the second tap."""
    button = texts.BUTTON_ZERO_DESPITE_MISSING.format(missing=figures.missing)
    keyboard: Keyboard = (((button, ReportZero(figures.unit.id or 0, day).data()),),)
    return OutgoingMessage.of_text(texts.ZERO_ASK_MISSING.format(missing=figures.missing), keyboard)


# --- a grid's report, in its own group ------------------------------------------------------


@dataclass(frozen=True)
class _Wording:
    """How one kind of message words the figures: a label and a value format for each, and how a
    figure reads as it is (``same``) or as confirmed and as now (``changed``)."""

    checkins: tuple[str, str]
    checkins_off: tuple[str, str]
    abnormal: tuple[str, str]
    returnees: tuple[str, str]
    orders: tuple[str, str]
    same: str
    changed: str
    testing: tuple[str, str] = (texts.REPORT_TESTING, texts.REPORT_TESTING_VALUE)


GRID_WORDING = _Wording(
    checkins=(texts.REPORT_CHECKINS, texts.REPORT_CHECKINS_VALUE),
    checkins_off=(texts.REPORT_CHECKINS, texts.REPORT_CHECKINS_OFF_VALUE),
    abnormal=(texts.REPORT_ABNORMAL, texts.REPORT_ABNORMAL_VALUE),
    returnees=(texts.REPORT_RETURNEES, texts.REPORT_RETURNEES_VALUE),
    orders=(texts.REPORT_ORDERS, texts.REPORT_ORDERS_VALUE),
    same=texts.REPORT_LINE_PART,
    changed=texts.REPORT_LINE_CHANGED,
)
SUMMARY_WORDING = _Wording(
    checkins=(texts.REPORT_SUMMARY_CHECKINS, texts.REPORT_SUMMARY_CHECKINS_VALUE),
    checkins_off=(texts.REPORT_SUMMARY_OFF, texts.REPORT_SUMMARY_OFF_VALUE),
    abnormal=(texts.REPORT_SUMMARY_ABNORMAL, texts.REPORT_SUMMARY_ABNORMAL_VALUE),
    returnees=(texts.REPORT_SUMMARY_RETURNEES, texts.REPORT_SUMMARY_RETURNEES_VALUE),
    orders=(texts.REPORT_SUMMARY_ORDERS, texts.REPORT_SUMMARY_ORDERS_VALUE),
    same=texts.REPORT_SUMMARY_PART,
    changed=texts.REPORT_SUMMARY_CHANGED,
    testing=(texts.REPORT_SUMMARY_TESTING, texts.REPORT_SUMMARY_TESTING_VALUE),
)


def _testing_part(counts: Counts, wording: _Wording) -> tuple[str, str]:
    """应检 / 已检 / 未检 / 上门 of a testing campaign."""
    label, value = wording.testing
    return label, value.format(
        due=counts.tests_due,
        tested=counts.tested,
        untested=counts.tests_due - counts.tested,
        at_home=counts.tests_at_home,
    )


def _parts(counts: Counts, *, day_off: bool, wording: _Wording, testing: bool = False) -> list[tuple[str, str]]:
    """(label, value) of each figure, for one set of counts (and a campaign's, while one runs)."""
    checkins, checkins_value = wording.checkins_off if day_off else wording.checkins
    rate = rate_text(completion(counts, day_off=day_off))
    c = counts
    return [
        (checkins, checkins_value.format(checked=c.checked_in, total=c.households, rate=rate)),
        (wording.abnormal[0], wording.abnormal[1].format(count=c.abnormal)),
        (
            wording.returnees[0],
            wording.returnees[1].format(
                new=c.returnees_new,
                monitoring=c.returnees_monitoring,
                ending=c.returnees_ending,
                due=c.returnees_tests_due,
            ),
        ),
        (
            wording.orders[0],
            wording.orders[1].format(
                new=c.orders_new,
                delivered=c.orders_delivered,
                open=c.orders_open,
                overdue=c.orders_overdue,
                urgent=c.orders_urgent_open,
            ),
        ),
    ] + ([_testing_part(counts, wording)] if testing else [])


def _as_reported(figures: UnitDayFigures, wording: _Wording) -> list[str]:
    """Each figure as reported (a confirmed grid's as its leader confirmed it); where it changed since,
    as confirmed and as it is now (确认时 8/9，现 9/9): a later message never contradicts the confirmed
    report, nor hides what came in after it."""
    testing = bool(figures.counts.tests_due or figures.reported.tests_due)
    reported = _parts(figures.reported, day_off=figures.day_off, wording=wording, testing=testing)
    current = _parts(figures.counts, day_off=figures.day_off, wording=wording, testing=testing)
    return [
        wording.same.format(label=label, value=then)
        if then == now
        else wording.changed.format(label=label, confirmed=then, current=now)
        for (label, then), (_label, now) in zip(reported, current, strict=True)
    ]


def grid_report_text(figures: UnitDayFigures, day: date, *, confirmed: str = "", mark: str = "") -> str:
    """The grid's counts for its residents' group; ``confirmed`` is the line saying who confirmed,
    ``mark`` what comes before the title (【预报】, 【更正】)."""
    lines = [
        mark + texts.REPORT_GRID_TITLE.format(unit=escape(figures.unit.name), day=day.isoformat()),
        *_as_reported(figures, GRID_WORDING),
        *cluster_lines(figures.clusters, day_off=figures.day_off),
        *duty_render.grid_lines(figures.duties),
    ]
    if confirmed:
        lines.append(confirmed)
    else:
        lines.append(texts.REPORT_ASK_ZERO if figures.is_zero else texts.REPORT_ASK)
    return "\n".join(lines)


def cluster_lines(clusters: Sequence[ClusterCounts], *, day_off: bool) -> list[str]:
    """Check-in completion per 联户 (the households in none last), for a grid's report and /status."""
    if not clusters:
        return []
    parts = [
        texts.REPORT_CLUSTER_PART.format(
            name=escape(cluster.name) if cluster.id is not None else texts.REPORT_NO_CLUSTER,
            checked=cluster.checked_in,
            total=cluster.households,
            rate=rate_text(None if day_off or not cluster.households else cluster.checked_in / cluster.households),
        )
        for cluster in clusters
    ]
    return [texts.REPORT_CLUSTERS.format(parts=texts.REPORT_LIST_SEPARATOR.join(parts))]


def confirmed_line(*, who: str, at: datetime, zero: bool, tz: ZoneInfo, missing: int = 0) -> str:
    """Who confirmed, when, and what: a zero report says how many households had not checked in."""
    what = texts.REPORT_WHAT_REPORT
    if zero:
        what = texts.REPORT_WHAT_ZERO_MISSING.format(missing=missing) if missing else texts.REPORT_WHAT_ZERO
    return texts.REPORT_CONFIRMED.format(who=escape(who), time=f"{at.astimezone(tz):%H:%M}", what=what)


def grid_report(figures: UnitDayFigures, day: date, *, tz: ZoneInfo, mark: str = "") -> OutgoingMessage:
    """The cutoff message with its one-tap button; already confirmed grids get no button."""
    confirmation = figures.confirmation
    if confirmation is not None:
        line = confirmed_line(
            who=confirmation.name,
            at=confirmation.confirmed_at,
            zero=confirmation.zero,
            tz=tz,
            missing=figures.reported_missing,
        )
        return OutgoingMessage.of_text(grid_report_text(figures, day, confirmed=line, mark=mark))
    label = texts.BUTTON_CONFIRM_ZERO if figures.is_zero else texts.BUTTON_CONFIRM
    keyboard: Keyboard = (((label, ReportConfirm(figures.unit.id or 0, day).data()),),)
    return OutgoingMessage.of_text(grid_report_text(figures, day, mark=mark), keyboard)


# --- village and town digests ---------------------------------------------------------------


def summary(figures: UnitDayFigures) -> str:
    """One unit's figures on one line: the same order and words in every digest line and total,
    as reported and, where changed since, as they are now."""
    return texts.REPORT_SUMMARY_SEPARATOR.join(_as_reported(figures, SUMMARY_WORDING))


def _unit_line(reports: ReportSet, figures: UnitDayFigures) -> str:
    name = escape(figures.unit.name)
    if figures.confirmed:
        if figures.is_zero and figures.reported_missing:
            return texts.REPORT_LINE_ZERO_MISSING.format(
                unit=name, missing=figures.reported_missing, summary=summary(figures)
            )
        return texts.REPORT_LINE.format(unit=name, summary=summary(figures))
    if figures.unit.level == UnitLevel.GRID:
        return texts.REPORT_LINE_UNCONFIRMED.format(unit=name, summary=summary(figures))
    missing = reports.unconfirmed_grids(figures.unit.id)
    return texts.REPORT_LINE_PARTLY.format(
        unit=name,
        missing=len(missing),
        total=figures.grids,
        grids=texts.REPORT_LIST_SEPARATOR.join(escape(grid.unit.name) for grid in missing),
        summary=summary(figures),
    )


def _health(row: AbnormalDetail) -> str:
    return escape(health_text(row.temperature, row.symptoms, row.test_type, row.test_result)) or texts.REPORT_NO_DETAIL


def _trip(row: ReturneeDetail) -> str:
    parts = []
    if row.origin:
        parts.append(texts.REPORT_FROM.format(origin=escape(row.origin)))
    transport = escape(transport_text(row.transport_mode, row.transport_number))
    if transport:
        parts.append(transport)
    if row.arrival:
        parts.append(texts.REPORT_ARRIVAL.format(day=row.arrival.isoformat()))
    if row.monitor_until:
        parts.append(texts.REPORT_MONITOR_UNTIL.format(day=row.monitor_until.isoformat()))
    return " ".join(parts) or texts.REPORT_NO_DETAIL


def _as_of(reports: ReportSet, tz: ZoneInfo, *, updated: bool) -> str:
    if updated:  # a live digest edited in place: its figures are as of the edit
        return texts.REPORT_UPDATED_AT.format(time=f"{reports.as_of.astimezone(tz):%H:%M}")
    if reports.as_of >= day_bounds(reports.day, tz)[1]:
        return texts.REPORT_AS_OF_DAY_END
    return texts.REPORT_AS_OF.format(time=f"{reports.as_of.astimezone(tz):%H:%M}")


def _grid_label(reports: ReportSet, grid: UnitDayFigures, level: UnitLevel) -> str:
    """A grid as a detail line names it: with its village in a town digest (grid names repeat across villages)."""
    village = reports.figures.get(grid.unit.parent_id or 0)
    if level == UnitLevel.TOWN and village is not None:
        return escape(f"{village.unit.name} {grid.unit.name}")
    return escape(grid.unit.name)


@dataclass(frozen=True)
class Heading:
    """How a digest's title reads: ``mark`` before it (【预报】, 【更正】); ``updated``: an edit in place
    (更新于 16:41 instead of 截至 16:30). Only the title line carries the time, so the lines after it
    say whether anything changed."""

    mark: str = ""
    updated: bool = False


def digest_lines(reports: ReportSet, unit_id: int, *, tz: ZoneInfo, heading: Heading = Heading()) -> list[str]:
    """A village's or town's digest: status, 未报 first, then 零报告, then units with events; totals; details."""
    figures = reports.figures[unit_id]
    below = reports.children_of(unit_id)
    missing = [child for child in below if not child.confirmed]
    zero = [child for child in below if child.confirmed and child.is_zero]
    events = [child for child in below if child.confirmed and not child.is_zero]
    lines = [
        heading.mark
        + texts.REPORT_DIGEST_TITLE.format(
            unit=escape(figures.unit.name),
            day=reports.day.isoformat(),
            as_of=_as_of(reports, tz, updated=heading.updated),
        ),
        texts.REPORT_DIGEST_STATUS.format(
            level=texts.REPORT_LEVEL_UNITS[figures.unit.level],
            total=len(below),
            reported=len(below) - len(missing),
            zero=len(zero),
            missing=len(missing),
        ),
    ]
    for title, group in (
        (texts.REPORT_SECTION_MISSING, missing),
        (texts.REPORT_SECTION_ZERO, zero),
        (texts.REPORT_SECTION_EVENTS, events),
    ):
        if group:
            lines.append(title.format(count=len(group)))
            lines.extend(_unit_line(reports, child) for child in group)
    lines.append(texts.REPORT_TOTALS.format(summary=summary(figures)))
    grid_names = {grid.unit.id: _grid_label(reports, grid, figures.unit.level) for grid in reports.grids_under(unit_id)}
    lines += duty_render.digest_lines(figures.duties, reports.concerns_under(unit_id), grid_names)
    abnormal = reports.abnormal_under(unit_id)
    if abnormal:
        lines.append(texts.REPORT_DETAILS_ABNORMAL.format(count=len(abnormal)))
        lines.extend(
            texts.REPORT_ABNORMAL_LINE.format(
                grid=grid_names[row.grid_id], address=escape(row.address), name=escape(row.head), health=_health(row)
            )
            for row in abnormal
        )
    returnees = reports.returnees_under(unit_id)
    if returnees:
        lines.append(texts.REPORT_DETAILS_RETURNEES.format(count=len(returnees)))
        lines.extend(
            texts.REPORT_RETURNEE_LINE.format(
                grid=grid_names[row.grid_id],
                address=escape(row.address),
                name=escape(row.name) or texts.RETURNEES_NO_NAME,
                trip=_trip(row),
            )
            for row in returnees
        )
    return lines


def notice_lines(notices: Sequence[NoticeAckCount], *, tz: ZoneInfo) -> list[str]:
    """Notices of the day, each with who sent it and how far it got in this unit's subtree."""
    if not notices:
        return []
    return [texts.REPORT_NOTICES_TITLE.format(count=len(notices))] + [
        texts.REPORT_NOTICE_LINE.format(
            time=f"{notice.created_at.astimezone(tz):%m-%d %H:%M}",
            origin=escape(notice.origin),
            text=escape(notice.text if len(notice.text) <= 20 else notice.text[:20] + "…"),
            receipt=receipt_text(notice.receipt),
        )
        for notice in notices
    ]


def digest(
    reports: ReportSet,
    unit_id: int,
    *,
    tz: ZoneInfo,
    chart: bytes | None = None,
    ledger: bytes | None = None,
    notices: Sequence[NoticeAckCount] = (),
    heading: Heading = Heading(),
) -> list[OutgoingMessage]:
    """The digest's text (split under Telegram's limit at line boundaries), then its chart and ledger."""
    figures = reports.figures[unit_id]
    lines = digest_lines(reports, unit_id, tz=tz, heading=heading) + notice_lines(notices, tz=tz)
    messages = [OutgoingMessage.of_text(part) for part in split_message(lines)]
    name, day = escape(figures.unit.name), reports.day.isoformat()
    if chart is not None:
        messages.append(
            OutgoingMessage.of_file(
                MessageKind.PHOTO,
                filename=f"chart-{figures.unit.code}-{day}.png",
                content=chart,
                caption=texts.REPORT_CHART_CAPTION.format(unit=name, day=day),
            )
        )
    if ledger is not None:
        messages.append(
            OutgoingMessage.of_file(
                MessageKind.DOCUMENT,
                filename=ledger_filename(figures.unit.code, reports.day, reports.day),
                content=ledger,
                caption=texts.REPORT_LEDGER_CAPTION.format(unit=name, day=day),
            )
        )
    return messages


def ledger_filename(unit_code: str, start: date, end: date, suffix: str = ".xlsx") -> str:
    span = start.isoformat() if start == end else f"{start.isoformat()}_{end.isoformat()}"
    return texts.LEDGER_FILENAME.format(unit=unit_code, span=span, suffix=suffix)


def zero_refusal(figures: UnitDayFigures) -> str:
    """Why ``/zero`` was refused: what there is to report."""
    events: Sequence[str] = [
        text.format(count=count)
        for text, count in (
            (texts.ZERO_EVENT_ABNORMAL, figures.counts.abnormal),
            (texts.ZERO_EVENT_RETURNEES, figures.counts.returnees_new),
        )
        if count
    ]
    return texts.ZERO_REFUSED.format(events=texts.REPORT_LIST_SEPARATOR.join(events))
