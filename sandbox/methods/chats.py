"""Identity, chat and member look-ups, leaving chats, and the command menu."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.errors import bad_request
from sandbox.methods.common import Handlers, readable_chat, require_group_access, target_chat
from sandbox.models import JSON, CommandSet
from sandbox.params import Params
from sandbox.state import ADMIN_STATUSES, SandboxState
from sandbox.wire import chat_full_info_json, me_json, member_json, member_updated_json

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE = re.compile(r"(|[a-z]{2})")
_GLOBAL_SCOPES = frozenset({"default", "all_private_chats", "all_group_chats", "all_chat_administrators"})
_CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})


async def get_me(state: SandboxState, params: Params) -> JSON:
    return me_json(state)


async def get_chat(state: SandboxState, params: Params) -> JSON:
    return chat_full_info_json(state, readable_chat(state, params))


async def get_chat_member(state: SandboxState, params: Params) -> JSON:
    chat = readable_chat(state, params)
    user_id = params.integer("user_id", missing="user_id is empty")
    if user_id == state.bot.id:
        status = "member" if chat.type == "private" else chat.bot_status
        return member_json(state.bot, status)
    if user_id not in state.users:
        raise bad_request("user not found")
    user = state.users[user_id]
    if chat.type == "private":
        return member_json(user, "member" if user.id == chat.id else "left")
    return member_json(user, chat.members.get(user.id, "left"))


async def get_chat_administrators(state: SandboxState, params: Params) -> list[JSON]:
    chat = readable_chat(state, params)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        member_json(state.sender(user_id), status)
        for user_id, status in state.group_members(chat)
        if status in ADMIN_STATUSES
    ]


async def get_chat_member_count(state: SandboxState, params: Params) -> int:
    chat = readable_chat(state, params)
    return 2 if chat.type == "private" else sum(1 for _ in state.group_members(chat))


async def leave_chat(state: SandboxState, params: Params) -> bool:
    chat = target_chat(state, params)
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    require_group_access(chat)
    old, chat.bot_status = chat.bot_status, "left"
    state.emit("my_chat_member", member_updated_json(state, chat, state.bot, state.bot, old, "left"))
    state.log_event("bot_left", chat, sender_id=state.bot.id)
    return True


def _scope(state: SandboxState, params: Params) -> JSON:
    """``scope`` normalised to the fields that identify it (default scope if absent)."""
    scope = params.object("scope", what="bot command scope") or {"type": "default"}
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in _GLOBAL_SCOPES:
        return {"type": kind}
    if kind not in _CHAT_SCOPES:
        raise bad_request("unsupported bot command scope type")
    chat_id = scope.get("chat_id")
    chat = state.find_chat(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise bad_request("chat not found")
    if kind != "chat_member":
        return {"type": kind, "chat_id": chat.id}
    user_id = scope.get("user_id")
    if user_id not in state.users:
        raise bad_request("user not found")
    return {"type": kind, "chat_id": chat.id, "user_id": user_id}


def _command_key(state: SandboxState, params: Params) -> tuple[JSON, str, tuple[str, str]]:
    scope = _scope(state, params)
    language = params.string("language_code") or ""
    if not _LANGUAGE.fullmatch(language):
        raise bad_request("LANG_CODE_INVALID")
    return scope, language, (json.dumps(scope, sort_keys=True), language)


def _commands(params: Params) -> list[JSON]:
    commands: Any = params.object("commands", what="bot commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse BotCommand array JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    checked = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": name, "description": description})
    return checked


async def set_my_commands(state: SandboxState, params: Params) -> bool:
    commands = _commands(params)
    scope, language, key = _command_key(state, params)
    if commands:
        state.commands[key] = CommandSet(scope, language, commands)
    else:
        state.commands.pop(key, None)
    return True


async def get_my_commands(state: SandboxState, params: Params) -> list[JSON]:
    """Exactly the list stored for this scope and language; no fallback, as documented."""
    _, _, key = _command_key(state, params)
    stored = state.commands.get(key)
    return [] if stored is None else stored.commands


async def delete_my_commands(state: SandboxState, params: Params) -> bool:
    _, _, key = _command_key(state, params)
    state.commands.pop(key, None)
    return True


async def close_session(state: SandboxState, params: Params) -> bool:
    """``close``/``logOut`` only matter to Telegram's servers; acknowledging them is enough."""
    return True


HANDLERS: Handlers = {
    "getMe": get_me,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "close": close_session,
    "logOut": close_session,
}
