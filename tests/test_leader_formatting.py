"""Splitting long lists under Telegram's limit, and masking, without Telegram."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from core.formatting import MESSAGE_LIMIT, mask_name, mask_phone, mention, split_message
from handlers.leader_format import missing_messages
from services.grid_status import MissingHousehold, MissingReport
from storage.models import Household, Person, Unit, UnitLevel


def size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@given(st.lists(st.text(min_size=0, max_size=60).filter(lambda s: "\n" not in s), max_size=80), st.integers(20, 200))
def test_split_keeps_every_line_in_order_and_under_the_limit(lines: list[str], limit: int) -> None:
    parts = split_message(lines, limit=limit)
    assert all(size(part) <= limit for part in parts)
    assert "\n".join(parts) == "\n".join(lines) or any(size(line) > limit for line in lines)
    if all(size(line) <= limit for line in lines):
        assert [line for part in parts for line in part.split("\n")] == lines


def test_split_counts_utf16_and_cuts_only_overlong_lines() -> None:
    assert split_message(["😀" * 3, "ab"], limit=6) == ["😀😀😀", "ab"]
    assert split_message(["x" * 10], limit=4) == ["xxxx", "xxxx", "xx"]
    assert split_message([]) == []


def test_masking() -> None:
    assert [mask_name("张三"), mask_name("欧阳娜娜"), mask_name("")] == ["张*", "欧***", ""]
    # The roster's name where one is known: a Telegram display name says nothing about the household.
    assert [mask_name("红霞", roster_name="吴某某"), mask_name("Lisa吴", roster_name=" 吴某某 ")] == ["吴**", "吴**"]
    assert mask_name("Lisa吴", roster_name="") == "L某"
    # Not a Chinese personal name: its first character and 某, never one star per character.
    assert [mask_name("Lisa吴"), mask_name("小王🌸"), mask_name("吴"), mask_name(" Tom ")] == [
        "L某",
        "小某",
        "吴某",
        "T某",
    ]
    assert [mask_phone("13812345678"), mask_phone("0311-1234")] == ["138****5678", "*****1234"]
    assert mention(5, "<b>") == '<a href="tg://user?id=5">&lt;b&gt;</a>'


def test_missing_in_a_big_grid_is_split_at_line_boundaries() -> None:
    grid = Unit(id=1, code="G", name="大网格", level=UnitLevel.GRID, path="G")
    missing = [
        MissingHousehold(
            household=Household(id=n, grid_id=1, address_key=f"r{n}", address=f"{n // 100}-1-{n % 100 + 101}"),
            grid=grid,
            people=[Person(telegram_user_id=10_000 + n, display_name=f"住户{n}")],
        )
        for n in range(300)
    ]
    report = MissingReport(unit=grid, day=date(2026, 11, 24), households=320, missing=missing, mention=True)
    parts = missing_messages(report)
    assert len(parts) > 1
    assert all(size(part) <= MESSAGE_LIMIT for part in parts)
    lines = [line for part in parts for line in part.split("\n")]
    assert lines[0] == "📋 <b>大网格</b> 11月24日 未打卡 300/320 户："
    assert lines[1:] == [
        f'· {n // 100}-1-{n % 100 + 101} <a href="tg://user?id={10_000 + n}">住户{n}</a>' for n in range(300)
    ]
