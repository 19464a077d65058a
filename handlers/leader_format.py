"""Leader replies as HTML messages: service results in, ``core.texts`` out, split to fit Telegram.

Pure functions, so what a group reads is decided here once: a residents' (grid) group never
gets health details, and names are masked wherever the audience is wider than the person's leader.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from core import texts
from core.formatting import health_text, mask_name, mask_phone, mention, number, rate_text, split_message
from services import duty_render
from services.alert_texts import checkin_details, items_text
from services.grid_status import HouseholdHistory, MissingHousehold, MissingReport, ReturneeReport, StatusReport
from services.leader_scope import Denial, Denied
from services.mentions import mentions
from services.orders import OrdersReport
from services.report_render import cluster_lines
from services.reports import UnitDayFigures
from storage.models import Person, Unit, UnitLevel


def denied(result: Denied) -> str:
    return texts.LEADER_NOT_BOUND if result.reason is Denial.NOT_BOUND else texts.LEADER_REFUSED


def day_label(day: date) -> str:
    return texts.DAY.format(month=day.month, day=day.day)


def short_day(day: date) -> str:
    return texts.SHORT_DAY.format(month=day.month, day=day.day)


def unit_names(units: Sequence[Unit]) -> str:
    return texts.LIST_SEPARATOR.join(escape(unit.name) for unit in units)


def _rate(figures: UnitDayFigures) -> str:
    if figures.day_off:
        return texts.STATUS_DAY_OFF
    return rate_text(figures.rate)


def _figures(figures: UnitDayFigures) -> dict[str, object]:
    counts = figures.counts
    urgent = counts.orders_urgent_open
    due = counts.returnees_tests_due
    return {
        "checked": counts.checked_in,
        "households": counts.households,
        "rate": _rate(figures),
        "abnormal": counts.abnormal,
        "orders": counts.orders_open,
        "urgent": texts.STATUS_URGENT.format(count=urgent) if urgent else "",
        "monitoring": counts.returnees_monitoring,
        "due": texts.STATUS_TESTS_DUE.format(count=due) if due else "",
    }


def _testing(figures: UnitDayFigures) -> list[str]:
    """The testing campaign's line, while one runs here."""
    counts = figures.counts
    if not counts.tests_due:
        return []
    return [
        texts.STATUS_TESTING.format(
            due=counts.tests_due,
            tested=counts.tested,
            untested=counts.tests_due - counts.tested,
            at_home=counts.tests_at_home,
        )
    ]


def status_messages(report: StatusReport) -> list[str]:
    """A grid group gets counts only; a village or town group one line per unit below, totals
    and the abnormal households (names masked)."""
    header = texts.STATUS_HEADER.format(unit=escape(report.unit.name), day=day_label(report.day))
    duties = duty_render.status_lines(report.figures.duties)
    if report.unit.level == UnitLevel.GRID:
        figures = report.figures
        extra = cluster_lines(figures.clusters, day_off=figures.day_off) + _testing(figures)
        return ["\n".join([header, texts.STATUS_GRID.format(**_figures(figures)), *extra, *duties])]
    lines = [header]
    lines += [texts.STATUS_PART.format(unit=escape(part.unit.name), **_figures(part)) for part in report.parts]
    lines.append(texts.STATUS_TOTAL.format(**_figures(report.figures)))
    lines += _testing(report.figures)
    lines += duties
    if report.abnormal:
        lines.append(texts.STATUS_ABNORMAL_HEADER)
        lines += [
            texts.STATUS_ABNORMAL_LINE.format(
                grid=escape(report.grid_names.get(row.grid_id, "")),
                address=escape(row.address),
                head=escape(row.head),
                details=escape(health_text(row.temperature, row.symptoms, row.test_type, row.test_result)),
            )
            for row in report.abnormal
        ]
    return split_message(lines)


def _who(people: Sequence[Person], head: str | None, *, mentions_on: bool) -> str:
    """The household's people as ``services.mentions`` has them mentioned, else masked (by the
    household's roster name, once), else its masked head."""
    links = mentions(people, switched_on=mentions_on)
    if links:
        return texts.MENTION_SEPARATOR.join(links)
    if people:
        masked = dict.fromkeys(mask_name(p.display_name, roster_name=head) for p in people)  # one per household
        return texts.LIST_SEPARATOR.join(escape(name) for name in masked)
    return texts.MISSING_UNLINKED.format(head=escape(mask_name(head or "")))


def _group_of(report: MissingReport, entry: MissingHousehold) -> tuple[object, str]:
    """What /missing groups a household under: its grid above a grid; its 联户 in a grid that has them."""
    if report.unit.level != UnitLevel.GRID:
        return entry.grid.id, escape(entry.grid.name)
    cluster_id = entry.household.cluster_id
    if cluster_id in report.clusters:
        return cluster_id, escape(report.clusters[cluster_id])
    return None, texts.REPORT_NO_CLUSTER


def missing_messages(report: MissingReport) -> list[str]:
    """Households not yet checked in, grouped by grid when the group covers several, by 联户 in a
    grid that has them."""
    unit, day = escape(report.unit.name), day_label(report.day)
    if not report.missing:
        return [texts.MISSING_NONE.format(unit=unit, day=day, households=report.households)]
    lines = [texts.MISSING_HEADER.format(unit=unit, day=day, missing=len(report.missing), households=report.households)]
    grouped = report.unit.level != UnitLevel.GRID or bool(report.clusters)
    groups: dict[object, list[MissingHousehold]] = {}
    names: dict[object, str] = {}
    for entry in report.missing:
        key, names[key] = _group_of(report, entry)
        groups.setdefault(key, []).append(entry)
    for key, entries in sorted(groups.items(), key=lambda kv: kv[0] is None):
        if grouped:
            lines.append(texts.MISSING_GRID.format(grid=names[key], count=len(entries)))
        lines += [_missing_line(entry, report) for entry in entries]
    unlinked = sum(1 for entry in report.missing if not entry.people)
    if unlinked:
        lines.append(texts.MISSING_UNLINKED_COUNT.format(count=unlinked))
    return split_message(lines)


def _missing_line(entry: MissingHousehold, report: MissingReport) -> str:
    who = _who(entry.people, entry.household.head, mentions_on=report.mention)
    return texts.MISSING_LINE.format(address=escape(entry.household.address), who=who)


def orders_messages(report: OrdersReport) -> list[str]:
    """Pending orders by household (by grid above a grid), then the shopping list."""
    unit = escape(report.unit.name)
    if not report.orders:
        return [texts.ORDERS_NONE.format(unit=unit)]
    lines = [texts.ORDERS_HEADER.format(unit=unit, count=len(report.orders))]
    current: int | None = None
    for pending in report.orders:
        if report.unit.level != UnitLevel.GRID and pending.grid.id != current:
            current = pending.grid.id
            lines.append(texts.ORDERS_GRID.format(grid=escape(pending.grid.name)))
        order = pending.order
        lines.append(
            texts.ORDERS_LINE.format(
                number=order.number,
                address=escape(pending.household.address),
                items=items_text(pending.items),
                urgent=texts.ORDERS_URGENT if order.urgent else "",
                accepted=texts.ORDERS_ACCEPTED if order.status == "accepted" else "",
            )
        )
    lines.append(texts.ORDERS_SHOPPING_HEADER)
    for line in report.shopping:
        name = escape(line.name)
        if line.total is None:
            lines.append(texts.SHOPPING_LINE_UNCOUNTED.format(name=name, households=line.households))
        else:
            total = escape(f"{number(line.total)} {line.unit or ''}".strip())
            lines.append(texts.SHOPPING_LINE.format(name=name, total=total, households=line.households))
    return split_message(lines)


def returnees_messages(report: ReturneeReport) -> list[str]:
    """Who is under monitoring, day N of M, and whose test is due today (names masked)."""
    unit = escape(report.unit.name)
    if not report.returnees:
        return [texts.RETURNEES_NONE.format(unit=unit)]
    due = sum(1 for entry in report.returnees if entry.plan.test_due)
    lines = [texts.RETURNEES_HEADER.format(unit=unit, count=len(report.returnees), due=due)]
    for entry in report.returnees:
        plan = entry.plan
        progress = (
            texts.RETURNEES_PROGRESS.format(number=plan.number, total=plan.total)
            if plan.number > 0
            else texts.RETURNEES_ARRIVAL_DAY.format(total=plan.total)
        )
        name = mask_name(entry.returnee.name) if entry.returnee.name else texts.RETURNEES_NO_NAME
        address = entry.household.address
        if report.unit.level != UnitLevel.GRID:
            address = f"{entry.grid.name} {address}"
        lines.append(
            texts.RETURNEES_LINE.format(
                name=escape(name),
                address=escape(address),
                origin=escape(entry.returnee.origin or ""),
                progress=progress,
                due=texts.RETURNEES_DUE if plan.test_due else "",
            )
        )
    return split_message(lines)


def household_messages(history: HouseholdHistory, *, masked: bool, today: date) -> list[str]:
    """A household's last week for a leader: in full privately, masked in an officials' group."""
    household = history.household
    head = household.head or ""
    phone = household.phone or ""
    lines = [
        texts.HOUSEHOLD_HEADER.format(
            address=escape(household.address),
            grid=escape(history.grid.name),
            head=escape(mask_name(head) if masked else head),
            members=household.members,
            phone=texts.HOUSEHOLD_PHONE.format(phone=escape(mask_phone(phone) if masked else phone)) if phone else "",
        )
    ]
    if history.people:
        names = list(
            dict.fromkeys(
                escape(mask_name(p.display_name, roster_name=head))
                if masked
                else mention(p.telegram_user_id, p.display_name)
                for p in history.people
            )
        )
        lines.append(texts.HOUSEHOLD_LINKED.format(people=texts.LIST_SEPARATOR.join(names)))
    else:
        lines.append(texts.HOUSEHOLD_NOBODY_LINKED)
    days = (today - history.since).days + 1
    lines.append(texts.HOUSEHOLD_CHECKINS.format(days=days, count=len(history.checkins)))
    lines += [
        texts.HOUSEHOLD_CHECKIN_LINE.format(day=short_day(c.day), details=checkin_details(c)) for c in history.checkins
    ]
    lines.append(texts.HOUSEHOLD_ORDERS)
    lines += [
        texts.HOUSEHOLD_ORDER_LINE.format(
            number=order.number,
            day=short_day(order.day),
            items=items_text(items),
            status=texts.ORDER_STATUS_LABELS.get(order.status, order.status),
        )
        for order, items in history.orders
    ] or [texts.HOUSEHOLD_NONE]
    lines.append(texts.HOUSEHOLD_RETURNEES)
    lines += [
        texts.HOUSEHOLD_RETURNEE_LINE.format(
            name=escape((mask_name(r.name) if masked else r.name) if r.name else texts.RETURNEES_NO_NAME),
            origin=escape(r.origin or ""),
            arrival=short_day(r.arrival or r.day),
            until=short_day(r.monitor_until) if r.monitor_until else "—",
        )
        for r in history.returnees
    ] or [texts.HOUSEHOLD_NONE]
    return split_message(lines)
