"""/testing, /tested and /untested: a testing campaign (全员核酸) from the leaders' side."""

from __future__ import annotations

import re
from datetime import date
from html import escape

from telegram import Message, Update

from core import texts
from core.domain import UnitLevel
from core.formatting import split_message
from handlers import leader_format as view
from handlers.context import GridContext, Services
from handlers.leader import leader_request, leader_view, local_day, lookup_failed
from services.campaigns import (
    MAX_DAYS,
    CampaignOutcome,
    CampaignResult,
    TestedOutcome,
    TestedResult,
    UntestedReport,
    record_tested,
    start_campaign,
    untested_households,
)
from services.grid_status import LookupFailed
from services.leader_scope import Denied
from storage.campaigns import Untested

_PERSONS = re.compile(r"^(\d{1,2})人?$")


def _dates(args: list[str]) -> tuple[date, date | None] | str:
    """The start and ``--until`` dates of ``/testing``, or what to reply instead."""
    values = [a for arg in args for a in arg.split("=", 1)]
    until: date | None = None
    try:
        if "--until" in values:
            at = values.index("--until")
            until = date.fromisoformat(values[at + 1]) if at + 1 < len(values) else None
            if until is None:
                return texts.TESTING_USAGE
            values = values[:at] + values[at + 2 :]
        if len(values) != 1:
            return texts.TESTING_USAGE
        return date.fromisoformat(values[0]), until
    except ValueError as exc:
        bad = next((v for v in values if not _is_date(v) and v != "--until"), str(exc))
        return texts.TESTING_BAD_DATE.format(value=escape(bad))


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _days(start: date, until: date) -> str:
    return start.isoformat() if start == until else f"{start.isoformat()} 至 {until.isoformat()}"


def _started(outcome: CampaignOutcome) -> str:
    unit = escape(outcome.unit.name) if outcome.unit else ""
    match outcome.result:
        case CampaignResult.STARTED:
            campaign = outcome.campaign
            assert campaign is not None
            days = _days(campaign.start, campaign.until)
            return texts.TESTING_STARTED.format(id=campaign.id, days=days, count=outcome.targets)
        case CampaignResult.UNBOUND:
            return texts.REMIND_UNBOUND
        case CampaignResult.NOT_UPPER:
            return texts.TESTING_ONLY_UPPER
        case CampaignResult.REFUSED:
            return texts.TESTING_REFUSED.format(unit=unit)
        case CampaignResult.BAD_DATES:
            return texts.TESTING_BAD_DATES.format(days=MAX_DAYS)
        case CampaignResult.NO_TARGETS:
            return texts.NOTICE_NO_TARGETS.format(unit=unit)
    raise AssertionError(outcome.result)


async def testing(update: Update, context: GridContext) -> None:
    """/testing DATE [--until DATE]: start a campaign here and announce it to every group below."""
    request = await leader_request(update)
    if request is None:
        return
    message, user = request
    dates = _dates(list(context.args or []))
    if isinstance(dates, str):
        await message.reply_html(dates)
        return
    services = context.services
    outcome = await start_campaign(
        services.sessions,
        chat_id=message.chat_id,
        user_id=user.id,
        admin_ids=services.admin_ids,
        start=dates[0],
        until=dates[1],
        settings=services.settings,
        now=services.clock(),
    )
    await message.reply_html(_started(outcome))


def _tested_reply(outcome: TestedOutcome | LookupFailed | Denied, address: str) -> str:
    if isinstance(outcome, Denied):
        return view.denied(outcome)
    if isinstance(outcome, LookupFailed):
        return lookup_failed(outcome, address)
    if outcome.result is TestedResult.NO_CAMPAIGN:
        return texts.TESTED_NO_CAMPAIGN
    household = outcome.household
    return texts.TESTED_DONE.format(
        address=escape(household.address), persons=outcome.persons, members=household.members
    )


async def tested(update: Update, context: GridContext) -> None:
    """/tested ADDRESS [N人]: the testing team's count for one household."""
    request = await leader_request(update)
    if request is None:
        return
    message, user = request
    args = list(context.args or [])
    persons = None
    if len(args) > 1 and (found := _PERSONS.match(args[-1])):
        persons, args = int(found.group(1)), args[:-1]
    if not args:
        await message.reply_html(texts.TESTED_USAGE)
        return
    address, services = " ".join(args), context.services
    outcome = await record_tested(
        services.sessions,
        chat_id=message.chat_id,
        user_id=user.id,
        admin_ids=services.admin_ids,
        address=address,
        persons=persons,
        day=local_day(message, services),
        now=services.clock(),
    )
    await message.reply_html(_tested_reply(outcome, address))


def _lines(rows: list[Untested], *, by_grid: bool) -> list[str]:
    lines: list[str] = []
    current: int | None = None
    for row in rows:
        if by_grid and row.grid.id != current:
            current = row.grid.id
            lines.append(texts.UNTESTED_GRID.format(grid=escape(row.grid.name)))
        lines.append(
            texts.UNTESTED_LINE.format(
                address=escape(row.household.address), tested=row.tested, members=row.household.members
            )
        )
    return lines


def untested_messages(report: UntestedReport) -> list[str]:
    """Households with persons still to test, then, apart, those to be tested at home."""
    unit = escape(report.unit.name)
    campaign = report.campaign
    if campaign is None:
        return [texts.UNTESTED_NONE_RUNNING.format(unit=unit)]
    days = _days(campaign.campaign.start, campaign.campaign.until)
    count = len(report.untested) + len(report.at_home)
    if not count:
        return [texts.UNTESTED_ALL_DONE.format(unit=unit, days=days)]
    by_grid = report.unit.level != UnitLevel.GRID
    lines = [texts.UNTESTED_HEADER.format(unit=unit, days=days, count=count), *_lines(report.untested, by_grid=by_grid)]
    if report.at_home:
        lines += [texts.UNTESTED_AT_HOME.format(count=len(report.at_home)), *_lines(report.at_home, by_grid=by_grid)]
    return split_message(lines)


def _day_and_now(message: Message, services: Services) -> dict[str, object]:
    return {"day": local_day(message, services), "now": services.clock()}


async def untested(update: Update, context: GridContext) -> None:
    """/untested: households with persons not yet tested in the campaign, and the 需上门 list."""
    await leader_view(update, context, untested_households, untested_messages, _day_and_now)
