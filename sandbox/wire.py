"""Builders for Telegram's JSON objects (User, Chat, Message, ChatMember, ...).

Optional fields are omitted rather than sent as ``null``, as Telegram does;
PTB's ``de_json`` relies on the required ones being present.
"""

from __future__ import annotations

from typing import Any

from sandbox.models import JSON
from sandbox.state import ChatRecord, MessageRecord, SandboxState, UserRecord

# The rights a bot promoted "with all rights" gets; Telegram lists every flag.
_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_pin_messages": True,
}


def _compact(**fields: Any) -> JSON:
    return {key: value for key, value in fields.items() if value is not None}


def user_json(user: UserRecord) -> JSON:
    return _compact(
        id=user.id,
        is_bot=user.is_bot,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=None if user.is_bot else user.language_code,
    )


def me_json(state: SandboxState) -> JSON:
    """``getMe``: the bot user plus its capability flags."""
    return {
        **user_json(state.bot),
        "can_join_groups": True,
        "can_read_all_group_messages": not state.privacy_mode,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def chat_json(state: SandboxState, chat: ChatRecord) -> JSON:
    if chat.type == "private":
        user = state.users[chat.id]
        return _compact(
            id=chat.id, type="private", first_name=user.first_name, last_name=user.last_name, username=user.username
        )
    return {"id": chat.id, "type": chat.type, "title": chat.title}


def chat_full_info_json(state: SandboxState, chat: ChatRecord) -> JSON:
    """``getChat``'s ChatFullInfo; the required fields PTB insists on are filled in."""
    return {
        **chat_json(state, chat),
        "accent_color_id": abs(chat.id) % 7,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


def member_json(user: UserRecord, status: str) -> JSON:
    member: JSON = {"status": status, "user": user_json(user)}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(_ADMIN_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def member_updated_json(
    state: SandboxState, chat: ChatRecord, actor: UserRecord, subject: UserRecord, old: str, new: str
) -> JSON:
    """A ChatMemberUpdated (``my_chat_member`` / ``chat_member`` payload)."""
    return {
        "chat": chat_json(state, chat),
        "from": user_json(actor),
        "date": state.now(),
        "old_chat_member": member_json(subject, old),
        "new_chat_member": member_json(subject, new),
    }


def message_json(state: SandboxState, record: MessageRecord, *, with_reply: bool = True) -> JSON:
    """A Message as Telegram serialises it.

    A ``reply_to_message`` never nests a further reply, as documented.
    """
    chat = state.chats[record.chat_id]
    message: JSON = {
        "message_id": record.message_id,
        "from": user_json(state.sender(record.sender_id)),
        "chat": chat_json(state, chat),
        "date": record.date,
    }
    if record.sender_chat_id is not None:
        message["sender_chat"] = chat_json(state, state.chats[record.sender_chat_id])
    if with_reply and record.reply_to is not None:
        replied = state.message(record.chat_id, record.reply_to)
        if replied is not None:
            message["reply_to_message"] = message_json(state, replied, with_reply=False)
    if record.edit_date is not None:
        message["edit_date"] = record.edit_date
    text_key, entities_key = ("caption", "caption_entities") if record.caption is not None else ("text", "entities")
    body = record.caption if record.caption is not None else record.text
    if body is not None:
        message[text_key] = body
        if record.entities:
            message[entities_key] = record.entities
    if record.photo is not None:
        message["photo"] = record.photo
    if record.document is not None:
        message["document"] = record.document
    if record.reply_markup is not None:
        message["reply_markup"] = record.reply_markup
    message.update(record.service)
    return message


def callback_query_json(state: SandboxState, query_id: str, user: UserRecord, record: MessageRecord, data: str) -> JSON:
    return {
        "id": query_id,
        "from": user_json(user),
        "message": message_json(state, record),
        "chat_instance": str((record.chat_id * 2_654_435_761) % (1 << 63)),
        "data": data,
    }
