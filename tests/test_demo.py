"""``gridbot demo`` end to end: the day it plays is one day, on one clock."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from core.config import Settings
from demo import run_demo
from storage.db import create_engine, session_factory
from storage.dialect import as_utc
from storage.models import NoticeAck


async def test_every_time_the_demo_shows_belongs_to_its_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "demo.db"
    assert await run_demo(db_path=str(database), interactive=False, out_dir=str(tmp_path)) == 0
    shown = capsys.readouterr().out
    # The demo's day, as its town ledger is named: the wall clock may pass midnight while it plays.
    (ledger_file,) = tmp_path.glob("台账-LH01-????-??-??.xlsx")
    day = date.fromisoformat(ledger_file.stem.removeprefix("台账-LH01-"))
    assert re.findall(r"⏰ (\d\d:\d\d)$", shown, re.MULTILINE) == ["09:00", "10:00", "15:00", "16:00", "16:30", "17:00"]
    # The leaders press 确认上报 after the 16:00 reports, the town's notice went out at 15:20: not the wall clock.
    assert re.findall(r"于 (\d\d:\d\d) 确认", shown) == ["16:10", "16:10", "16:10"]
    assert set(re.findall(r"(\d\d-\d\d \d\d:\d\d) 发出", shown)) == {f"{day:%m-%d} 15:20"}
    # One village's digest arrives in its WeCom group robot too (the local fake), chart and ledger with it.
    robot = re.findall(r"\[(\S+)·企业微信群\] 🤖 网格助手（群机器人）: (.+)$", shown, re.MULTILINE)
    assert [text.split("　")[0] for _village, text in robot if "日报" in text] == [f"📊 **{robot[0][0]} 日报**"]
    assert [text[:3] for _village, text in robot[-2:]] == ["[图片", "[文件"]
    ledger = load_workbook(ledger_file)
    stamps = [cell for row in ledger["物资"].iter_rows(min_row=2, min_col=11, values_only=True) for cell in row if cell]
    morning, evening = (datetime.combine(day, time(hour, minute)) for hour, minute in ((7, 30), (17, 0)))
    assert stamps and all(morning <= stamp <= evening for stamp in stamps)
    ledger.close()
    # The presses of 收到 (handled with every other press in handlers/buttons.py) are stamped by it too.
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with session_factory(engine)() as session:
            acks = (await session.exec(select(NoticeAck.acked_at))).all()
    finally:
        await engine.dispose()
    tz = Settings().tz
    assert acks and {as_utc(ack).astimezone(tz) for ack in acks} == {datetime.combine(day, time(15, 35), tz)}
