"""Operator commands for group robots: ``gridbot robot add | list | test`` (see ``services.robots.targets``).

Keys and secrets are credentials: what these print shows them masked, never in full.
"""

from __future__ import annotations

import sys

from bot.operations import open_database
from core import texts
from core.config import Settings
from core.redact import without_tokens
from services.robots.client import RobotClient
from services.robots.targets import RobotSetupError, add_robot, robot_lines, test_robots


async def add(settings: Settings, *, code: str, platform: str, url: str, secret: str | None) -> int:
    async with open_database(settings) as sessions:
        try:
            added = await add_robot(sessions, code=code, platform=platform, url=url, secret=secret)
        except RobotSetupError as exc:
            print(exc, file=sys.stderr)
            return 1
    wording = texts.CLI_ROBOT_ADDED if added.changed else texts.CLI_ROBOT_UNCHANGED
    print(
        wording.format(
            platform=texts.ROBOT_PLATFORM_LABELS[platform], id=added.target.id, unit=added.unit.name,
            code=added.unit.code, url=without_tokens(url),
        )
    )  # fmt: skip
    return 0


async def list_robots(settings: Settings) -> int:
    async with open_database(settings) as sessions:
        lines = await robot_lines(sessions)
    print("\n".join(lines) if lines else texts.CLI_ROBOT_NONE)
    return 0


async def test(settings: Settings, *, code: str) -> int:
    """Send each of the unit's robots a test message and print what its platform answered."""
    async with open_database(settings) as sessions, RobotClient() as client:
        try:
            answers = await test_robots(sessions, client, code=code)
        except RobotSetupError as exc:
            print(exc, file=sys.stderr)
            return 1
    for target, answer in answers:
        print(
            texts.CLI_ROBOT_ANSWER.format(
                id=target.id, platform=texts.ROBOT_PLATFORM_LABELS[target.platform], url=without_tokens(target.url),
                outcome=texts.CLI_ROBOT_OUTCOMES[answer.outcome.name], answer=without_tokens(answer.text),
            )
        )  # fmt: skip
    return 0 if all(answer.outcome.name == "SENT" for _target, answer in answers) else 1
