"""The demo's script, scene by scene. Each capability of the bot adds its own scene here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.demo.stage import Stage
from bot.demo.town import ADMIN_ID


@dataclass(frozen=True)
class Scene:
    title: str
    play: Callable[[Stage], Awaitable[None]]


async def bot_joins_groups(stage: Stage) -> None:
    """Each unit's leader adds the bot to their group; the bot says how to bind."""
    for unit in stage.town.units:
        await stage.playground.client.add_bot_to_group(stage.groups[unit.code], by=unit.leaders[0], as_admin=True)
        await stage.playground.settle()
    await stage.show()


async def binding(stage: Stage) -> None:
    """Leaders bind their groups; a resident and an anonymous admin are refused."""
    first_grid = stage.town.grids()[0]
    resident = stage.residents[first_grid.code][0]
    await stage.say(resident, first_grid.code, f"/bind {first_grid.code}")
    await stage.playground.client.send_message(
        user_id=first_grid.leaders[0],
        chat_id=stage.groups[first_grid.code],
        text=f"/bind {first_grid.code}",
        sender_chat_id=stage.groups[first_grid.code],
    )
    await stage.playground.settle()
    await stage.show()
    for unit in stage.town.units:
        await stage.say(unit.leaders[0], unit.code, f"/bind {unit.code}")
    await stage.say(first_grid.leaders[0], first_grid.code, f"/bind {first_grid.code}")


async def first_contact(stage: Stage) -> None:
    """A resident starts the bot privately and asks what it can do; the admin checks who they are."""
    grid = stage.town.grids()[0]
    resident = stage.residents[grid.code][1]
    await stage.say(resident, resident, "/start")
    await stage.say(resident, grid.code, "/help")
    await stage.say(grid.leaders[0], grid.code, "/help")
    await stage.say(ADMIN_ID, ADMIN_ID, "/whoami")


SCENES: list[Scene] = [
    Scene("机器人进群：各级负责人把网格助手拉进群", bot_joins_groups),
    Scene("绑定：负责人发送 /bind 把群绑定到单位", binding),
    Scene("初次使用：/start、/help、/whoami", first_contact),
]
