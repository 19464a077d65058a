"""Identity and card numbers never reach the database whole, in any form residents write them.

Each form goes through the real bot (polling, and webhook mode); then the database itself is
read: the raw bytes of the SQLite file and its write-ahead log, or every PostgreSQL table's rows
as text. No 15- or 18-character identity number may be found, spaced, dashed or whole.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from demo.playground import running_playground
from sandbox import RateLimits
from storage.db import SessionFactory
from storage.models import MessageRecord
from tests.factories import ADMIN, RESIDENT, bound_groups
from tests.test_webhook import SECRET, free_port

FORMS = [
    "3-2-501 张三 从武汉返回 身份证 4201 0119 9001 0112 34",
    "3-2-501 张三 从武汉返回 身份证420101-19900101-1234",
    "3-2-501 张三 从武汉返回 身份证42010119900101123X",
    "3-2-501 张三 从武汉返回 身份证号 420101900101012",
    "3-2-501 大米一袋 银行卡 6222 0210 0112 3456 789 电话13812345678",
]
FED = ["420101199001011234", "42010119900101123X", "420101900101012", "6222021001123456789"]


def _spaced(*parts: str) -> re.Pattern[str]:
    """Characters that may be split by spaces or dashes anywhere."""
    return re.compile(r"(?<!\d)" + r"[ \-]?".join(parts) + r"(?!\d)")


ID_PATTERNS = [
    # 18: region, birth date (19xx/20xx), sequence, check character
    _spaced(
        r"[1-9]", *[r"\d"] * 5, "[12]", r"[09]", r"\d", r"\d", "[01]", r"\d", "[0-3]", r"\d", *[r"\d"] * 3, r"[\dX]"
    ),
    # 15: region, birth date (yymmdd), sequence
    _spaced(r"[1-9]", *[r"\d"] * 5, r"\d", r"\d", "[01]", r"\d", "[0-3]", r"\d", *[r"\d"] * 3),
    *[_spaced(*number) for number in FED],
]


async def database_text(database_url: str, sessions: SessionFactory) -> str:
    """Everything the database holds, as text: SQLite's file and WAL bytes, PostgreSQL's rows."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        files = [Path(url.database), Path(f"{url.database}-wal")]
        return "".join(f.read_bytes().decode("utf-8", "replace") for f in files if f.exists())
    async with sessions() as session:
        tables = (await session.exec(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).all()
        dumped = []
        for (table,) in tables:
            rows = await session.exec(text(f'SELECT t::text FROM "{table}" t'))
            dumped += [row[0] for row in rows]
    return "\n".join(dumped)


def identity_numbers(dumped: str) -> list[str]:
    return [m.group() for pattern in ID_PATTERNS for m in pattern.finditer(dumped)]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_identity_numbers_are_masked_before_anything_is_written(
    database_url: str, sessions: SessionFactory, mode: str
) -> None:
    overrides = {}
    if mode == "webhook":
        port = free_port()
        url = f"http://127.0.0.1:{port}/telegram"
        webhook = {"listen": "127.0.0.1", "port": port, "url": url, "secret": SECRET}
        overrides = {"telegram": {"mode": "webhook", "webhook": webhook}}
    async with running_playground(
        database_url=database_url,
        admin_ids=[ADMIN],
        rate_limits=RateLimits(enabled=False),
        settings_overrides=overrides,
    ) as playground:
        grid, _village = await bound_groups(playground, sessions)
        for form in FORMS:
            await playground.say(RESIDENT, grid, form)
        await playground.settle()
    dumped = await database_text(database_url, sessions)
    assert identity_numbers(dumped) == []
    async with sessions() as session:
        stored = (await session.exec(select(MessageRecord).order_by(col(MessageRecord.message_id)))).all()
    parsed = [json.loads(message.parsed) for message in stored if message.chat_id == grid]
    assert [p["kind"] for p in parsed] == ["returnee"] * 4 + ["order"]
    assert [p["id_last4"] for p in parsed[:4]] == ["1234", "1234", "123X", "1012"]  # the last four still read
    assert "13812345678" in dumped  # phones stay: grid workers call them
