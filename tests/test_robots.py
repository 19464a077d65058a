"""Digests, alerts and notices also to WeCom, DingTalk and Feishu group robots (issue #15).

The robots are the local fakes (``sandbox.robots``), which check signatures and timestamps and
enforce each platform's limits and error codes; Telegram is the sandbox, the bot the real one.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import col, select, update

from bot import robot_cli
from core.config import Settings
from demo.playground import Playground
from sandbox.robots import DINGTALK, FEISHU, WECOM, running_robots
from services.messages_out import OutgoingMessage
from services.outbox import DeliveryReport, Envelope, deliver_due, enqueue_all
from services.report_run import run_reports
from services.robots.channel import RobotChannel
from services.robots.client import RobotClient
from services.robots.render import payloads
from services.robots.targets import add_robot
from services.roster import RosterError, import_roster
from storage.db import SessionFactory, transaction
from storage.models import (
    AuditEntry,
    ChatBinding,
    OutboxMessage,
    OutboxStatus,
    RobotTarget,
    Unit,
    UnitLevel,
)
from storage.outbox import next_attempt_by_target
from tests.factories import RESIDENT, bind_every_unit, confirm_links, seed_roster

ABNORMAL = "3-2-501 张三 体温37.8 咳嗽"


class FakeClock:
    """Unix seconds that move only when told: the fakes' windows and the client's pacing both read it."""

    def __init__(self, start: datetime) -> None:
        self.t = start.timestamp()

    def __call__(self) -> float:
        return self.t

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)


async def robot_rows(sessions: SessionFactory, status: OutboxStatus | None = None) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.robot_id != 0)
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        return list((await session.exec(query.order_by(col(OutboxMessage.id)))).all())


def token(url: str) -> str:
    return url.rsplit("=", 1)[-1].rsplit("/", 1)[-1]


async def test_a_days_digests_and_alerts_reach_the_groups_and_every_robot_once(
    playground: Playground, sessions: SessionFactory
) -> None:
    chats = await bind_every_unit(playground, sessions)
    await confirm_links(sessions, {RESIDENT: "3-2-501"})
    async with running_robots() as fake:
        wecom = fake.add(WECOM)
        dingtalk = fake.add(DINGTALK, secret="SECdingtalk-village")
        feishu = fake.add(FEISHU, secret="feishu-village-secret")
        town = fake.add(DINGTALK, secret="SECdingtalk-town")
        for code, platform, url, secret in (
            ("T1-V1", WECOM, wecom, None),
            ("T1-V1", DINGTALK, dingtalk, "SECdingtalk-village"),
            ("T1-V1", FEISHU, feishu, "feishu-village-secret"),
            ("T1", DINGTALK, town, "SECdingtalk-town"),
        ):
            await add_robot(sessions, code=code, platform=platform, url=url, secret=secret)

        sent = await playground.say(RESIDENT, chats["T1-V1-G1"], ABNORMAL)  # the village alert, masked
        # An edit that makes the day normal sends 更正 wherever the alert went: the robots too.
        await playground.client.edit_message(chat_id=chats["T1-V1-G1"], message_id=sent, text="3-2-501 张三 体温36.6")
        await playground.settle()
        day = datetime.now(playground.settings.tz).date()
        levels = {UnitLevel.VILLAGE, UnitLevel.TOWN}
        for _ in range(2):  # a re-run (a restart) queues nothing twice
            await run_reports(sessions, settings=playground.settings, day=day, levels=levels)
            await playground.bot.schedule.deliver()

        village = [m.method for m in await playground.client.bot_messages(chats["T1-V1"])]
        assert village[-3:] == ["sendMessage", "sendPhoto", "sendDocument"]
        wecom_got = fake.received(WECOM, token(wecom))
        assert [a.msgtype for a in wecom_got] == ["markdown", "markdown", "markdown", "image", "file"]
        alert, correction, digest, image, file = (a.body for a in wecom_got)
        assert correction["markdown"]["content"].startswith("✅ **更正**\u3000第一网格 3-2-501 张*：")
        assert alert["markdown"]["content"].startswith("⚠️ **异常打卡**\u3000第一网格 3-2-501 张*：体温37.8℃")
        assert "13812345678" not in json.dumps([a.body for a in fake.arrivals], ensure_ascii=False)
        assert digest["markdown"]["content"].startswith("📊 **西头岭村 日报**")
        chart = base64.b64decode(image["image"]["base64"])
        assert chart.startswith(b"\x89PNG") and hashlib.md5(chart).hexdigest() == image["image"]["md5"]
        (uploaded,) = fake.media.values()
        assert uploaded[0].endswith(".xlsx") and uploaded[1].startswith(b"PK")
        assert file["file"]["media_id"] in fake.media
        async with sessions() as session:
            ledgers = (await session.exec(select(AuditEntry).where(AuditEntry.action == "ledger"))).all()
        assert sorted(entry.actor.split(":")[0] for entry in ledgers) == [
            "chat",
            "chat",
            "chat",
            "robot",
        ]  # 2 villages, the town
        for url, kind in ((dingtalk, "markdown"), (feishu, "post")):
            assert [a.msgtype for a in fake.received(token=token(url))] == [kind, kind, kind]
        assert "张*" in json.dumps(fake.received(token=token(feishu))[0].body, ensure_ascii=False)
        (town_digest,) = fake.received(token=token(town))
        assert town_digest.body["markdown"]["text"].startswith("📊 **杨柳青镇 日报**")
        assert fake.refused() == []
    assert {row.status for row in await robot_rows(sessions)} == {OutboxStatus.SENT}


@pytest.fixture
async def village(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    """The roster bound in Telegram: (village unit id, its chat id)."""
    chats = await bind_every_unit(playground, sessions)
    async with sessions() as session:
        unit = (await session.exec(select(Unit).where(Unit.code == "T1-V1"))).one()
    assert unit.id is not None
    return unit.id, chats["T1-V1"]


def digest_envelope(unit_id: int, chat_id: int, text: str, kind: str = "village_digest") -> Envelope:
    return Envelope(unit_id=unit_id, chat_id=chat_id, kind=kind, part=0, message=OutgoingMessage.of_text(text))


async def test_a_5xx_a_timeout_a_rate_limit_code_and_a_bad_signature(
    playground: Playground, sessions: SessionFactory, village: tuple[int, int]
) -> None:
    unit_id, chat_id = village
    clock = FakeClock(datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    async with running_robots(clock=clock) as fake, RobotClient(clock=clock, timeout=0.3) as client:
        urls = {
            "5xx": fake.add(DINGTALK, secret="SECgood"),
            "timeout": fake.add(WECOM),
            "limited": fake.add(FEISHU, secret="feishu-good"),
            "bad-sign": fake.add(DINGTALK, secret="SECtheirs"),
        }
        secrets = {"5xx": "SECgood", "timeout": None, "limited": "feishu-good", "bad-sign": "SECours"}
        for name, url in urls.items():
            platform = WECOM if "webhook" in url else FEISHU if "/hook/" in url else DINGTALK
            await add_robot(sessions, code="T1-V1", platform=platform, url=url, secret=secrets[name])
        fake.fail_next(DINGTALK, token(urls["5xx"]), 502)
        fake.fail_next(WECOM, token(urls["timeout"]), "hang")
        limited = fake.robots[(FEISHU, token(urls["limited"]))]
        limited.sent.extend([clock.t] * 5)  # someone else used the robot's second: 5/s is spent
        bot = playground.bot.application.bot
        channel = RobotChannel(client)

        async def deliver() -> DeliveryReport:
            return await deliver_due(sessions, bot, settings=playground.settings, now=clock.now, robots=channel)

        await enqueue_all(
            sessions, day=clock.now.date(), envelopes=[digest_envelope(unit_id, chat_id, "<b>日报</b>")], now=clock.now
        )
        first = await deliver()
        assert (first.sent, first.retried, first.unconfirmed, first.rate_limited) == (
            1,
            3,
            1,
            1,
        )  # Telegram's copy went at once
        assert fake.refused(11232) and fake.refused(310000)
        clock.t += 61  # past the backoff and Feishu's minute
        again = await deliver()
        assert (again.sent, again.retried, again.rate_limited) == (4, 0, 0)  # and the note about the broken robot
        for name in ("5xx", "timeout", "limited"):
            assert len(fake.received(token=token(urls[name]))) == 1, name

        # The bad signature broke its robot once: the village's Telegram group was told once, and
        # the robot gets nothing more until it is set up again.
        note = "拒绝了网格助手的密钥或签名"
        told = [m.text or "" for m in await playground.client.bot_messages(chat_id) if note in (m.text or "")]
        assert len(told) == 1 and "钉钉" in told[0]
        await enqueue_all(
            sessions, day=clock.now.date(), envelopes=[digest_envelope(unit_id, chat_id, "通知", "notice:9")]
        )
        clock.t += 61
        await deliver()
        told = [m for m in await playground.client.bot_messages(chat_id) if note in (m.text or "")]
        assert len(told) == 1
        assert len(fake.refused(310000)) == 1 and not fake.received(token=token(urls["bad-sign"]))
        async with sessions() as session:
            statuses = {t.url: t.status for t in (await session.exec(select(RobotTarget))).all()}
        assert statuses[urls["bad-sign"]] == "broken" and list(statuses.values()).count("active") == 3


async def test_wecom_markdown_is_split_under_4096_bytes_at_line_boundaries() -> None:
    lines = [f"· 第{n}网格：打卡 180/200（90.0%）｜异常 0｜返乡 新0 在管3" for n in range(200)]
    message = OutgoingMessage.of_text("<b>日报</b>\n" + "\n".join(lines))
    parts = [payload["body"]["markdown"]["content"] for payload in payloads(WECOM, message)]
    assert len(parts) > 1 and all(len(part.encode()) <= 4096 for part in parts)
    assert "\n".join(parts) == "**日报**\n" + "\n".join(lines)


async def test_a_day_of_400_villages_never_trips_dingtalks_limit(sessions: SessionFactory) -> None:
    """Every village's digest and alerts, and a burst of alerts in a few, paced under 20 a minute.

    Only the robots' rows are delivered here (the Telegram rows are marked sent): the pacing is per robot.
    """
    clock = FakeClock(datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    villages, hot, burst = 400, 5, 45
    async with running_robots(clock=clock) as fake, RobotClient(clock=clock) as client:
        envelopes = []
        async with transaction(sessions) as session:
            for n in range(villages):
                unit = Unit(code=f"V{n}", name=f"村{n}", level=UnitLevel.VILLAGE, path=f"V{n}")
                session.add(unit)
                await session.flush()
                assert unit.id is not None
                session.add(ChatBinding(chat_id=-1000 - n, unit_id=unit.id, title=unit.name))
                url = fake.add(DINGTALK, secret=f"SEC{n}")
                session.add(RobotTarget(unit_id=unit.id, platform=DINGTALK, url=url, secret=f"SEC{n}"))
                alerts = burst if n < hot else 1
                envelopes.append(digest_envelope(unit.id, -1000 - n, f"<b>村{n} 日报</b>"))
                envelopes += [
                    digest_envelope(unit.id, -1000 - n, f"异常打卡 {a}", f"alert:{n}.{a}:v") for a in range(alerts)
                ]
        day = clock.now.date()
        await enqueue_all(sessions, day=day, envelopes=envelopes, now=clock.now)
        async with transaction(sessions) as session:
            await session.exec(
                update(OutboxMessage).where(col(OutboxMessage.robot_id) == 0).values(status=OutboxStatus.SENT)
            )
        channel, started = RobotChannel(client), clock.t
        while True:
            await deliver_due(sessions, None, settings=Settings(), now=clock.now, robots=channel)  # type: ignore[arg-type]
            async with sessions() as session:
                due = await next_attempt_by_target(session)
            if not due:
                break
            clock.t = max(clock.t, min(due.values()).timestamp())
        assert fake.refused() == []
        assert len(fake.received()) == len(envelopes)
        # The busiest robots needed ceil(46 / 20) windows: 2 full minutes of waiting, and not much more.
        assert 120 <= clock.t - started <= 1.10 * 120


WECOM_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_URL = "https://oapi.dingtalk.com/robot/send?access_token=1a2b3c4d5e6f7a8b9c0d"
DINGTALK_SECRET = "SEC0123456789abcdef0123456789abcdef"


def robot_roster(folder: Path, extra: list[str]) -> Path:
    """A roster folder whose units sheet has the optional robot columns (Chinese headers)."""
    folder.mkdir()
    units = [
        ["编码", "名称", "层级", "上级编码", "企业微信机器人", "钉钉机器人", "钉钉加签密钥"],
        ["XQ01", "杨柳青镇", "town", "", "", "", ""],
        ["XQ01-03", "西头岭村", "village", "XQ01", WECOM_URL, DINGTALK_URL, DINGTALK_SECRET],
        ["XQ01-03-01", "第一网格", "grid", "XQ01-03", *extra],
    ]
    households = [["网格编码", "地址"], ["XQ01-03-01", "3-2-501"]]
    for name, rows in (("units.csv", units), ("households.csv", households)):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        (folder / name).write_text(buffer.getvalue(), encoding="utf-8")
    return folder


async def test_the_roster_units_sheet_adds_robots_and_the_cli_never_shows_their_keys(
    sessions: SessionFactory, tmp_path: Path, cli_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(RosterError) as refused:
        await import_roster(sessions, path=robot_roster(tmp_path / "bad", ["https://example.com/x", "", "SECx"]))
    assert refused.value.problems[:2] == [
        "units.csv:4: 企业微信机器人: “https://example.com/x” 不是企业微信机器人的 Webhook 地址",
        "units.csv:4: 钉钉加签密钥: 填了加签密钥却没有填钉钉机器人地址",
    ]
    first = await import_roster(sessions, path=robot_roster(tmp_path / "good", ["", "", ""]))
    again = await import_roster(sessions, path=robot_roster(tmp_path / "same", ["", "", ""]))
    assert (first.units_created, again.units_updated) == (3, 0)
    async with sessions() as session:
        targets = {t.platform: t for t in (await session.exec(select(RobotTarget))).all()}
    assert targets[DINGTALK].secret == DINGTALK_SECRET and targets[WECOM].secret is None

    settings = Settings.model_validate({"database": {"url": f"{_database_url(cli_config)}"}})
    assert await robot_cli.add(settings, code="XQ01", platform="feishu", url=WECOM_URL, secret=None) == 1
    assert await robot_cli.list_robots(settings) == 0
    out = capsys.readouterr()
    assert "不像飞书机器人的 Webhook 地址" in out.err and "693a91f6-7xxx" not in out.err
    assert "key=693a****" in out.out and "access_token=1a2b****" in out.out and "密钥 SEC0****" in out.out
    assert DINGTALK_SECRET not in out.out + out.err and "1a2b3c4d5e6f" not in out.out


async def test_robot_test_prints_each_platforms_answer(
    sessions: SessionFactory, cli_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_roster(sessions)
    settings = Settings.model_validate({"database": {"url": f"{_database_url(cli_config)}"}})
    async with running_robots() as fake:
        good = fake.add(FEISHU, secret="feishu-secret-1")
        wrong = fake.add(DINGTALK, secret="SECright")
        await robot_cli.add(settings, code="T1-V1", platform="feishu", url=good, secret="feishu-secret-1")
        await robot_cli.add(settings, code="T1-V1", platform="dingtalk", url=wrong, secret="SECwrong")
        capsys.readouterr()
        assert await robot_cli.test(settings, code="T1-V1") == 1
        lines = capsys.readouterr().out.splitlines()
        assert "飞书" in lines[0] and "已送达" in lines[0] and '"code": 0' in lines[0]
        assert "钉钉" in lines[1] and "密钥/签名被拒" in lines[1] and "310000" in lines[1]
        assert token(good) not in "\n".join(lines) and token(wrong) not in "\n".join(lines)
        (arrived,) = fake.received()
        assert "西头岭村（T1-V1）" in json.dumps(arrived.body, ensure_ascii=False)


def _database_url(cli_config: Path) -> str:
    return cli_config.read_text(encoding="utf-8").split('"')[1]
