"""Sending, editing, deleting, media, reactions, buttons and commands through a real ``telegram.Bot``."""

from __future__ import annotations

import struct
import zlib

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReactionTypeEmoji,
)
from telegram.error import BadRequest

from sandbox import SandboxClient, User


def png(width: int, height: int) -> bytes:
    """A valid, tiny grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def test_send_html_with_keyboard_and_reply(bot: Bot, tg: SandboxClient, alice: User) -> None:
    asked = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="今天要打卡吗")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("已打卡 ✅", callback_data="checkin:yes")]])
    sent = await bot.send_message(
        alice.id,
        "<b>提醒</b>：请 &lt;今天&gt; 打卡",
        parse_mode="HTML",
        reply_markup=keyboard,
        reply_to_message_id=asked.message_id,
        disable_notification=True,
    )
    assert sent.text == "提醒：请 <今天> 打卡"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2)]
    assert sent.from_user is not None and sent.from_user.username == "gridbot_sandbox_bot"
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "今天要打卡吗"
    assert sent.reply_markup == keyboard
    [recorded] = await tg.bot_messages(alice.id)
    assert (recorded.method, recorded.text, recorded.parse_mode) == ("sendMessage", "提醒：请 <今天> 打卡", "HTML")
    assert (recorded.reply_to, recorded.disable_notification) == (asked.message_id, True)


@pytest.mark.parametrize(
    ("text", "parse_mode", "message"),
    [
        ("<b>没闭合", "HTML", "Can't parse entities: can't find end tag corresponding to start tag \"b\""),
        ("A & B", "HTML", 'Can\'t parse entities: character "&" must be escaped'),
        ("第1.5条", "MarkdownV2", "Can't parse entities: character '.' is reserved"),
        ("字" * 4097, None, "Message is too long"),
        ("   ", None, "Message text is empty"),
    ],
)
async def test_bad_text_is_refused_like_telegram(
    bot: Bot, alice: User, text: str, parse_mode: str | None, message: str
) -> None:
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(alice.id, text, parse_mode=parse_mode)
    assert caught.value.message.startswith(message)


async def test_unknown_chat_and_missing_reply(bot: Bot, alice: User) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(alice.id, "hi", reply_to_message_id=999)
    sent = await bot.send_message(alice.id, "hi", reply_to_message_id=999, allow_sending_without_reply=True)
    assert sent.reply_to_message is None


async def test_edit_and_delete(bot: Bot, tg: SandboxClient, alice: User) -> None:
    sent = await bot.send_message(alice.id, "第一版")
    edited = await bot.edit_message_text("<i>第二版</i>", alice.id, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, type(sent)) and edited.text == "第二版" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("<i>第二版</i>", alice.id, sent.message_id, parse_mode="HTML")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok")]])
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", alice.id, 999)
    assert await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    [recorded] = await tg.bot_messages(alice.id)
    assert (recorded.text, recorded.edited, recorded.deleted) == ("第二版", True, True)
    assert recorded.reply_markup == keyboard.to_dict()


async def test_bot_cannot_delete_members_messages_unless_admin(bot: Bot, tg: SandboxClient, alice: User) -> None:
    group = await tg.create_group(title="三号楼", members=[alice.id], admins=[alice.id])
    await tg.add_bot_to_group(group.id, by=alice.id)
    said = await tg.send_message(user_id=alice.id, chat_id=group.id, text="大家好")
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(group.id, said.message_id)
    await tg.set_bot_admin(group.id, True)
    assert await bot.delete_message(group.id, said.message_id)


async def test_send_document_and_download_it(bot: Bot, tg: SandboxClient, alice: User) -> None:
    content = "楼栋,人数\n3,120\n".encode()
    sent = await bot.send_document(
        alice.id, InputFile(content, filename="日报.csv"), caption="<b>今日</b>日报", parse_mode="HTML"
    )
    assert sent.document is not None
    assert (sent.document.file_name, sent.document.mime_type, sent.document.file_size) == (
        "日报.csv",
        "text/csv",
        len(content),
    )
    assert sent.caption == "今日日报" and sent.caption_entities[0].type == "bold"
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content
    resent = await bot.send_document(alice.id, sent.document.file_id)
    assert resent.document is not None and resent.document.file_unique_id == sent.document.file_unique_id
    [first, _] = await tg.bot_messages(alice.id)
    assert first.file is not None and (first.file.kind, first.file.file_name) == ("document", "日报.csv")


async def test_send_photo_reports_the_size_ladder(bot: Bot, alice: User) -> None:
    sent = await bot.send_photo(alice.id, png(1000, 500), caption="现场照片")
    sizes = [(p.width, p.height) for p in sent.photo]
    assert sizes == [(90, 45), (320, 160), (800, 400), (1000, 500)]
    assert sent.caption == "现场照片"
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(alice.id, b"not an image")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(alice.id, png(10, 10), caption="字" * 1025)


async def test_reactions(bot: Bot, tg: SandboxClient, alice: User) -> None:
    said = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="已到岗")
    assert await bot.set_message_reaction(alice.id, said.message_id, ReactionTypeEmoji("👍"))
    with pytest.raises(BadRequest, match="Reaction_invalid"):
        await bot.set_message_reaction(alice.id, said.message_id, "✅")
    with pytest.raises(BadRequest, match="Message to react not found"):
        await bot.set_message_reaction(alice.id, 999, "👍")
    assert await bot.set_message_reaction(alice.id, said.message_id, [])
    reactions = await tg.reactions(alice.id)
    assert [r.emoji for r in reactions] == [["👍"], []]


async def test_button_press_and_answer(bot: Bot, tg: SandboxClient, alice: User) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("确认", callback_data="confirm:7")]])
    sent = await bot.send_message(alice.id, "请确认", reply_markup=keyboard)
    offset = (await bot.get_updates())[-1].update_id + 1
    query_id = await tg.press_button(user_id=alice.id, chat_id=alice.id, message_id=sent.message_id, data="confirm:7")
    [update] = await bot.get_updates(offset=offset)
    query = update.callback_query
    assert query is not None and (query.id, query.data) == (query_id, "confirm:7")
    assert query.from_user.id == alice.id and query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("已确认")
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer("again")
    [answer] = await tg.callback_answers()
    assert (answer.text, answer.data, answer.user_id) == ("已确认", "confirm:7", alice.id)


async def test_commands_are_stored_per_scope_and_language(bot: Bot, tg: SandboxClient, alice: User) -> None:
    group = await tg.create_group(title="网格群", members=[alice.id])
    everyone = [BotCommand("start", "开始"), BotCommand("help", "帮助")]
    in_groups = [BotCommand("checkin", "打卡")]
    assert await bot.set_my_commands(everyone)
    assert await bot.set_my_commands(in_groups, scope=BotCommandScopeAllGroupChats(), language_code="zh")
    assert await bot.set_my_commands(in_groups[:1], scope=BotCommandScopeChat(group.id))
    assert await bot.get_my_commands() == tuple(everyone)
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(), language_code="zh") == tuple(in_groups)
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("打卡", "中文命令不行")])
    assert await bot.delete_my_commands()
    stored = {(c.scope["type"], c.language_code) for c in await tg.commands()}
    assert stored == {("all_group_chats", "zh"), ("chat", "")}
