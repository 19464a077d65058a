"""A small roster for tests: one town, two villages, three grids, a few households each."""

from __future__ import annotations

from services.roster import import_rows
from services.roster_files import RosterRows, Row
from storage.db import SessionFactory, transaction

ADMIN = 7000
TOWN_LEADER, VILLAGE_LEADER, GRID_LEADER, OTHER_GRID_LEADER, OTHER_VILLAGE_LEADER = 1001, 1002, 1003, 1004, 1005
RESIDENT, STRANGER = 5001, 5999

UNITS = [
    ("T1", "杨柳青镇", "town", "", TOWN_LEADER),
    ("T1-V1", "西头岭村", "village", "T1", VILLAGE_LEADER),
    ("T1-V1-G1", "第一网格", "grid", "T1-V1", GRID_LEADER),
    ("T1-V1-G2", "第二网格", "grid", "T1-V1", OTHER_GRID_LEADER),
    ("T1-V2", "东头岭村", "village", "T1", OTHER_VILLAGE_LEADER),
    ("T1-V2-G1", "东一网格", "grid", "T1-V2", 1006),
]
HOUSEHOLDS = [
    ("T1-V1-G1", "3-2-501", "张三", "13812345678", "4"),
    ("T1-V1-G1", "3-2-502", "李四", "", "1"),
    ("T1-V1-G1", "3-1-101", "王五", "13900001111", "2"),
    ("T1-V1-G2", "5-1-301", "赵六", "", "3"),
    ("T1-V2-G1", "五组12号", "孙七", "", "2"),
]


def _rows(sheet: str, columns: list[str], values: list[tuple[object, ...]]) -> list[Row]:
    headers = {column: column for column in columns}
    return [
        Row(sheet=sheet, line=line, cells=dict(zip(columns, map(str, row), strict=True)), headers=headers)
        for line, row in enumerate(values, start=2)
    ]


async def seed_roster(sessions: SessionFactory) -> None:
    """Import the test roster through the same service the CLI uses."""
    rows = RosterRows(
        units=_rows("units", ["code", "name", "level", "parent", "leaders"], list(UNITS)),
        households=_rows("households", ["grid", "address", "head", "phone", "members"], list(HOUSEHOLDS)),
    )
    async with transaction(sessions) as session:
        await import_rows(session, rows=rows)
