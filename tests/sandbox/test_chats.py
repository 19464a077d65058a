"""Who may talk to whom: membership, 403s, anonymous admins, privacy mode, member updates."""

from __future__ import annotations

import pytest
from telegram import Bot, ChatMemberAdministrator, ChatMemberMember, ChatMemberOwner, Update
from telegram.error import BadRequest, Forbidden

from sandbox import RateLimits, SandboxClient, User, running_sandbox
from tests.sandbox.conftest import make_bot


@pytest.fixture
async def alice(tg: SandboxClient) -> User:
    return await tg.create_user(first_name="赵", last_name="六", username="zhao_liu")


async def test_private_chat_needs_start_and_respects_blocking(bot: Bot, tg: SandboxClient, alice: User) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(alice.id, "你好")
    await tg.send_message(user_id=alice.id, chat_id=alice.id, text="/start")
    await bot.send_message(alice.id, "你好")
    blocked = await tg.block_bot(alice.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "还在吗")
    updates = await bot.get_updates()
    [kicked] = [u for u in updates if u.update_id == blocked]
    assert kicked.my_chat_member is not None
    assert kicked.my_chat_member.new_chat_member.status == "kicked"
    assert kicked.my_chat_member.chat.type == "private"


async def test_group_lifecycle_for_the_bot(bot: Bot, tg: SandboxClient, alice: User) -> None:
    group = await tg.create_group(title="幸福社区", members=[alice.id], admins=[alice.id], kind="group")
    assert group.id < 0 and group.type == "group"
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group.id, "hi")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(group.id)
    await tg.add_bot_to_group(group.id, by=alice.id, as_admin=True)
    await bot.send_message(group.id, "大家好")
    admins = await bot.get_chat_administrators(group.id)
    assert [(type(m), m.user.id) for m in admins] == [
        (ChatMemberOwner, alice.id),
        (ChatMemberAdministrator, bot.id),
    ]
    assert await bot.get_chat_member_count(group.id) == 2
    removed = await tg.remove_bot_from_group(group.id, by=alice.id)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(group.id, "hi")
    kinds = [
        (u.update_id, u.my_chat_member.new_chat_member.status) for u in await bot.get_updates() if u.my_chat_member
    ]
    assert kinds == [(kinds[0][0], "administrator"), (removed, "kicked")]


async def test_added_bot_sees_my_chat_member_then_service_message(bot: Bot, tg: SandboxClient, alice: User) -> None:
    group = await tg.create_group(title="一网格", members=[alice.id])
    sent = await tg.add_bot_to_group(group.id, by=alice.id)
    first, second = await bot.get_updates()
    assert first.my_chat_member is not None
    assert first.my_chat_member.old_chat_member.status == "left"
    assert isinstance(first.my_chat_member.new_chat_member, ChatMemberMember)
    assert first.my_chat_member.from_user.id == alice.id
    assert second.update_id == sent.update_id and second.message is not None
    assert [u.id for u in second.message.new_chat_members] == [bot.id]


async def test_members_joining_and_chat_member_updates(bot: Bot, tg: SandboxClient, alice: User) -> None:
    bob = await tg.create_user(first_name="钱七")
    group = await tg.create_group(title="二网格", admins=[alice.id])
    await tg.add_bot_to_group(group.id, by=alice.id, as_admin=True)
    await bot.get_updates(allowed_updates=[*Update.ALL_TYPES])
    offset = (await bot.get_updates())[-1].update_id + 1
    joined = await tg.add_member(group.id, bob.id)
    left = await tg.remove_member(group.id, bob.id, by=alice.id)
    updates = await bot.get_updates(offset=offset)
    assert [u.message.new_chat_members[0].id for u in updates if u.message and u.message.new_chat_members] == [bob.id]
    assert [u.message.left_chat_member.id for u in updates if u.message and u.message.left_chat_member] == [bob.id]
    assert [u.chat_member.new_chat_member.status for u in updates if u.chat_member] == ["member", "kicked"]
    assert joined.update_id is not None and left.update_id is not None
    member = await bot.get_chat_member(group.id, bob.id)
    assert member.status == "kicked"


async def test_anonymous_admin_posts_as_the_group(bot: Bot, tg: SandboxClient, alice: User) -> None:
    group = await tg.create_group(title="社区群", admins=[alice.id])
    await tg.add_bot_to_group(group.id, by=alice.id)
    offset = (await bot.get_updates())[-1].update_id + 1
    await tg.send_message(user_id=alice.id, chat_id=group.id, text="通知：停水", sender_chat_id=group.id)
    [update] = await bot.get_updates(offset=offset)
    message = update.message
    assert message is not None and message.from_user is not None
    assert (message.from_user.id, message.from_user.username, message.from_user.is_bot) == (
        1087968824,
        "GroupAnonymousBot",
        True,
    )
    assert message.sender_chat is not None and message.sender_chat.id == group.id


async def test_privacy_mode_hides_chatter_but_not_commands() -> None:
    async with (
        running_sandbox(privacy_mode=True, rate_limits=RateLimits.off()) as sandbox,
        SandboxClient(sandbox.url) as tg,
        make_bot(sandbox) as bot,
    ):
        user = await tg.create_user(first_name="孙八")
        group = await tg.create_group(title="隐私群", members=[user.id])
        await tg.add_bot_to_group(group.id, by=user.id)
        chatter = await tg.send_message(user_id=user.id, chat_id=group.id, text="今天天气不错")
        other_bot = await tg.send_message(user_id=user.id, chat_id=group.id, text="/start@other_bot")
        command = await tg.send_message(user_id=user.id, chat_id=group.id, text="/bind@gridbot_sandbox_bot XQ01")
        mention = await tg.send_message(user_id=user.id, chat_id=group.id, text="@gridbot_sandbox_bot 在吗")
        assert chatter.update_id is None and other_bot.update_id is None
        assert command.update_id is not None and mention.update_id is not None
        assert (await bot.get_me()).can_read_all_group_messages is False
