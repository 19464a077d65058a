"""Roster import: validate every row, then write all of it in one transaction or nothing.

Officials fix a roster by reading the error list top to bottom, so every bad row is reported
at once (``sheet:row: column: what is wrong``), not just the first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import texts
from core.redact import without_tokens
from services.duty_roster import check_duty_rows, write_duty_rows
from services.robots.render import PLATFORMS
from services.robots.targets import ROSTER_SECRETS, url_fits
from services.roster_files import RosterRows, Row, read_roster
from storage import bindings, clusters, robots, units
from storage.db import SessionFactory, transaction
from storage.models import PARENT_LEVEL, Cluster, Household, Unit, UnitLevel, utcnow
from understanding import normalise_address

LEVEL_NAMES: dict[str, UnitLevel] = {
    "town": UnitLevel.TOWN, "镇街": UnitLevel.TOWN, "镇": UnitLevel.TOWN, "街道": UnitLevel.TOWN,
    "village": UnitLevel.VILLAGE, "村社区": UnitLevel.VILLAGE, "村": UnitLevel.VILLAGE, "社区": UnitLevel.VILLAGE,
    "grid": UnitLevel.GRID, "网格": UnitLevel.GRID,
}  # fmt: skip
#: The 联户 level: a unit row of this level is a cluster of a grid's households, not a unit.
CLUSTER_LEVEL_NAMES = frozenset({"cluster", "联户"})
_LIST_SEPARATORS = re.compile(r"[;,；，、\s]+")
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


class RosterError(Exception):
    """The roster was rejected; ``problems`` lists every bad row, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass
class ImportSummary:
    units_created: int = 0
    units_updated: int = 0
    households_created: int = 0
    households_updated: int = 0
    households_deactivated: int = 0
    clusters_created: int = 0
    clusters_updated: int = 0


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: UnitLevel
    parent: str | None
    leaders: tuple[int, ...]
    chat_id: int | None
    #: (platform, webhook URL, secret) of the group robots in the row's optional columns.
    robots: tuple[tuple[str, str, str | None], ...] = ()


@dataclass(frozen=True)
class HouseholdRow:
    grid: str
    address: str
    address_key: str
    parts: dict[str, str]
    head: str | None
    phone: str | None
    members: int
    tags: str
    cluster: str | None = None


@dataclass(frozen=True)
class ClusterRow:
    code: str
    name: str
    grid: str
    leaders: tuple[int, ...]


def split_list(value: str) -> list[str]:
    return [item for item in _LIST_SEPARATORS.split(value) if item]


def normalise_phone(value: str) -> str | None:
    """Digits of a mobile or landline, or None when it is not one (written any common way)."""
    digits = re.sub(r"[\s\-()（）+]", "", value)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _MOBILE.match(digits) or _LANDLINE.match(digits) else None


def _check_units(rows: list[Row], known: dict[str, Unit], problems: list[str]) -> dict[str, UnitRow]:
    parsed: dict[str, UnitRow] = {}
    for row in rows:
        before = len(problems)
        code, name, parent = row.get("code"), row.get("name"), row.get("parent") or None
        level = LEVEL_NAMES.get(row.get("level").strip().lower())
        if not code:
            problems.append(f"{row.where('code')}: {texts.ROSTER_REQUIRED}")
        elif not _CODE.match(code):
            problems.append(f"{row.where('code')}: {texts.ROSTER_BAD_CODE.format(value=code)}")
        elif code in parsed:
            problems.append(f"{row.where('code')}: {texts.ROSTER_DUPLICATE_CODE.format(value=code)}")
        if not name:
            problems.append(f"{row.where('name')}: {texts.ROSTER_REQUIRED}")
        if level is None:
            problems.append(f"{row.where('level')}: {texts.ROSTER_BAD_LEVEL.format(value=row.get('level'))}")
        elif PARENT_LEVEL[level] is None and parent:
            problems.append(f"{row.where('parent')}: {texts.ROSTER_TOWN_HAS_PARENT}")
        elif PARENT_LEVEL[level] is not None and not parent:
            problems.append(f"{row.where('parent')}: {texts.ROSTER_REQUIRED}")
        leaders = _leaders(row, problems)
        chat_text = row.get("chat_id")
        chat_id = int(chat_text) if re.fullmatch(r"-?\d+", chat_text) else None
        if chat_text and (chat_id is None or chat_id >= 0):
            problems.append(f"{row.where('chat_id')}: {texts.ROSTER_BAD_CHAT_ID.format(value=chat_text)}")
        robots = _robot_cells(row, problems)
        if len(problems) == before and level is not None:
            parsed[code] = UnitRow(code, name, level, parent, tuple(leaders), chat_id, robots)
    for row in rows:
        unit = parsed.get(row.get("code"))
        if unit is None or unit.parent is None:
            continue
        parent_level = parsed[unit.parent].level if unit.parent in parsed else None
        if parent_level is None and unit.parent in known:
            parent_level = UnitLevel(known[unit.parent].level)
        if parent_level is None:
            problems.append(f"{row.where('parent')}: {texts.ROSTER_UNKNOWN_PARENT.format(value=unit.parent)}")
        elif parent_level != PARENT_LEVEL[unit.level]:
            problems.append(f"{row.where('parent')}: {texts.ROSTER_WRONG_PARENT_LEVEL.format(value=unit.parent)}")
    return parsed


def _robot_cells(row: Row, problems: list[str]) -> tuple[tuple[str, str, str | None], ...]:
    """The row's group robots (optional columns: a roster without them imports as before)."""
    found: list[tuple[str, str, str | None]] = []
    for platform in PLATFORMS:
        url, secret_column = row.get(platform), ROSTER_SECRETS.get(platform)
        secret = row.get(secret_column) if secret_column else ""
        label = texts.ROBOT_PLATFORM_LABELS[platform]
        if url and not url_fits(platform, url):
            problems.append(
                f"{row.where(platform)}: {texts.ROSTER_BAD_ROBOT_URL.format(value=without_tokens(url), platform=label)}"
            )
        elif url:
            found.append((platform, url, secret or None))
        elif secret and secret_column:
            problems.append(f"{row.where(secret_column)}: {texts.ROSTER_SECRET_WITHOUT_URL.format(platform=label)}")
    return tuple(found)


def _leaders(row: Row, problems: list[str]) -> list[int]:
    leaders: list[int] = []
    for item in split_list(row.get("leaders")):
        if item.isdigit():
            leaders.append(int(item))
        else:
            problems.append(f"{row.where('leaders')}: {texts.ROSTER_BAD_USER_ID.format(value=item)}")
    return leaders


def is_cluster_row(row: Row) -> bool:
    return row.get("level").strip().lower() in CLUSTER_LEVEL_NAMES


def _check_clusters(
    rows: list[Row], grid_codes: set[str], taken: set[str], problems: list[str]
) -> dict[str, ClusterRow]:
    """联户 rows of the units sheet: a code no unit has, a name, a grid as parent, its 联户长."""
    parsed: dict[str, ClusterRow] = {}
    for row in rows:
        before = len(problems)
        code, name, grid = row.get("code"), row.get("name"), row.get("parent")
        if not code:
            problems.append(f"{row.where('code')}: {texts.ROSTER_REQUIRED}")
        elif not _CODE.match(code):
            problems.append(f"{row.where('code')}: {texts.ROSTER_BAD_CODE.format(value=code)}")
        elif code in parsed or code in taken:
            problems.append(f"{row.where('code')}: {texts.ROSTER_DUPLICATE_CODE.format(value=code)}")
        if not name:
            problems.append(f"{row.where('name')}: {texts.ROSTER_REQUIRED}")
        if not grid:
            problems.append(f"{row.where('parent')}: {texts.ROSTER_REQUIRED}")
        elif grid not in grid_codes:
            problems.append(f"{row.where('parent')}: {texts.ROSTER_CLUSTER_PARENT.format(value=grid)}")
        if row.get("chat_id"):
            problems.append(f"{row.where('chat_id')}: {texts.ROSTER_CLUSTER_CHAT}")
        leaders = _leaders(row, problems)
        if len(problems) == before:
            parsed[code] = ClusterRow(code, name, grid, tuple(leaders))
    return parsed


def _check_cluster(row: Row, grid: str, cluster_grids: dict[str, str], problems: list[str]) -> str | None:
    """The household's 联户, if it names one: a cluster of the household's own grid."""
    code = row.get("cluster")
    if not code:
        return None
    if code not in cluster_grids:
        problems.append(f"{row.where('cluster')}: {texts.ROSTER_UNKNOWN_CLUSTER.format(value=code)}")
    elif cluster_grids[code] != grid:
        problems.append(f"{row.where('cluster')}: {texts.ROSTER_CLUSTER_OTHER_GRID.format(value=code, grid=grid)}")
    return code


def _check_households(
    rows: list[Row], grid_codes: set[str], problems: list[str], cluster_grids: dict[str, str] | None = None
) -> list[HouseholdRow]:
    parsed: list[HouseholdRow] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        before = len(problems)
        grid, address_text = row.get("grid"), row.get("address")
        if not grid:
            problems.append(f"{row.where('grid')}: {texts.ROSTER_REQUIRED}")
        elif grid not in grid_codes:
            problems.append(f"{row.where('grid')}: {texts.ROSTER_UNKNOWN_GRID.format(value=grid)}")
        address = normalise_address(address_text) if address_text else None
        if not address_text:
            problems.append(f"{row.where('address')}: {texts.ROSTER_REQUIRED}")
        elif address is None:
            problems.append(f"{row.where('address')}: {texts.ROSTER_BAD_ADDRESS.format(value=address_text)}")
        elif (grid, address.key()) in seen:
            first = seen[(grid, address.key())]
            problems.append(
                f"{row.where('address')}: {texts.ROSTER_DUPLICATE_ADDRESS.format(value=address_text, line=first)}"
            )
        phone_text = row.get("phone")
        phone = normalise_phone(phone_text) if phone_text else None
        if phone_text and phone is None:
            problems.append(f"{row.where('phone')}: {texts.ROSTER_BAD_PHONE.format(value=phone_text)}")
        members_text = row.get("members") or "1"
        if not members_text.isdigit() or not 1 <= int(members_text) <= 99:
            problems.append(f"{row.where('members')}: {texts.ROSTER_BAD_MEMBERS.format(value=members_text)}")
        cluster = _check_cluster(row, grid, cluster_grids or {}, problems)
        if len(problems) == before and address is not None:
            seen[(grid, address.key())] = row.line
            parsed.append(
                HouseholdRow(
                    grid=grid,
                    address=address_text,
                    address_key=address.key(),
                    parts=address.as_dict(),
                    head=row.get("head") or None,
                    phone=phone,
                    members=int(members_text),
                    tags=";".join(split_list(row.get("tags"))),
                    cluster=cluster,
                )
            )
    return parsed


def _paths(units_by_code: dict[str, Unit], parents: dict[str, str | None]) -> dict[str, str]:
    """Materialised paths from each unit's parent code (levels guarantee no cycles)."""
    paths: dict[str, str] = {}

    def path_of(code: str) -> str:
        if code not in paths:
            parent = parents.get(code)
            paths[code] = code if parent is None else f"{path_of(parent)}/{code}"
        return paths[code]

    for code in units_by_code:
        path_of(code)
    return paths


async def _write_units(session: AsyncSession, parsed: dict[str, UnitRow], summary: ImportSummary) -> dict[str, Unit]:
    existing = await units.units_by_code(session)
    parents = {code: _parent_code(unit) for code, unit in existing.items()}
    created: set[str] = set()
    changed: set[str] = set()
    for row in parsed.values():
        unit = existing.get(row.code)
        if unit is None:
            unit = Unit(code=row.code, name=row.name, level=row.level, path=row.code)
            existing[row.code] = unit
            created.add(row.code)
        elif (unit.name, unit.level, parents.get(row.code)) != (row.name, row.level, row.parent):
            changed.add(row.code)
        unit.name, unit.level = row.name, row.level
        parents[row.code] = row.parent
        session.add(unit)
    await session.flush()
    paths = _paths(existing, parents)
    for code, unit in existing.items():
        parent = parents.get(code)
        unit.parent_id = existing[parent].id if parent else None
        unit.path = paths[code]
        session.add(unit)
    await session.flush()
    for row in parsed.values():
        unit_id = existing[row.code].id
        assert unit_id is not None
        if await units.set_leaders(session, unit_id=unit_id, telegram_user_ids=row.leaders):
            changed.add(row.code)
        if row.chat_id is not None and not await bindings.is_bound(session, chat_id=row.chat_id, unit_id=unit_id):
            await bindings.upsert_binding(session, chat_id=row.chat_id, unit_id=unit_id, title="", bound_by=None)
            changed.add(row.code)
        for platform, url, secret in row.robots:
            if (await robots.upsert_target(session, unit_id=unit_id, platform=platform, url=url, secret=secret))[1]:
                changed.add(row.code)
    summary.units_created += len(created)
    summary.units_updated += len(changed - created)
    return existing


def _parent_code(unit: Unit) -> str | None:
    parts = unit.path.split("/")
    return parts[-2] if len(parts) > 1 else None


def _household_values(row: HouseholdRow, cluster_ids: dict[str, int]) -> dict[str, object]:
    """The columns a roster row sets, to compare with what is stored: unchanged rows are not written."""
    return {
        "cluster_id": cluster_ids.get(row.cluster) if row.cluster else None,
        "address": row.address,
        "building": row.parts.get("building"),
        "unit_no": row.parts.get("unit"),
        "room": row.parts.get("room"),
        "group_no": row.parts.get("group"),
        "number": row.parts.get("number"),
        "head": row.head,
        "phone": row.phone,
        "members": row.members,
        "tags": row.tags,
        "active": True,
    }


async def _write_households(
    session: AsyncSession,
    rows: list[HouseholdRow],
    grids: dict[str, Unit],
    covered: set[str],
    summary: ImportSummary,
    cluster_ids: dict[str, int],
) -> None:
    grid_ids = [grids[code].id for code in covered]
    existing = {
        (household.grid_id, household.address_key): household
        for household in await session.exec(select(Household).where(col(Household.grid_id).in_(grid_ids)))
    }
    seen: set[int] = set()
    now = utcnow()
    for row in rows:
        grid_id = grids[row.grid].id
        assert grid_id is not None
        household = existing.get((grid_id, row.address_key))
        if household is None:
            household = Household(grid_id=grid_id, address_key=row.address_key, address=row.address)
            summary.households_created += 1
        if household.id is not None:
            seen.add(household.id)
        values = _household_values(row, cluster_ids)
        if household.id is not None and all(getattr(household, name) == value for name, value in values.items()):
            continue
        if household.id is not None:
            summary.households_updated += 1
        for name, value in values.items():
            setattr(household, name, value)
        household.updated_at = now
        session.add(household)
    for household in existing.values():
        if household.id not in seen and household.active:
            household.active, household.updated_at = False, now
            session.add(household)
            summary.households_deactivated += 1


async def _write_clusters(
    session: AsyncSession, parsed: dict[str, ClusterRow], grids: dict[str, Unit], summary: ImportSummary
) -> dict[str, int]:
    """Clusters created or updated in place (by code), with their 联户长; every cluster's id by code."""
    existing = await clusters.clusters_by_code(session)
    for row in parsed.values():
        grid_id = grids[row.grid].id
        assert grid_id is not None
        cluster = existing.get(row.code)
        created = cluster is None
        if cluster is None:
            cluster = existing[row.code] = Cluster(code=row.code, name=row.name, grid_id=grid_id)
        changed = (cluster.name, cluster.grid_id) != (row.name, grid_id)
        cluster.name, cluster.grid_id = row.name, grid_id
        session.add(cluster)
        await session.flush()
        assert cluster.id is not None
        changed |= await clusters.set_cluster_leaders(session, cluster_id=cluster.id, telegram_user_ids=row.leaders)
        summary.clusters_created += int(created)
        summary.clusters_updated += int(changed and not created)
    return {code: cluster.id for code, cluster in existing.items() if cluster.id is not None}


async def _known_cluster_grids(session: AsyncSession, known: dict[str, Unit]) -> dict[str, str]:
    """The grid code of every cluster already stored."""
    grid_codes = {unit.id: code for code, unit in known.items()}
    return {code: grid_codes.get(c.grid_id, "") for code, c in (await clusters.clusters_by_code(session)).items()}


async def import_rows(session: AsyncSession, *, rows: RosterRows, today: date | None = None) -> ImportSummary:
    """Validate and write ``rows`` in the caller's transaction; raise ``RosterError`` before writing."""
    known = await units.units_by_code(session)
    problems: list[str] = []
    parsed_units = _check_units([r for r in rows.units if not is_cluster_row(r)], known, problems)
    grid_codes = {code for code, unit in parsed_units.items() if unit.level == UnitLevel.GRID}
    grid_codes |= {code for code, unit in known.items() if unit.level == UnitLevel.GRID and code not in parsed_units}
    cluster_rows = [r for r in rows.units if is_cluster_row(r)]
    parsed_clusters = _check_clusters(cluster_rows, grid_codes, set(parsed_units) | set(known), problems)
    cluster_grids = await _known_cluster_grids(session, known)
    cluster_grids |= {code: row.grid for code, row in parsed_clusters.items()}
    parsed_households = _check_households(rows.households, grid_codes, problems, cluster_grids)
    roster_households = {(row.grid, row.address_key) for row in parsed_households}
    parsed_duties = check_duty_rows(rows, grid_codes, roster_households, problems)
    if problems:
        raise RosterError(problems)
    summary = ImportSummary()
    all_units = await _write_units(session, parsed_units, summary)
    cluster_ids = await _write_clusters(session, parsed_clusters, all_units, summary)
    covered = {code for code in grid_codes if code in parsed_units} | {row.grid for row in parsed_households}
    await _write_households(session, parsed_households, all_units, covered, summary, cluster_ids)
    await write_duty_rows(session, parsed=parsed_duties, grids=all_units, today=today or utcnow().date())
    return summary


async def import_roster(factory: SessionFactory, *, path: Path) -> ImportSummary:
    """Read ``path`` and import it all-or-nothing (the entry point the CLI calls)."""
    rows = read_roster(path)
    async with transaction(factory) as session:
        return await import_rows(session, rows=rows)
