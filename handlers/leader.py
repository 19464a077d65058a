"""Leader commands in a unit's group: /status, /missing, /returnees, /link, /household.

Each reads the group's bound unit; the services check the sender may manage it. Anonymous
admins speak as the group, never as a person, so they are never trusted with these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from html import escape
from typing import TypeVar

from telegram import ChatMemberRestricted, LinkPreviewOptions, Message, MessageEntity, Update, User
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import filters

from core import texts
from core.domain import UnitLevel
from core.formatting import mention
from handlers import leader_format as view
from handlers.context import GridContext, Services
from handlers.senders import from_a_person
from services.grid_status import (
    HouseholdHistory,
    Lookup,
    LookupFailed,
    ReturneeReport,
    household_history,
    household_history_by_id,
    missing_checkins,
    returnees_under_monitoring,
    unit_status,
)
from services.leader_scope import Denied
from services.linking import KnownUser, Link, LinkOutcome, MemberCheck, link_person

#: ``/start household-12``: the deep link a leader follows from a residents' group.
HOUSEHOLD_LINK_PREFIX = "household-"
HOUSEHOLD_LINK = filters.Regex(rf"^/start {HOUSEHOLD_LINK_PREFIX}\d{{1,12}}$")

Report = TypeVar("Report")


async def leader_request(update: Update) -> tuple[Message, User] | None:
    """The command's message and sender, or None after saying why it cannot be run here."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    if message.chat.type == ChatType.PRIVATE:
        await message.reply_html(texts.LEADER_ONLY_GROUPS)
        return None
    if not from_a_person(message):
        await message.reply_html(texts.LEADER_ANONYMOUS)
        return None
    return message, user


def local_day(message: Message, services: Services) -> date:
    """The day the message was sent, in the town's time zone: what 'today' means to its people."""
    return message.date.astimezone(services.settings.tz).date()


async def reply_parts(message: Message, parts: Sequence[str]) -> None:
    """Reply with the first part, then send the rest into the same chat."""
    for index, part in enumerate(parts):
        await message.reply_html(part, do_quote=index == 0, link_preview_options=LinkPreviewOptions(is_disabled=True))


def today(message: Message, services: Services) -> dict[str, object]:
    """A view of the message's local day."""
    return {"day": local_day(message, services)}


def right_now(message: Message, services: Services) -> dict[str, object]:
    """A view of the day as the daily report would compile it at this instant."""
    # Not message.date: Telegram's whole seconds would miss a record stored in the same second.
    return {"day": local_day(message, services), "settings": services.settings, "now": services.clock()}


def undated(_message: Message, _services: Services) -> dict[str, object]:
    return {}


async def leader_view(
    update: Update,
    context: GridContext,
    fetch: Callable[..., Awaitable[Report | Denied]],
    render: Callable[[Report], list[str]],
    when: Callable[[Message, Services], dict[str, object]] = today,
    *,
    private: Callable[[Report], bool] | None = None,
) -> None:
    """Run one read-only leader view for this group's unit and post it.

    ``private``: true for a report that names residents where their neighbours would read it (a grid
    group); then only a note is posted and the view goes to the leader's private chat.
    """
    request = await leader_request(update)
    if request is None:
        return
    message, user = request
    services = context.services
    report = await fetch(
        services.sessions,
        chat_id=message.chat_id,
        user_id=user.id,
        admin_ids=services.admin_ids,
        **when(message, services),
    )
    if isinstance(report, Denied):
        await reply_parts(message, [view.denied(report)])
    elif private is not None and private(report):
        await _privately(context, message, user, render(report))
    else:
        await reply_parts(message, render(report))


async def _privately(context: GridContext, message: Message, user: User, parts: list[str]) -> None:
    """Details to the leader's private chat, a note in the group; a Start link if we may not write yet."""
    if await send_privately(context, user.id, parts):
        await message.reply_html(texts.VIEW_SENT_PRIVATELY)
    else:
        link = f"https://t.me/{context.bot.username}?start=alerts"
        await message.reply_html(texts.VIEW_START_FIRST.format(link=escape(link)))


async def status(update: Update, context: GridContext) -> None:
    """/status: today's check-ins, abnormal count, open orders and monitoring, for this unit."""
    await leader_view(update, context, unit_status, view.status_messages, right_now)


async def missing(update: Update, context: GridContext) -> None:
    """/missing: households not checked in today, @mentioning their linked members."""
    await leader_view(update, context, missing_checkins, view.missing_messages)


async def returnees(update: Update, context: GridContext) -> None:
    """/returnees: who is under monitoring, day N of M, tests due; in a residents' group, privately."""
    await leader_view(update, context, returnees_under_monitoring, view.returnees_messages, private=_names_residents)


def _names_residents(report: ReturneeReport) -> bool:
    return report.unit.level == UnitLevel.GRID and bool(report.returnees)


def _link_target(message: Message, args: list[str]) -> tuple[KnownUser | str | None, str]:
    """Whom /link names (a replied-to author, a text mention or an @username) and the address."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        author = replied.from_user
        return KnownUser(author.id, author.full_name, author.username), " ".join(args)
    for entity, text in message.parse_entities([MessageEntity.TEXT_MENTION]).items():
        if entity.user is not None:
            after = (message.text or "").split(text, 1)[-1]
            return KnownUser(entity.user.id, entity.user.full_name, entity.user.username), after.strip()
    if args and args[0].startswith("@") and len(args[0]) > 1:
        return args[0][1:], " ".join(args[1:])
    return None, ""


def _link_reply(outcome: LinkOutcome | Denied, target: KnownUser | str, address: str) -> str:
    if isinstance(outcome, Denied):
        return view.denied(outcome)
    person, household = outcome.person, outcome.household
    who = mention(person.telegram_user_id, person.display_name) if person else ""
    where = escape(household.address) if household else ""
    match outcome.result:
        case Link.LINKED:
            moved = texts.LINK_MOVED.format(address=escape(outcome.previous.address)) if outcome.previous else ""
            return texts.LINK_DONE.format(person=who, address=where) + moved
        case Link.ALREADY:
            return texts.LINK_ALREADY.format(person=who, address=where)
        case Link.UNKNOWN_USERNAME:
            return texts.LINK_UNKNOWN_USERNAME.format(username=escape(str(target)))
        case Link.BAD_ADDRESS:
            return texts.ADDRESS_BAD.format(address=escape(address))
        case Link.NOT_FOUND:
            return texts.ADDRESS_NOT_FOUND.format(address=escape(address))
        case Link.NOT_A_GRID:
            return texts.LINK_NOT_A_GRID
        case Link.NOT_A_MEMBER:
            return texts.LINK_NOT_A_MEMBER
    raise AssertionError(outcome.result)


def _member_of(context: GridContext, chat_id: int) -> MemberCheck:
    """Asks Telegram whether a user is in this group now (restricted members count, if still in)."""

    async def is_member(user_id: int) -> bool:
        try:
            member = await context.bot.get_chat_member(chat_id, user_id)
        except BadRequest:  # a user Telegram does not know in this chat
            return False
        if isinstance(member, ChatMemberRestricted):
            return member.is_member
        return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)

    return is_member


async def link(update: Update, context: GridContext) -> None:
    """/link @user ADDRESS, or /link ADDRESS as a reply: tie a person to a household of this grid."""
    request = await leader_request(update)
    if request is None:
        return
    message, user = request
    target, address = _link_target(message, context.args or [])
    if target is None or not address:
        await message.reply_html(texts.LINK_USAGE)
        return
    services = context.services
    outcome = await link_person(
        services.sessions,
        chat_id=message.chat_id,
        user_id=user.id,
        admin_ids=services.admin_ids,
        target=target,
        address=address,
        is_member=_member_of(context, message.chat_id),
    )
    await message.reply_html(_link_reply(outcome, target, address))


def lookup_failed(failure: LookupFailed, address: str) -> str:
    match failure.reason:
        case Lookup.BAD_ADDRESS:
            return texts.ADDRESS_BAD.format(address=escape(address))
        case Lookup.NOT_FOUND:
            return texts.ADDRESS_NOT_FOUND.format(address=escape(address))
        case Lookup.AMBIGUOUS:
            return texts.ADDRESS_AMBIGUOUS.format(grids=view.unit_names(failure.grids), address=escape(address))
    raise AssertionError(failure.reason)


async def send_privately(context: GridContext, user_id: int, parts: Sequence[str]) -> bool:
    """Write to a person's private chat; False if they never started the bot (or blocked it)."""
    try:
        for part in parts:
            await context.bot.send_message(user_id, part, parse_mode=ParseMode.HTML)
    except Forbidden:
        return False
    return True


async def _post_history(context: GridContext, message: Message, user: User, history: HouseholdHistory) -> None:
    """Officials' groups see the history masked; a residents' group only a note, details go privately."""
    today = local_day(message, context.services)
    if not history.residents_group:
        await reply_parts(message, view.household_messages(history, masked=True, today=today))
        return
    address = escape(history.household.address)
    if await send_privately(context, user.id, view.household_messages(history, masked=False, today=today)):
        await message.reply_html(texts.HOUSEHOLD_SENT_PRIVATELY.format(address=address))
        return
    link = f"https://t.me/{context.bot.username}?start={HOUSEHOLD_LINK_PREFIX}{history.household.id}"
    await reply_parts(message, [texts.HOUSEHOLD_START_FIRST.format(address=address, link=escape(link))])


async def household(update: Update, context: GridContext) -> None:
    """/household ADDRESS: one household's last week, never with health details in a residents' group."""
    request = await leader_request(update)
    if request is None:
        return
    message, user = request
    address = " ".join(context.args or [])
    if not address:
        await message.reply_html(texts.HOUSEHOLD_USAGE)
        return
    services = context.services
    day = local_day(message, services)
    result = await household_history(
        services.sessions,
        chat_id=message.chat_id,
        user_id=user.id,
        admin_ids=services.admin_ids,
        address=address,
        day=day,
    )
    if isinstance(result, Denied):
        await message.reply_html(view.denied(result))
    elif isinstance(result, LookupFailed):
        await message.reply_html(lookup_failed(result, address))
    else:
        await _post_history(context, message, user, result)


async def household_start(update: Update, context: GridContext) -> None:
    """``/start household-N`` in private: the leader followed the link from a residents' group."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not context.args:
        return
    services = context.services
    day = local_day(message, services)
    result = await household_history_by_id(
        services.sessions,
        household_id=int(context.args[0].removeprefix(HOUSEHOLD_LINK_PREFIX)),
        user=KnownUser(user.id, user.full_name, user.username),
        admin_ids=services.admin_ids,
        day=day,
    )
    if isinstance(result, Denied):
        await message.reply_html(view.denied(result))
    elif isinstance(result, LookupFailed):
        await message.reply_html(texts.HOUSEHOLD_GONE)
    else:
        await reply_parts(message, view.household_messages(result, masked=False, today=day))
