"""A digest's chart and ledger as links for DingTalk and Feishu robots, which take no files (issue #15).

With ``[robots] public_url`` the bot serves ``GET /files/{token}`` on its own server (the status
server in polling mode, the webhook's in webhook mode); without it the robots get the text only
(``tests.test_robots``' first test).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from sqlmodel import col, select, update

from demo.playground import running_playground
from sandbox import RateLimits
from sandbox.robots import DINGTALK, FEISHU, running_robots
from services import privacy
from services.outbox import decode
from services.report_render import ledger_filename
from services.report_run import run_reports
from services.robots.targets import add_robot
from storage.db import SessionFactory, transaction
from storage.models import AuditEntry, OutboxMessage, SharedFile, UnitLevel, utcnow
from tests.factories import ADMIN, bind_every_unit
from tests.test_robots import token
from tests.test_webhook import SECRET, free_port

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _overrides(mode: str, port: int) -> dict[str, Any]:
    public = {"robots": {"public_url": f"http://127.0.0.1:{port}/", "link_days": 2}}
    if mode == "polling":  # the status server, though [metrics] is not enabled
        return {**public, "metrics": {"port": port}}
    url = f"http://127.0.0.1:{port}/telegram"
    webhook = {"listen": "127.0.0.1", "port": port, "url": url, "secret": SECRET, "access_log": True}
    return {**public, "telegram": {"mode": "webhook", "webhook": webhook}}


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_dingtalk_and_feishu_robots_get_the_chart_and_the_ledger_as_expiring_links(
    database_url: str, sessions: SessionFactory, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    async with (
        running_playground(
            database_url=database_url,
            admin_ids=[ADMIN],
            rate_limits=RateLimits(enabled=False),
            settings_overrides=_overrides(mode, port),
        ) as playground,
        running_robots() as fake,
    ):
        await bind_every_unit(playground, sessions)
        dingtalk, feishu = fake.add(DINGTALK, secret="SECding"), fake.add(FEISHU, secret="feishu-secret")
        await add_robot(sessions, code="T1-V1", platform=DINGTALK, url=dingtalk, secret="SECding")
        await add_robot(sessions, code="T1-V1", platform=FEISHU, url=feishu, secret="feishu-secret")
        now = utcnow()
        await run_reports(sessions, settings=playground.settings, day=now.date(), levels={UnitLevel.VILLAGE})
        await playground.bot.schedule.deliver()

        ding, fei = fake.received(token=token(dingtalk)), fake.received(token=token(feishu))
        assert [a.msgtype for a in ding] == ["markdown"] * 3 and [a.msgtype for a in fei] == ["post"] * 3
        assert ding[0].body["markdown"]["text"].startswith("📊 **西头岭村 日报**")
        pattern = rf"http://127\.0\.0\.1:{port}/files/[A-Za-z0-9_-]{{43}}"
        ding_links = [re.findall(pattern, a.body["markdown"]["text"]) for a in ding[1:]]
        fei_links = [[e["href"] for e in a.body["content"]["post"]["zh_cn"]["content"][0]] for a in fei[1:]]
        assert all(len(links) == 1 for links in ding_links + fei_links)
        (chart, ledger), (_, fei_ledger) = [links[0] for links in ding_links], [links[0] for links in fei_links]
        assert re.fullmatch(pattern, fei_ledger) and fei_ledger != ledger

        async with sessions() as session:
            rows = (await session.exec(select(OutboxMessage).where(OutboxMessage.robot_id == 0))).all()
            ledgers = (await session.exec(select(AuditEntry).where(col(AuditEntry.actor).startswith("robot:")))).all()
        filename = ledger_filename("T1-V1", now.date(), now.date())
        (sent_ledger,) = [m.content for m in map(decode, (r.payload for r in rows)) if m.filename == filename]
        assert len(ledgers) == 2  # each robot's ledger, as for a WeCom upload
        async with aiohttp.ClientSession() as http:
            async with http.get(ledger) as answer:
                assert answer.status == 200 and answer.content_type == XLSX
                assert answer.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{quote(filename)}"
                assert await answer.read() == sent_ledger
            async with http.get(chart) as answer:
                assert answer.content_type == "image/png" and (await answer.read()).startswith(b"\x89PNG")
            made_up = f"http://127.0.0.1:{port}/files/{'A' * 43}"
            for url in (made_up, f"http://127.0.0.1:{port}/files/", f"http://127.0.0.1:{port}/files"):
                async with http.get(url) as answer:
                    assert answer.status == 404, url

            async with transaction(sessions) as session:  # the ledger's link expires
                expired = col(SharedFile.token) == ledger.rsplit("/", 1)[1]
                await session.exec(update(SharedFile).where(expired).values(expires_at=now - timedelta(seconds=1)))
            async with http.get(ledger) as answer, http.get(made_up) as unknown:
                assert answer.status == unknown.status == 404
                assert await answer.read() == await unknown.read()
            async with http.get(fei_ledger) as answer:
                assert answer.status == 200

        summary = await privacy.purge(sessions, settings=playground.settings, now=utcnow())
        assert summary.rows["shared_files"] == 1  # the expired one; the others are valid 2 days
        async with sessions() as session:
            left = (await session.exec(select(SharedFile))).all()
        assert len(left) == 3
    tokens = [link.rsplit("/", 1)[1] for link in (chart, ledger, fei_ledger)]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "AAAAAA…" in logged and not any(token in logged for token in tokens)  # cut to its first characters
    assert ("GET /files/" in logged) is (mode == "webhook")  # the webhook's access log, turned on here
