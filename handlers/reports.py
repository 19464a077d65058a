"""Daily reports in the groups: the 确认上报 / 确认零报告 button, ``/zero`` and ``/dayoff``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType, ParseMode

from core import texts
from core.callbacks import ReportConfirm, ReportZero
from handlers.context import GridContext
from handlers.senders import from_a_person
from services.confirmations import (
    ConfirmOutcome,
    ConfirmResult,
    DayOffResult,
    confirm_chat_report,
    declare_days_off,
)
from services.report_render import confirmed_line, grid_report_text, zero_question, zero_refusal
from services.sender import keyboard


def _describe(outcome: ConfirmOutcome, day: date, quote: Callable[[str], str], context: GridContext) -> str:
    """The reply to a confirmation; ``quote`` escapes names for HTML (callback alerts are plain text)."""
    unit = quote(outcome.unit.name) if outcome.unit else ""
    match outcome.result:
        case ConfirmResult.CONFIRMED:
            done = texts.ZERO_DONE if outcome.zero else texts.REPORT_DONE
            return done.format(unit=unit, day=day.isoformat())
        case ConfirmResult.ALREADY:
            at = outcome.confirmed_at.astimezone(context.services.settings.tz) if outcome.confirmed_at else None
            return texts.REPORT_ALREADY.format(unit=unit, day=day.isoformat(), time=f"{at:%H:%M}" if at else "")
        case ConfirmResult.NOT_ZERO:
            assert outcome.figures is not None
            return zero_refusal(outcome.figures)
        case ConfirmResult.MISSING_CHECKINS:
            assert outcome.figures is not None
            return texts.ZERO_ASK_AGAIN.format(missing=outcome.figures.missing)
        case ConfirmResult.REFUSED:
            return texts.CONFIRM_REFUSED.format(unit=unit)
        case ConfirmResult.NOT_GRID:
            return texts.CONFIRM_NOT_GRID.format(unit=unit)
        case ConfirmResult.UNKNOWN_UNIT:
            return texts.CONFIRM_UNKNOWN
        case ConfirmResult.NOT_BOUND:
            return texts.REPORT_NOT_BOUND
    raise AssertionError(outcome.result)


def _usable(message: Message) -> str | None:
    """Why a group command cannot be taken from this message, or None when it can."""
    if message.chat.type == ChatType.PRIVATE:
        return texts.REPORT_ONLY_GROUPS
    if not from_a_person(message):
        return texts.REPORT_ANONYMOUS
    return None


async def zero(update: Update, context: GridContext) -> None:
    """``/zero``: confirm today's report of this group's grid as a zero report, or say why it is not one."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if problem := _usable(message):
        await message.reply_html(problem)
        return
    services = context.services
    day = message.date.astimezone(services.settings.tz).date()
    outcome = await confirm_chat_report(
        services.sessions,
        chat_id=message.chat_id,
        day=day,
        user_id=user.id,
        admin_ids=services.admin_ids,
        zero=True,
        settings=services.settings,
        now=services.clock(),
    )
    if outcome.result is ConfirmResult.MISSING_CHECKINS and outcome.figures is not None:
        question = zero_question(outcome.figures, day)
        await message.reply_html(question.text, reply_markup=keyboard(question.reply_markup))
        return
    await message.reply_html(_describe(outcome, day, escape, context))


async def confirm_button(
    query: CallbackQuery, chat_id: int, press: ReportConfirm | ReportZero, context: GridContext
) -> None:
    """确认上报 / 确认零报告 under a grid report, or the second tap 仍确认零报告: confirm it, and show who did.

    Only the report of the unit this group is bound to: the data may name another unit's. A zero
    report with households not checked in is not confirmed by the first press: the button turns
    into the second tap (``ReportZero``), which states how many.
    """
    user, services = query.from_user, context.services
    despite_missing = isinstance(press, ReportZero)
    outcome = await confirm_chat_report(
        services.sessions,
        chat_id=chat_id,
        unit_id=press.unit_id,
        day=press.day,
        user_id=user.id,
        admin_ids=services.admin_ids,
        zero=despite_missing,
        despite_missing=despite_missing,
        settings=services.settings,
        now=services.clock(),
    )
    settled = outcome.result in (ConfirmResult.CONFIRMED, ConfirmResult.ALREADY)
    await query.answer(_describe(outcome, press.day, str, context), show_alert=not settled)
    figures = outcome.figures
    if outcome.result is ConfirmResult.MISSING_CHECKINS and figures is not None:
        await query.edit_message_reply_markup(keyboard(zero_question(figures, press.day).reply_markup))
    elif outcome.result is ConfirmResult.CONFIRMED and figures and outcome.confirmed_at:
        line = confirmed_line(
            who=user.full_name,
            at=outcome.confirmed_at,
            zero=outcome.zero,
            tz=services.settings.tz,
            missing=figures.reported_missing,
        )
        text = grid_report_text(figures, press.day, confirmed=line)
        await query.edit_message_text(text, parse_mode=ParseMode.HTML)


def _parse_days(values: list[str]) -> list[date] | str:
    """The dates given, or the reply: how to use the command, or which value is not a date."""
    if not values:
        return texts.DAYOFF_USAGE
    days = []
    for value in values:
        try:
            days.append(date.fromisoformat(value))
        except ValueError:
            return texts.DAYOFF_BAD_DATE.format(value=escape(value))
    return days


async def dayoff(update: Update, context: GridContext) -> None:
    """``/dayoff 2026-12-01 ...``: days on which this group's unit does not count missing check-ins."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    problem = _usable(message)
    days = _parse_days(context.args or [])
    if problem or isinstance(days, str):
        await message.reply_html(problem or str(days))
        return
    services = context.services
    result, unit = await declare_days_off(
        services.sessions, chat_id=message.chat_id, days=days, user_id=user.id, admin_ids=services.admin_ids
    )
    name = escape(unit.name) if unit else ""
    replies = {
        DayOffResult.DONE: texts.DAYOFF_DONE.format(
            days=texts.REPORT_LIST_SEPARATOR.join(day.isoformat() for day in sorted(set(days))), unit=name
        ),
        DayOffResult.REFUSED: texts.DAYOFF_REFUSED.format(unit=name),
        DayOffResult.NOT_BOUND: texts.REPORT_NOT_BOUND,
    }
    await message.reply_html(replies[result])
