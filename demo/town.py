"""A generated demo town, written as the Excel roster officials would keep, then imported as one.

Seeded, so every demo run shows the same people; realistic, so the parser and the reports
meet the kind of addresses and names they will meet in a real grid.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import Workbook

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国秀英桂兰志强淑珍海燕丽华玉梅春生国华振华明德文军红梅晓东金凤永福美玲立新宝山凤英德胜秋菊长江翠花"

ADMIN_ID = 9000
TOWN_LEADER_ID = 9001
CLUSTER_LEADER_ID = 9111


@dataclass(frozen=True)
class DemoHousehold:
    grid: str
    address: str
    head: str
    phone: str
    members: int
    tags: str
    #: The 联户 (cluster code) it belongs to, if any.
    cluster: str = ""


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    level: str
    parent: str
    leaders: tuple[int, ...]
    #: Display name of the first leader, used for their Telegram account in the sandbox.
    leader_name: str = ""


@dataclass
class DemoTown:
    units: list[DemoUnit] = field(default_factory=list)
    households: list[DemoHousehold] = field(default_factory=list)
    #: 联户 below the grids (level "cluster"): no group of their own, their 联户长 sit in the grid's.
    clusters: list[DemoUnit] = field(default_factory=list)

    def grids(self) -> list[DemoUnit]:
        return [unit for unit in self.units if unit.level == "grid"]

    def households_of(self, grid_code: str) -> list[DemoHousehold]:
        return [household for household in self.households if household.grid == grid_code]


def _name(rng: random.Random) -> str:
    given = rng.randrange(0, len(GIVEN) - 1, 2)
    return rng.choice(SURNAMES) + GIVEN[given : given + 2]


def generate_town(seed: int = 7) -> DemoTown:
    """One town, two villages (a residential 社区 and a rural 村), four grids, ~60 households."""
    rng = random.Random(seed)
    town = DemoTown()
    town.units.append(DemoUnit("LH01", "柳河镇", "town", "", (TOWN_LEADER_ID,), "柳河镇 赵书记"))
    town.units.append(DemoUnit("LH01-01", "东风社区", "village", "LH01", (9011,), "东风社区 钱书记"))
    town.units.append(DemoUnit("LH01-02", "前进村", "village", "LH01", (9021,), "前进村 孙书记"))
    grids = [
        ("LH01-01-01", "东风社区第一网格", "LH01-01", 9101, "网格长 李红", [(1, 2), (2, 2), (3, 2)]),
        ("LH01-01-02", "东风社区第二网格", "LH01-01", 9102, "网格长 周强", [(4, 2), (5, 2), (6, 2)]),
        ("LH01-02-01", "前进村第一网格", "LH01-02", 9201, "网格长 吴芳", [(1, 0), (2, 0)]),
        ("LH01-02-02", "前进村第二网格", "LH01-02", 9202, "网格长 郑伟", [(3, 0), (4, 0)]),
    ]
    for code, name, parent, leader, leader_name, blocks in grids:
        town.units.append(DemoUnit(code, name, "grid", parent, (leader,), leader_name))
        for block, units_per_building in blocks:
            count = 5 if units_per_building else 8
            for index in range(count):
                if units_per_building:
                    address = f"{block}-{index % units_per_building + 1}-{(index // units_per_building + 1) * 100 + 1 + index % 2}"
                else:
                    address = f"{'一二三四'[block - 1]}组{index * 3 + 2}号"
                tags = rng.choice(["", "", "", "", "独居老人", "慢病", "低保", "孕妇"])
                town.households.append(
                    DemoHousehold(
                        code, address, _name(rng), f"13{rng.randrange(10**8, 10**9)}", rng.randint(1, 5), tags
                    )
                )
    _first_cluster(town)
    return town


def _first_cluster(town: DemoTown) -> None:
    """The first grid's building 1 is a 联户 with its 楼长; one of its households is bedridden (卧床)."""
    grid = town.grids()[0].code
    cluster = DemoUnit(f"{grid}-L1", "1号楼联户", "cluster", grid, (CLUSTER_LEADER_ID,), "1号楼 楼长 何大姐")
    town.clusters.append(cluster)
    for index, household in enumerate(town.households):
        if household.grid == grid and household.address.startswith("1-"):
            tags = (
                ";".join(t for t in (household.tags, "卧床") if t) if household.address == "1-1-301" else household.tags
            )
            town.households[index] = replace(household, cluster=cluster.code, tags=tags)


def write_roster(town: DemoTown, path: Path) -> Path:
    """The town as an .xlsx workbook with Chinese sheet names and headers."""
    workbook = Workbook()
    units = workbook.active
    assert units is not None
    units.title = "单位"
    units.append(["编码", "名称", "层级", "上级编码", "负责人TG", "群ID"])
    for unit in [*town.units, *town.clusters]:
        units.append([unit.code, unit.name, unit.level, unit.parent, ";".join(map(str, unit.leaders)), ""])
    households = workbook.create_sheet("住户")
    households.append(["网格编码", "地址", "户主", "电话", "人数", "标签", "联户"])
    for h in town.households:
        households.append([h.grid, h.address, h.head, h.phone, h.members, h.tags, h.cluster])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
