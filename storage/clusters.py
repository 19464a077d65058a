"""联户 (clusters of about ten households below a grid) and their 联户长: the roster writes them,
reports and reminders read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CheckIn, Cluster, ClusterLeader, Household, Person
from storage.reports import grids_in_subtree
from storage.units import replace_leaders


@dataclass(frozen=True)
class ClusterCounts:
    """A cluster's households and those checked in on a day (``id`` None: households in no cluster)."""

    id: int | None
    code: str
    name: str
    grid_id: int
    households: int
    checked_in: int


@dataclass(frozen=True)
class Unchecked:
    """A cluster's household not yet checked in, for its leaders' private list."""

    cluster_id: int
    grid_id: int
    address: str
    address_key: str


async def clusters_by_code(session: AsyncSession) -> dict[str, Cluster]:
    return {cluster.code: cluster for cluster in await session.exec(select(Cluster))}


async def set_cluster_leaders(session: AsyncSession, *, cluster_id: int, telegram_user_ids: Sequence[int]) -> bool:
    """Make the cluster's leaders exactly ``telegram_user_ids``; True when that changed anything."""
    existing = (await session.exec(select(ClusterLeader).where(ClusterLeader.cluster_id == cluster_id))).all()
    added = await replace_leaders(session, existing=existing, telegram_user_ids=telegram_user_ids)
    for user_id in added:
        session.add(ClusterLeader(cluster_id=cluster_id, telegram_user_id=user_id))
    return bool(added) or len(existing) != len(set(telegram_user_ids) - set(added))


async def led_clusters(session: AsyncSession, *, telegram_user_id: int, grid_id: int | None = None) -> list[int]:
    """Ids of the clusters the user leads (in ``grid_id`` only, when given)."""
    query = (
        select(Cluster.id)
        .join(ClusterLeader, col(ClusterLeader.cluster_id) == col(Cluster.id))
        .where(ClusterLeader.telegram_user_id == telegram_user_id)
    )
    if grid_id is not None:
        query = query.where(Cluster.grid_id == grid_id)
    return [cluster_id for cluster_id in await session.exec(query) if cluster_id is not None]


async def cluster_households(session: AsyncSession, *, cluster_ids: Sequence[int]) -> Sequence[Household]:
    """The active households of the clusters, in roster order."""
    if not cluster_ids:
        return []
    query = (
        select(Household)
        .where(col(Household.cluster_id).in_(cluster_ids), col(Household.active).is_(True))
        .order_by(col(Household.id))
    )
    return (await session.exec(query)).all()


async def cluster_counts(session: AsyncSession, *, root_path: str | None, day: date) -> list[ClusterCounts]:
    """Per cluster of the grids below ``root_path`` that have clusters (and, in those grids, for the
    households in none): active households and those checked in on ``day``. One GROUP BY on ids,
    then the clusters' names."""
    below = col(Household.grid_id).in_(grids_in_subtree(root_path))
    query: Any = (
        sa.select(col(Household.cluster_id), col(Household.grid_id), func.count(), func.count(col(CheckIn.id)))
        .select_from(Household)
        .outerjoin(CheckIn, sa.and_(col(CheckIn.household_id) == col(Household.id), col(CheckIn.day) == day))
        .where(
            col(Household.active).is_(True),
            below,
            col(Household.grid_id).in_(sa.select(col(Cluster.grid_id)).distinct().scalar_subquery()),
        )
        .group_by(col(Household.grid_id), col(Household.cluster_id))
    )
    found: Sequence[Any] = (await session.exec(query)).all()
    if not found:
        return []
    names_query: Any = sa.select(col(Cluster.id), col(Cluster.code), col(Cluster.name)).where(
        col(Cluster.grid_id).in_(grids_in_subtree(root_path))
    )
    names = {row[0]: (row[1], row[2]) for row in (await session.exec(names_query)).all()}
    rows = [
        ClusterCounts(r[0], *names.get(r[0], ("", "")), grid_id=r[1], households=int(r[2]), checked_in=int(r[3]))
        for r in found
    ]
    return sorted(rows, key=lambda c: (c.grid_id, c.id is None, c.code))


async def unchecked_by_cluster(session: AsyncSession, *, grid_ids: Sequence[int], day: date) -> Sequence[Unchecked]:
    """Households in a cluster of these grids with no check-in on ``day``."""
    if not grid_ids:
        return []
    checked = sa.exists().where(col(CheckIn.household_id) == col(Household.id), col(CheckIn.day) == day)
    query: Any = sa.select(
        col(Household.cluster_id), col(Household.grid_id), col(Household.address), col(Household.address_key)
    ).where(
        col(Household.active).is_(True),
        col(Household.cluster_id).is_not(None),
        col(Household.grid_id).in_(grid_ids),
        ~checked,
    )
    found: Sequence[Any] = (await session.exec(query)).all()
    return [Unchecked(*row) for row in found]


async def leaders_of_clusters(session: AsyncSession, *, cluster_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each cluster's leaders' Telegram ids, sorted."""
    if not cluster_ids:
        return {}
    query = select(ClusterLeader).where(col(ClusterLeader.cluster_id).in_(cluster_ids))
    leaders: dict[int, list[int]] = {}
    for row in await session.exec(query):
        leaders.setdefault(row.cluster_id, []).append(row.telegram_user_id)
    return {cluster_id: sorted(ids) for cluster_id, ids in leaders.items()}


async def names_of(session: AsyncSession, *, cluster_ids: Sequence[int]) -> dict[int, Cluster]:
    if not cluster_ids:
        return {}
    query = select(Cluster).where(col(Cluster.id).in_(cluster_ids))
    return {cluster.id or 0: cluster for cluster in await session.exec(query)}


async def reachable(session: AsyncSession, *, telegram_user_ids: Sequence[int]) -> set[int]:
    """Those of the users who have started the bot, so that it may write to them privately."""
    if not telegram_user_ids:
        return set()
    query = select(Person.telegram_user_id).where(
        col(Person.telegram_user_id).in_(telegram_user_ids), col(Person.started_bot).is_(True)
    )
    return set(await session.exec(query))
