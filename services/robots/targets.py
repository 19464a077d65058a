"""Which group robots a unit has: adding them (``gridbot robot add``, the roster's units sheet),
listing them with their credentials masked, and sending each a test message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from core import texts
from core.redact import mask_secret, without_tokens
from services.messages_out import OutgoingMessage
from services.robots.client import Answer, RobotClient
from services.robots.render import DINGTALK, FEISHU, WECOM, payloads
from storage import robots as robot_store
from storage import units
from storage.db import SessionFactory, transaction
from storage.models import RobotTarget, Unit

#: What each platform's webhook URL looks like (its key or token is the part after it).
URL_SHAPES = {
    WECOM: re.compile(r"^https?://[^/\s]+/cgi-bin/webhook/send\?key=[\w-]+$"),
    DINGTALK: re.compile(r"^https?://[^/\s]+/robot/send\?access_token=[\w-]+$"),
    FEISHU: re.compile(r"^https?://[^/\s]+/open-apis/bot/v2/hook/[\w-]+$"),
}
URL_EXAMPLES = {
    WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    DINGTALK: "https://oapi.dingtalk.com/robot/send?access_token=…",
    FEISHU: "https://open.feishu.cn/open-apis/bot/v2/hook/…",
}


#: The roster's units sheet: an optional URL column per platform (named like it), and these secrets.
ROSTER_SECRETS = {DINGTALK: "dingtalk_secret", FEISHU: "feishu_secret"}


def url_fits(platform: str, url: str) -> bool:
    return bool(URL_SHAPES[platform].match(url))


class RobotSetupError(Exception):
    """A robot cannot be added as asked (unknown unit, a URL of the wrong shape); the message says why."""


@dataclass(frozen=True)
class Added:
    target: RobotTarget
    unit: Unit
    changed: bool


async def add_robot(factory: SessionFactory, *, code: str, platform: str, url: str, secret: str | None) -> Added:
    """Add a robot to the unit ``code``, or mend the one with this URL (a new secret; working again)."""
    label = texts.ROBOT_PLATFORM_LABELS[platform]
    if not url_fits(platform, url):
        raise RobotSetupError(
            texts.CLI_ROBOT_BAD_URL.format(url=without_tokens(url), platform=label, example=URL_EXAMPLES[platform])
        )
    if secret and platform == WECOM:
        raise RobotSetupError(texts.CLI_ROBOT_NEEDS_NO_SECRET)
    async with transaction(factory) as session:
        unit = await units.get_unit_by_code(session, code=code)
        if unit is None or unit.id is None:
            raise RobotSetupError(texts.CLI_UNKNOWN_UNIT.format(code=code))
        target, changed = await robot_store.upsert_target(
            session, unit_id=unit.id, platform=platform, url=url, secret=secret or None
        )
    return Added(target=target, unit=unit, changed=changed)


def describe(target: RobotTarget, unit: Unit) -> str:
    """One line about a robot, its URL's key and its secret masked."""
    return texts.CLI_ROBOT_LINE.format(
        id=target.id, code=unit.code, unit=unit.name, platform=texts.ROBOT_PLATFORM_LABELS[target.platform],
        status=texts.CLI_ROBOT_STATUS.get(target.status, target.status), url=without_tokens(target.url),
        secret=mask_secret(target.secret) if target.secret else texts.CLI_ROBOT_NO_SECRET,
    )  # fmt: skip


async def robot_lines(factory: SessionFactory) -> list[str]:
    async with factory() as session:
        return [describe(target, unit) for target, unit in await robot_store.targets_with_units(session)]


async def test_robots(factory: SessionFactory, client: RobotClient, *, code: str) -> list[tuple[RobotTarget, Answer]]:
    """Send the unit's every robot a test message now (not through the outbox: the answer is the point)."""
    async with factory() as session:
        unit = await units.get_unit_by_code(session, code=code)
        if unit is None or unit.id is None:
            raise RobotSetupError(texts.CLI_UNKNOWN_UNIT.format(code=code))
        targets = [target for target, _unit in await robot_store.targets_with_units(session, unit_id=unit.id)]
    if not targets:
        raise RobotSetupError(texts.CLI_ROBOT_NO_TARGETS.format(unit=unit.name, code=unit.code))
    message = OutgoingMessage.of_text(texts.ROBOT_TEST_MESSAGE.format(unit=escape(unit.name), code=escape(unit.code)))
    return [(target, await client.send(target, payloads(target.platform, message)[0])) for target in targets]
