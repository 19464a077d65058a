"""/bind, /unbind and the bot joining groups, through the real PTB application and the sandbox."""

from __future__ import annotations

import pytest
from sqlmodel import select
from telegram.ext import CommandHandler

from demo.playground import Playground
from services.identity import ANONYMOUS_ADMIN_ID
from storage.db import SessionFactory
from storage.models import BindingStatus, ChatBinding
from tests.factories import (
    ADMIN,
    GRID_LEADER,
    OTHER_GRID_LEADER,
    RESIDENT,
    STRANGER,
    TOWN_LEADER,
    VILLAGE_LEADER,
    seed_roster,
)
from tests.test_privacy_bot import NOTICE

EVERYONE = [ADMIN, TOWN_LEADER, VILLAGE_LEADER, GRID_LEADER, OTHER_GRID_LEADER, RESIDENT, STRANGER]
BOUND_G1 = "✅ 本群已绑定到 第一网格（T1-V1-G1）。"
REFUSED_G1 = "只有 第一网格 或其上级单位的负责人、或管理员可以绑定本群。"
#: The notice to residents, posted once when a grid group is first bound (see tests/test_privacy_bot.py).
POSTED_NOTICE = f"bot: {NOTICE}"


@pytest.fixture
async def group(playground: Playground, sessions: SessionFactory) -> int:
    """A group with everyone in it and the bot added; the roster imported."""
    await seed_roster(sessions)
    client = playground.client
    for user_id in EVERYONE:
        await client.create_user(user_id=user_id, first_name=f"u{user_id}")
    chat = await client.create_group(title="第一网格群", members=EVERYONE, admins=[GRID_LEADER])
    await client.add_bot_to_group(chat.id, by=GRID_LEADER)
    await playground.settle()
    return chat.id


async def binding_of(sessions: SessionFactory, chat_id: int) -> tuple[str, int] | None:
    async with sessions() as session:
        row = (await session.exec(select(ChatBinding).where(ChatBinding.chat_id == chat_id))).first()
    return None if row is None else (row.status, row.unit_id)


@pytest.mark.parametrize(
    "user", [ADMIN, GRID_LEADER, VILLAGE_LEADER, TOWN_LEADER], ids=["admin", "leader", "village", "town"]
)
async def test_admin_leader_and_ancestor_leaders_may_bind(playground: Playground, group: int, user: int) -> None:
    assert await playground.dialogue(group, [(user, "/bind T1-V1-G1")]) == [
        f"{user}: /bind T1-V1-G1",
        f"bot: {BOUND_G1}",
        POSTED_NOTICE,
    ]


@pytest.mark.parametrize("user", [RESIDENT, STRANGER, OTHER_GRID_LEADER], ids=["resident", "stranger", "other-grid"])
async def test_others_are_refused_and_nothing_is_bound(
    playground: Playground, sessions: SessionFactory, group: int, user: int
) -> None:
    assert await playground.dialogue(group, [(user, "/bind T1-V1-G1")]) == [
        f"{user}: /bind T1-V1-G1",
        f"bot: {REFUSED_G1}",
    ]
    assert await binding_of(sessions, group) is None


async def test_unknown_code_and_usage(playground: Playground, group: int) -> None:
    assert await playground.dialogue(group, [(GRID_LEADER, "/bind NOPE-1"), (GRID_LEADER, "/bind")]) == [
        f"{GRID_LEADER}: /bind NOPE-1",
        "bot: 找不到编码 NOPE-1，请核对后再试（可让管理员运行 gridbot org show 查看）。",
        f"{GRID_LEADER}: /bind",
        "bot: 用法：/bind 单位编码，例如 /bind XQ01-03-01",
    ]


async def test_already_bound_chat_needs_an_admin_to_move(
    playground: Playground, sessions: SessionFactory, group: int
) -> None:
    assert await playground.dialogue(
        group,
        [
            (GRID_LEADER, "/bind T1-V1-G1"),
            (GRID_LEADER, "/bind T1-V1-G1"),
            (VILLAGE_LEADER, "/bind T1-V1-G2"),
            (ADMIN, "/bind T1-V1-G2"),
        ],
    ) == [
        f"{GRID_LEADER}: /bind T1-V1-G1",
        f"bot: {BOUND_G1}",
        POSTED_NOTICE,
        f"{GRID_LEADER}: /bind T1-V1-G1",
        "bot: 本群已经绑定到 第一网格（T1-V1-G1），无需重复绑定。",
        f"{VILLAGE_LEADER}: /bind T1-V1-G2",
        "bot: 本群已绑定到 第一网格（T1-V1-G1），改绑需要管理员操作。",
        f"{ADMIN}: /bind T1-V1-G2",
        "bot: ✅ 本群已绑定到 第二网格（T1-V1-G2）。",  # the notice was posted here once already
    ]


async def test_a_unit_keeps_one_group(playground: Playground, sessions: SessionFactory, group: int) -> None:
    other = await playground.client.create_group(title="新群", members=[GRID_LEADER], admins=[GRID_LEADER])
    await playground.client.add_bot_to_group(other.id, by=GRID_LEADER)
    await playground.say(GRID_LEADER, group, "/bind T1-V1-G1")
    assert await playground.dialogue(other.id, [(GRID_LEADER, "/bind T1-V1-G1")]) == [
        f"{GRID_LEADER}: /bind T1-V1-G1",
        f"bot: {BOUND_G1}\n原先绑定 第一网格 的群已自动解绑。",
        POSTED_NOTICE,
    ]
    assert (await binding_of(sessions, group) or ("",))[0] == BindingStatus.REMOVED


async def test_anonymous_admin_is_never_trusted(playground: Playground, sessions: SessionFactory, group: int) -> None:
    await playground.client.send_message(
        user_id=GRID_LEADER, chat_id=group, text="/bind T1-V1-G1", sender_chat_id=group
    )
    await playground.settle()
    sent = await playground.client.bot_messages(group)
    assert sent[-1].text is not None and "匿名管理员" in sent[-1].text
    assert await binding_of(sessions, group) is None
    events = await playground.client.transcript()
    assert any(event.sender_id == ANONYMOUS_ADMIN_ID for event in events)


async def test_bind_in_private_chat_is_explained(playground: Playground, group: int) -> None:
    assert await playground.dialogue(GRID_LEADER, [(GRID_LEADER, "/bind T1-V1-G1")]) == [
        f"{GRID_LEADER}: /bind T1-V1-G1",
        "bot: 请在要绑定的群里发送 /bind。",
    ]


async def test_unbind(playground: Playground, sessions: SessionFactory, group: int) -> None:
    await playground.say(GRID_LEADER, group, "/bind T1-V1-G1")
    assert await playground.dialogue(
        group, [(RESIDENT, "/unbind"), (VILLAGE_LEADER, "/unbind"), (GRID_LEADER, "/unbind")]
    ) == [
        f"{RESIDENT}: /unbind",
        "bot: 只有 第一网格 或其上级单位的负责人、或管理员可以解除绑定。",
        f"{VILLAGE_LEADER}: /unbind",
        "bot: 本群已解除与 第一网格 的绑定。",
        f"{GRID_LEADER}: /unbind",
        "bot: 本群还没有绑定单位。",
    ]


async def test_joining_explains_binding_and_removal_stops_it(
    playground: Playground, sessions: SessionFactory, group: int
) -> None:
    joined = [m.text for m in await playground.client.bot_messages(group)]
    assert len(joined) == 1 and joined[0] is not None and "/bind 单位编码" in joined[0]
    await playground.say(GRID_LEADER, group, "/bind T1-V1-G1")
    await playground.client.remove_bot_from_group(group, by=GRID_LEADER)
    await playground.settle()
    assert (await binding_of(sessions, group) or ("",))[0] == BindingStatus.REMOVED


async def test_command_menu_is_registered_in_chinese_with_leader_commands_for_admins(playground: Playground) -> None:
    menus = {
        command_set.scope["type"]: [c["command"] for c in command_set.commands]
        for command_set in await playground.client.commands()
    }
    assert menus["default"] == ["start", "help", "whoami", "privacy"]
    assert menus["all_group_chats"] == ["help", "whoami", "cancel", "privacy", "visit", "disinfect"]
    assert menus["all_chat_administrators"][:6] == ["help", "whoami", "cancel", "privacy", "status", "missing"]
    assert {"bind", "unbind", "zero", "notice"} <= set(menus["all_chat_administrators"])


async def test_every_menu_command_has_a_handler_and_every_command_handler_a_menu_entry(
    playground: Playground,
) -> None:
    published = {
        command["command"] for command_set in await playground.client.commands() for command in command_set.commands
    }
    handled = {
        command
        for group in playground.bot.application.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
    assert published == handled
    assert len(published) == 28  # with /privacy, /testing, /tested, /untested, and the standing duties (issue #14)


async def test_whoami_and_help_by_role(playground: Playground, group: int) -> None:
    await playground.say(GRID_LEADER, group, "/bind T1-V1-G1")
    transcript = await playground.dialogue(group, [(RESIDENT, "/help"), (GRID_LEADER, "/whoami")])
    assert transcript[1].startswith("bot: 本群已绑定：第一网格（T1-V1-G1）\n在这里您可以：")
    assert "/bind" not in transcript[1]
    leader_help = (await playground.dialogue(group, [(GRID_LEADER, "/help")]))[1]
    assert "/status" in leader_help and "/zero" in leader_help and "/notice" not in leader_help
    assert transcript[3] == f"bot: 您的 Telegram ID：{GRID_LEADER}\n身份：第一网格 负责人"
