"""The demo's stage: the town's people and groups in the sandbox, and a terminal that shows them."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from core.formatting import plain
from demo.playground import Playground
from demo.town import ADMIN_ID, DemoTown, DemoUnit
from sandbox import TranscriptEvent
from sandbox.robots import Arrival, FakeRobots
from services.identity import ANONYMOUS_ADMIN_ID

BOT_NAME = "🤖 网格助手"
_MEMBERSHIP = {
    "bot_added": "{name} 把网格助手拉进了群",
    "bot_removed": "{name} 把网格助手移出了群",
    "joined": "{name} 加入了群",
    "left": "{name} 离开了群",
}


@dataclass
class Terminal:
    """Prints the sandbox transcript as chat lines, in order, as each step settles."""

    out: TextIO = field(default_factory=lambda: sys.stdout)  # the stdout of the moment (a test captures it)
    position: int = 0

    def heading(self, step: int, total: int, title: str) -> None:
        print(f"\n━━ [{step}/{total}] {title} ━━", file=self.out, flush=True)

    def note(self, text: str) -> None:
        print(f"   {text}", file=self.out, flush=True)

    def show(self, events: list[TranscriptEvent]) -> None:
        for event in events:
            self.position = max(self.position, event.seq)
            line = self._line(event)
            if line:
                print(line, file=self.out, flush=True)

    def _line(self, event: TranscriptEvent) -> str | None:
        where = f"[私聊·{event.chat_title}]" if event.chat_id > 0 else f"[{event.chat_title}]"
        body = plain(event.text or "").replace("\n", "\n" + " " * (len(where) + 4))
        match event.kind:
            case "message" | "edited_message":
                mark = "（修改）" if event.kind == "edited_message" else ""
                sender = "匿名管理员" if event.sender_id == ANONYMOUS_ADMIN_ID else event.sender_name
                return f"  {where} {sender}{mark}: {body}"
            case "bot_message" | "bot_edit":
                return f"  {where} {BOT_NAME}: {body}"
            case "reaction":
                return f"  {where} {BOT_NAME} 点了 {' '.join(event.details.get('emoji', []))}"
            case "button":
                return f"  {where} {event.sender_name} 点了按钮「{event.text}」"
            case "bot_added" | "bot_removed" | "joined" | "left":
                return f"  {where} · {_MEMBERSHIP[event.kind].format(name=event.sender_name or '')}"
        return None

    def robot(self, group: str, arrival: Arrival) -> None:
        """A message a group robot posted (WeCom-style): markdown as text, an image or a file as a note."""
        where = f"[{group}]"
        body = arrival.body.get(arrival.msgtype, {})
        match arrival.msgtype:
            case "markdown":
                text = str(body.get("content") or body.get("text") or "")
            case "image":
                text = f"[图片 {len(body.get('base64', '')) * 3 // 4} 字节，md5 {str(body.get('md5', ''))[:8]}…]"
            case "file":
                text = "[文件]"
            case _:
                text = f"[{arrival.msgtype}]"
        print(f"  {where} {BOT_NAME}（群机器人）: " + text.replace("\n", "\n" + " " * (len(where) + 4)), file=self.out)


class DemoClock:
    """The demo's day on one clock: the sandbox dates messages by it, the bot stamps confirmations,
    deliveries and notices by it and its schedule runs by it, so every time the demo shows is a
    time of the day being played. Scenes move it forward; nothing waits for it."""

    def __init__(self, day: date, tz: ZoneInfo, hour: int, minute: int = 0) -> None:
        self.day, self.tz = day, tz
        self._now = self.at(hour, minute)

    def __call__(self) -> datetime:
        """Now, in UTC like ``utcnow``: what is stored stays UTC, SQLite keeping no zone."""
        return self._now.astimezone(UTC)

    def at(self, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.day, time(hour, minute), self.tz)

    def set(self, hour: int, minute: int = 0) -> datetime:
        """Move to ``hour:minute`` of the demo's day (never back: stamps keep their order)."""
        self._now = max(self._now, self.at(hour, minute))
        return self()


@dataclass
class Stage:
    """Who is who in the demo town, and how to make them speak."""

    playground: Playground
    town: DemoTown
    terminal: Terminal
    clock: DemoClock
    #: Where the demo leaves what officials would keep: the roster, charts, ledgers.
    out_dir: Path
    groups: dict[str, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    #: Resident user ids by grid code, in roster order: the n-th is the head of the n-th household.
    residents: dict[str, list[int]] = field(default_factory=dict)
    #: The group robots (the fakes), each group's name by robot token, and how many arrivals were shown.
    robots: FakeRobots | None = None
    robot_groups: dict[str, str] = field(default_factory=dict)
    robots_shown: int = 0

    def unit(self, code: str) -> DemoUnit:
        return next(unit for unit in self.town.units if unit.code == code)

    def leader(self, code: str) -> int:
        return self.unit(code).leaders[0]

    async def say(self, user_id: int, code_or_chat: str | int, text: str) -> int:
        """A person writes in a unit's group (by code) or a private chat (by id); show what follows."""
        chat_id = self.groups[code_or_chat] if isinstance(code_or_chat, str) else code_or_chat
        message_id = await self.playground.say(user_id, chat_id, text)
        await self.show()
        return message_id

    async def show(self) -> None:
        self.terminal.show(await self.playground.client.transcript(after_seq=self.terminal.position))
        if self.robots is None:
            return
        arrivals = self.robots.received()
        for arrival in arrivals[self.robots_shown :]:
            self.terminal.robot(self.robot_groups.get(arrival.token, arrival.platform), arrival)
        self.robots_shown = len(arrivals)


async def cast(playground: Playground, town: DemoTown, terminal: Terminal, clock: DemoClock, out_dir: Path) -> Stage:
    """Create every leader and household head as a Telegram user, and every unit's group."""
    stage = Stage(playground=playground, town=town, terminal=terminal, clock=clock, out_dir=out_dir)
    client = playground.client
    await client.create_user(user_id=ADMIN_ID, first_name="管理员", username="grid_admin")
    stage.names[ADMIN_ID] = "管理员"
    for unit in [*town.units, *town.clusters]:
        for leader in unit.leaders:
            await client.create_user(user_id=leader, first_name=unit.leader_name)
            stage.names[leader] = unit.leader_name
    next_id = 20000
    for grid in town.grids():
        stage.residents[grid.code] = []
        for household in town.households_of(grid.code):
            await client.create_user(user_id=next_id, first_name=household.head)
            stage.names[next_id] = household.head
            stage.residents[grid.code].append(next_id)
            next_id += 1
    for unit in town.units:
        members = list(unit.leaders)
        if unit.level == "grid":
            members += stage.residents[unit.code]
            members += [
                leader for cluster in town.clusters if cluster.parent == unit.code for leader in cluster.leaders
            ]
        elif unit.level == "town":
            members += [leader for other in town.units if other.level == "village" for leader in other.leaders]
        else:
            members += [grid.leaders[0] for grid in town.grids() if grid.parent == unit.code]
        chat = await client.create_group(title=f"{unit.name}群", members=members, admins=list(unit.leaders))
        stage.groups[unit.code] = chat.id
    return stage
