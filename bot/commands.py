"""The command menus, in one list per audience: Telegram's menu and /help both read them."""

from __future__ import annotations

from html import escape

from telegram import BotCommand

from core import texts

START = BotCommand("start", texts.COMMAND_START)
HELP = BotCommand("help", texts.COMMAND_HELP)
WHOAMI = BotCommand("whoami", texts.COMMAND_WHOAMI)
CANCEL = BotCommand("cancel", texts.COMMAND_CANCEL)

#: Private chats: everyone.
PRIVATE_MENU = [START, HELP, WHOAMI]
#: Groups: every member.
GROUP_MENU = [HELP, WHOAMI, CANCEL]
#: What leaders (and admins) may do in their units' groups, beyond what members may.
LEADER_ONLY = [
    BotCommand("status", texts.COMMAND_STATUS),
    BotCommand("missing", texts.COMMAND_MISSING),
    BotCommand("orders", texts.COMMAND_ORDERS),
    BotCommand("deliver", texts.COMMAND_DELIVER),
    BotCommand("returnees", texts.COMMAND_RETURNEES),
    BotCommand("household", texts.COMMAND_HOUSEHOLD),
    BotCommand("link", texts.COMMAND_LINK),
    BotCommand("zero", texts.COMMAND_ZERO),
    BotCommand("dayoff", texts.COMMAND_DAYOFF),
    BotCommand("remind", texts.COMMAND_REMIND),
    BotCommand("notice", texts.COMMAND_NOTICE),
    BotCommand("notice_status", texts.COMMAND_NOTICE_STATUS),
    BotCommand("bind", texts.COMMAND_BIND),
    BotCommand("unbind", texts.COMMAND_UNBIND),
]
#: Sent from a town or village group to those below: no use in a grid's own group.
DOWNWARD_ONLY = frozenset({"notice", "notice_status"})
#: Group administrators' menu: Telegram cannot scope a menu to our leaders, so admins stand in.
ADMIN_MENU = [*GROUP_MENU, *LEADER_ONLY]


def help_lines(commands: list[BotCommand]) -> list[str]:
    """One HTML line per command for /help, from the same descriptions the menu shows."""
    return [texts.HELP_COMMAND_LINE.format(command=c.command, description=escape(c.description)) for c in commands]
