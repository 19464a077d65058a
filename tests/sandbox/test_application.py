"""A real ``telegram.ext.Application`` polling the sandbox, end to end."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from sandbox import SandboxClient
from tests.sandbox.conftest import polling


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("绑定", callback_data="bind")]])
    await update.effective_message.reply_html(f"<b>欢迎</b>，{context.args or '新朋友'}", reply_markup=keyboard)


async def bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("已绑定")
    await query.edit_message_text("绑定成功 ✅")


async def test_command_reply_button_and_edit(application: Application, tg: SandboxClient) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(bind, pattern="^bind$"))
    user = await tg.create_user(first_name="陈", last_name="一")
    async with polling(application):
        await tg.send_message(user_id=user.id, chat_id=user.id, text="/start XQ01")
        reply = await tg.wait_for_event(kind="bot_message", chat_id=user.id)
        assert reply.text == "欢迎，['XQ01']"
        assert reply.details["buttons"] == [["绑定"]]
        assert reply.message_id is not None
        await tg.press_button(user_id=user.id, chat_id=user.id, message_id=reply.message_id, data="bind")
        edit = await tg.wait_for_event(kind="bot_edit", chat_id=user.id, after_seq=reply.seq)
        assert edit.text == "绑定成功 ✅"
        await tg.wait_until_idle()
        assert await tg.pending_updates() == 0
    [answer] = await tg.callback_answers()
    assert answer.text == "已绑定"
    [message] = await tg.bot_messages(user.id)
    assert (message.text, message.edited, message.reply_markup) == ("绑定成功 ✅", True, None)


async def test_group_command_with_bot_username(application: Application, tg: SandboxClient) -> None:
    seen: list[tuple[int, list[str]]] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        seen.append((update.effective_chat.id, list(context.args or [])))

    application.add_handler(CommandHandler("bind", record))
    leader = await tg.create_user(first_name="网格长")
    group = await tg.create_group(title="XQ01 网格群", admins=[leader.id])
    await tg.add_bot_to_group(group.id, by=leader.id)
    async with polling(application):
        await tg.send_message(user_id=leader.id, chat_id=group.id, text="/bind@gridbot_sandbox_bot XQ01")
        await tg.send_message(user_id=leader.id, chat_id=group.id, text="/bind@some_other_bot XQ02")
        await tg.wait_until_idle()
    assert seen == [(group.id, ["XQ01"])]


async def test_redelivered_update_reaches_the_application_twice(
    application: Application,
    tg: SandboxClient,
) -> None:
    seen: list[int] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)

    application.add_handler(MessageHandler(filters.TEXT, record))
    user = await tg.create_user(first_name="林")
    async with polling(application):
        sent = await tg.send_message(user_id=user.id, chat_id=user.id, text="打卡 3号楼")
        await tg.wait_until_idle()
        assert sent.update_id is not None
        await tg.redeliver(sent.update_id)
        await tg.wait_until_idle()
    assert seen == [sent.update_id, sent.update_id]
