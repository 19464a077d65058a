"""Who may run each leader command where: every command × every role, in a grid and a village group."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from demo.playground import Playground
from services.identity import ANONYMOUS_ADMIN_ID
from storage.db import SessionFactory
from tests.factories import (
    ADMIN,
    GRID_LEADER,
    NEIGHBOUR,
    OTHER_GRID_LEADER,
    OTHER_VILLAGE_LEADER,
    RESIDENT,
    STRANGER,
    TOWN_LEADER,
    VILLAGE_LEADER,
    add_order,
    add_person,
    bound_groups,
)

G1, G2 = "T1-V1-G1", "T1-V1-G2"
REFUSED = "抱歉，这个命令仅供本群单位的网格员和上级负责人使用。"
#: Every leader command, with arguments that would work for a leader.
LEADER_COMMANDS = [
    "/status",
    "/missing",
    "/orders",
    "/returnees",
    "/household 3-1-101",
    "/untested",
    "/tested 3-1-101 2人",
    "/link @luren 3-2-502",
    "/deliver 2",
]
#: /cancel is for residents too, but only for their own household's orders.
CANCEL = "/cancel 1"
NOT_YOURS = "订单 #1 不是您家的，只能取消自己家的订单。"


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    """Bound groups; #1 and #2 open in G1 (neither the resident's), #1 open in G2; a known @luren."""
    grid, village = await bound_groups(playground, sessions)
    now = datetime.now(UTC)
    await add_order(sessions, G1, "3-2-502", now, number=1, chat_id=grid, sender_id=NEIGHBOUR)
    await add_order(sessions, G1, "3-1-101", now, number=2, chat_id=grid, sender_id=NEIGHBOUR)
    await add_order(sessions, G2, "5-1-301", now, number=1)
    await add_person(sessions, RESIDENT, "张三", household=(G1, "3-2-501"))
    await add_person(sessions, STRANGER, "路人", username="luren")
    return grid, village


async def replies(playground: Playground, chat_id: int, user: int, commands: list[str]) -> list[str]:
    """The bot's reply to each command, one each (the dialogue fails on none or several)."""
    lines = await playground.dialogue(chat_id, [(user, command) for command in commands])
    assert [line.startswith("bot: ") for line in lines] == [False, True] * len(commands), lines
    return [line.removeprefix("bot: ") for line in lines[1::2]]


@pytest.mark.parametrize(
    "user", [RESIDENT, STRANGER, OTHER_GRID_LEADER], ids=["resident", "stranger", "other-grid-leader"]
)
async def test_grid_group_refuses_others(playground: Playground, groups: tuple[int, int], user: int) -> None:
    assert await replies(playground, groups[0], user, [*LEADER_COMMANDS, CANCEL]) == [
        *[REFUSED] * len(LEADER_COMMANDS),
        NOT_YOURS,
    ]


@pytest.mark.parametrize(
    "user", [GRID_LEADER, VILLAGE_LEADER, TOWN_LEADER, ADMIN], ids=["grid-leader", "village", "town", "admin"]
)
async def test_grid_group_serves_its_leaders_those_above_and_admins(
    playground: Playground, groups: tuple[int, int], user: int
) -> None:
    answers = await replies(playground, groups[0], user, [*LEADER_COMMANDS, CANCEL])
    assert all(answer not in (REFUSED, NOT_YOURS) for answer in answers), answers
    assert answers[-2:] == ["✅ 订单 #2（大米 2袋）已送达，请 居民 查收。", "订单 #1 已取消。"]


@pytest.mark.parametrize("user", [GRID_LEADER, OTHER_VILLAGE_LEADER], ids=["grid-leader-below", "other-village-leader"])
async def test_village_group_refuses_leaders_below_and_beside(
    playground: Playground, groups: tuple[int, int], user: int
) -> None:
    assert await replies(playground, groups[1], user, LEADER_COMMANDS) == [REFUSED] * len(LEADER_COMMANDS)


@pytest.mark.parametrize("user", [VILLAGE_LEADER, TOWN_LEADER, ADMIN], ids=["village", "town", "admin"])
async def test_village_group_serves_its_leaders_those_above_and_admins(
    playground: Playground, groups: tuple[int, int], user: int
) -> None:
    answers = await replies(playground, groups[1], user, [*LEADER_COMMANDS, CANCEL])
    assert all(answer not in (REFUSED, NOT_YOURS) for answer in answers), answers
    assert answers[-3:] == [
        "请在网格群里关联住户。",
        "✅ 第一网格 订单 #2 已送达，已在网格群通知居民。",
        "第一网格、第二网格 都有订单 #1，请到对应的网格群里操作。",
    ]


async def test_anonymous_admins_are_never_trusted(playground: Playground, groups: tuple[int, int]) -> None:
    for command in [*LEADER_COMMANDS, CANCEL]:
        await playground.client.send_message(
            user_id=GRID_LEADER, chat_id=groups[0], text=command, sender_chat_id=groups[0]
        )
    await playground.settle()
    events = await playground.client.transcript()
    assert any(event.sender_id == ANONYMOUS_ADMIN_ID for event in events)
    sent = [m.text for m in await playground.client.bot_messages(groups[0])]
    anonymous = "您正以匿名管理员身份发言，我无法确认您是谁。请在群设置里关闭“匿名发言”后再试。"
    assert sent[-len(LEADER_COMMANDS) - 1 :] == [anonymous] * (len(LEADER_COMMANDS) + 1)


async def test_private_chats_and_unbound_groups(playground: Playground, groups: tuple[int, int]) -> None:
    unbound = await playground.client.create_group(title="新群", members=[GRID_LEADER], admins=[GRID_LEADER])
    await playground.client.add_bot_to_group(unbound.id, by=GRID_LEADER)
    await playground.settle()
    not_bound = "本群还没有绑定单位，请负责人先发送 /bind 单位编码。"
    assert await replies(playground, unbound.id, GRID_LEADER, [*LEADER_COMMANDS, CANCEL]) == [not_bound] * (
        len(LEADER_COMMANDS) + 1
    )
    private = "请在网格群或村、镇工作群里发送这个命令。"
    assert await replies(playground, GRID_LEADER, GRID_LEADER, LEADER_COMMANDS) == [private] * len(LEADER_COMMANDS)
