"""``gridbot demo``: a day of group life in a generated town, on the local sandbox, offline."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.operations import open_database
from core import texts
from core.config import Settings
from core.redact import without_tokens
from demo.playground import running_playground
from demo.scenes import SCENES
from demo.stage import DemoClock, Stage, Terminal, cast
from demo.town import ADMIN_ID, generate_town, write_roster
from sandbox import RateLimits
from sandbox.robots import FakeRobots, running_robots
from services.robots.targets import add_robot
from services.roster import import_roster

#: When the demo's day begins: leaders add the bot to their groups before the first check-ins.
DAY_STARTS = (7, 30)


async def run_demo(*, db_path: str | None, interactive: bool, out_dir: str | None) -> int:
    """Generate the town, import its roster, start sandbox and bot, play every scene."""
    if db_path and Path(db_path).exists():
        print(texts.DEMO_DB_EXISTS.format(path=db_path), file=sys.stderr)
        return 1
    started = time.monotonic()
    out = Path(out_dir or "demo-output").resolve()
    terminal = Terminal()
    total = len(SCENES) + 1
    with tempfile.TemporaryDirectory(prefix="gridbot-demo-") as scratch:
        database = Path(db_path).resolve() if db_path else Path(scratch) / "gridbot-demo.db"
        url = f"sqlite+aiosqlite:///{database}"
        terminal.heading(1, total, "准备：生成示范镇名册并导入")
        town = generate_town()
        roster = write_roster(town, out / "demo-roster.xlsx")
        async with open_database(Settings.model_validate({"database": {"url": url}})) as sessions:
            summary = await import_roster(sessions, path=roster)
        terminal.note(
            f"名册 {roster}：{summary.units_created} 个单位，{summary.households_created} 户；数据库 {database}"
        )
        tz = Settings().tz
        clock = DemoClock(datetime.now(tz).date(), tz, *DAY_STARTS)
        async with (
            running_playground(
                database_url=url,
                admin_ids=[ADMIN_ID],
                rate_limits=RateLimits(enabled=False),
                clock=clock,
                settings_overrides=DEMO_POLICY,
            ) as playground,
            running_robots(clock=lambda: clock().timestamp()) as robots,
        ):
            stage = await cast(playground, town, terminal, clock, out)
            await _wecom_robot(stage, robots)
            for step, scene in enumerate(SCENES, start=2):
                terminal.heading(step, total, scene.title)
                await scene.play(stage)
            terminal.note(f"演示完成，用时 {time.monotonic() - started:.1f} 秒。输出目录：{out}")
            if interactive:
                await _interactive(stage)
    return 0


async def _wecom_robot(stage: Stage, robots: FakeRobots) -> None:
    """The first village's officials also work in a WeCom group with a custom robot (the local fake):
    its digest, alerts and notices arrive there too."""
    village = next(unit for unit in stage.town.units if unit.level == "village")
    url = robots.add("wecom")
    await add_robot(stage.playground.bot.services.sessions, code=village.code, platform="wecom", url=url, secret=None)
    stage.robots = robots
    stage.robot_groups[url.rsplit("=", 1)[-1]] = f"{village.name}·企业微信群"
    stage.terminal.note(f"{village.name}的干部也在企业微信群里：群机器人 {without_tokens(url)}")


#: The demo town's visit rhythm and disinfection points (config.example.toml has the same).
DEMO_POLICY: dict[str, Any] = {
    "policy": {
        "visits": {"独居老人": 7, "孕妇": 7, "慢病": 14, "低保": 14},
        "disinfection": {
            "points": [
                {"place": "垃圾站", "every": "daily"},
                {"place": "电梯", "every": "daily"},
                {"place": "楼道", "every": "weekly"},
            ]
        },
    }
}


async def _interactive(stage: Stage) -> None:
    """Let a person type into any group as any member of the demo town; end of input ends it too."""
    with contextlib.suppress(EOFError):
        await _converse(stage)


async def _converse(stage: Stage) -> None:
    chats = list(stage.groups.items())
    print("\n进入交互模式：先选群，再选身份，然后输入消息（空行换群，q 退出）。")
    while True:
        for index, (code, _chat) in enumerate(chats, start=1):
            print(f"  {index}. {stage.unit(code).name}群")
        choice = (await asyncio.to_thread(input, "群编号 > ")).strip()
        if choice.lower() == "q":
            return
        if not choice.isdigit() or not 1 <= int(choice) <= len(chats):
            continue
        code, _chat = chats[int(choice) - 1]
        people = [*stage.unit(code).leaders, *stage.residents.get(code, [])[:8]]
        for index, person in enumerate(people, start=1):
            print(f"  {index}. {stage.names[person]}")
        who = (await asyncio.to_thread(input, "身份编号 > ")).strip()
        if not who.isdigit() or not 1 <= int(who) <= len(people):
            continue
        while text := (await asyncio.to_thread(input, f"{stage.names[people[int(who) - 1]]} > ")).strip():
            if text.lower() == "q":
                return
            await stage.say(people[int(who) - 1], code, text)
