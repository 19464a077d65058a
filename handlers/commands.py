"""Every slash command, once: its callback, filter, audience and menu text, and /help, which reads them.

``bot.app`` registers a ``CommandHandler`` per entry and publishes Telegram's menus from the same
table, so a command cannot be in a menu without a handler, or handled but missing from /help.
/help lives here, beside the table it lists, so that the table can name it without an import cycle.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from html import escape
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import filters

from core import texts
from handlers import binding, campaigns, duties, leader, notices, orders, reports, settings, start
from handlers.context import GridContext
from services.identity import Identity, identify


class Menu(enum.Enum):
    """Telegram's command menus: one per scope ``bot.app`` publishes."""

    PRIVATE = "private"
    GROUP = "group"
    #: Telegram cannot scope a menu to our leaders, so group administrators stand in for them.
    ADMIN = "admin"


class Audience(enum.Enum):
    """Who a command is for, which decides the menus it appears in and when /help lists it."""

    PRIVATE = "private chats"
    EVERYONE = "everyone, anywhere"
    GROUP_MEMBERS = "every group member"
    LEADERS = "leaders of the group's unit"
    #: Leaders sending to the units below: no use in a grid's own group.
    DOWNWARD = "leaders, downward only"

    @property
    def menus(self) -> frozenset[Menu]:
        return _MENUS[self]


_MENUS = {
    Audience.PRIVATE: frozenset({Menu.PRIVATE}),
    Audience.EVERYONE: frozenset({Menu.PRIVATE, Menu.GROUP, Menu.ADMIN}),
    Audience.GROUP_MEMBERS: frozenset({Menu.GROUP, Menu.ADMIN}),
    Audience.LEADERS: frozenset({Menu.ADMIN}),
    Audience.DOWNWARD: frozenset({Menu.ADMIN}),
}


Callback = Callable[[Update, GridContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    name: str
    callback: Callback
    audience: Audience
    description: str
    filter: filters.BaseFilter | None = None

    @property
    def bot_command(self) -> BotCommand:
        return BotCommand(self.name, self.description)


async def help_command(update: Update, context: GridContext) -> None:
    """List what the sender may do in this chat, by role."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    is_group = message.chat.type != ChatType.PRIVATE
    identity = await identify(
        services.sessions,
        user_id=user.id,
        chat_id=message.chat_id if is_group else None,
        admin_ids=services.admin_ids,
    )
    lines = [texts.HELP_HEADER, texts.HELP_RESIDENT]
    if identity.manages_chat or identity.is_admin or (not is_group and identity.led_units):
        lines += help_lines(leader_commands(in_grid=identity.in_grid_chat))
    if identity.is_admin:
        lines.append(texts.HELP_ADMIN)
    if is_group:
        lines.insert(0, _chat_binding(identity))
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


def _chat_binding(identity: Identity) -> str:
    unit = identity.chat_unit
    if unit is None:
        return texts.HELP_UNBOUND_GROUP
    return texts.HELP_BOUND_GROUP.format(unit=f"{escape(unit.name)}（{escape(unit.code)}）")


#: In menu order. The ``/start`` deep links (household, alerts) are handlers of their own in ``bot.app``.
COMMANDS: tuple[Command, ...] = (
    Command("start", start.start, Audience.PRIVATE, texts.COMMAND_START),
    Command("help", help_command, Audience.EVERYONE, texts.COMMAND_HELP),
    Command("whoami", start.whoami, Audience.EVERYONE, texts.COMMAND_WHOAMI),
    Command("cancel", orders.cancel, Audience.GROUP_MEMBERS, texts.COMMAND_CANCEL),
    Command("privacy", start.privacy, Audience.EVERYONE, texts.COMMAND_PRIVACY),
    Command("status", leader.status, Audience.LEADERS, texts.COMMAND_STATUS),
    Command("missing", leader.missing, Audience.LEADERS, texts.COMMAND_MISSING),
    Command("orders", orders.orders, Audience.LEADERS, texts.COMMAND_ORDERS),
    Command("deliver", orders.deliver, Audience.LEADERS, texts.COMMAND_DELIVER),
    Command("returnees", leader.returnees, Audience.LEADERS, texts.COMMAND_RETURNEES),
    Command("household", leader.household, Audience.LEADERS, texts.COMMAND_HOUSEHOLD),
    Command("link", leader.link, Audience.LEADERS, texts.COMMAND_LINK),
    Command("received", duties.received, Audience.LEADERS, texts.COMMAND_RECEIVED),
    Command("visits", duties.visits, Audience.LEADERS, texts.COMMAND_VISITS),
    Command("pair", duties.pair, Audience.LEADERS, texts.COMMAND_PAIR),
    Command("disinfections", duties.disinfections, Audience.LEADERS, texts.COMMAND_DISINFECTIONS),
    Command("visit", duties.visit, Audience.GROUP_MEMBERS, texts.COMMAND_VISIT),
    Command("disinfect", duties.disinfect, Audience.GROUP_MEMBERS, texts.COMMAND_DISINFECT),
    Command("zero", reports.zero, Audience.LEADERS, texts.COMMAND_ZERO),
    Command("dayoff", reports.dayoff, Audience.LEADERS, texts.COMMAND_DAYOFF),
    Command("remind", settings.remind, Audience.LEADERS, texts.COMMAND_REMIND),
    Command("notice", notices.notice, Audience.DOWNWARD, texts.COMMAND_NOTICE),
    Command("notice_status", notices.notice_status_command, Audience.DOWNWARD, texts.COMMAND_NOTICE_STATUS),
    Command("testing", campaigns.testing, Audience.DOWNWARD, texts.COMMAND_TESTING),
    Command("tested", campaigns.tested, Audience.LEADERS, texts.COMMAND_TESTED),
    Command("untested", campaigns.untested, Audience.LEADERS, texts.COMMAND_UNTESTED),
    Command("bind", binding.bind, Audience.LEADERS, texts.COMMAND_BIND),
    Command("unbind", binding.unbind, Audience.LEADERS, texts.COMMAND_UNBIND),
)


def menu(which: Menu) -> list[BotCommand]:
    """One Telegram menu, in table order."""
    return [command.bot_command for command in COMMANDS if which in command.audience.menus]


def leader_commands(*, in_grid: bool) -> list[Command]:
    """What /help adds for someone who leads here; no downward commands in a grid's own group."""
    wanted = {Audience.LEADERS} if in_grid else {Audience.LEADERS, Audience.DOWNWARD}
    return [command for command in COMMANDS if command.audience in wanted]


def help_lines(commands: list[Command]) -> list[str]:
    """One HTML line per command for /help, from the same descriptions the menu shows."""
    return [texts.HELP_COMMAND_LINE.format(command=c.name, description=escape(c.description)) for c in commands]
