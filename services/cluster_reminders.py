"""联户长's reminders: at each reminder time, privately, the households of their 联户 not yet checked in.

Sent only to a 联户长 who has started the bot (a bot cannot open a private chat), never on a day
off, nor where the grid's reminders are switched off (``/remind 关``); nothing when the whole 联户
has checked in. The list names addresses only, never a health detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from core import texts
from core.formatting import split_message
from services import switches
from services.address_order import address_sort_key
from services.messages_out import OutgoingMessage
from services.outbox import Envelope
from services.reports import ReportSet
from storage import clusters
from storage.db import SessionFactory
from storage.models import UnitLevel


def cluster_kind(kind: str, cluster_id: int) -> str:
    """The outbox kind of one 联户's reminder of this slot (``reminder:10:00:c12``)."""
    return f"{kind}:c{cluster_id}"


def cluster_reminder_lines(*, slot: time, name: str, addresses: Sequence[str]) -> list[str]:
    return [
        texts.CLUSTER_REMINDER.format(time=slot.strftime("%H:%M"), cluster=name, count=len(addresses)),
        texts.LIST_SEPARATOR.join(addresses),
        texts.CLUSTER_REMINDER_HOW,
    ]


async def plan_cluster_reminders(
    factory: SessionFactory, *, reports: ReportSet, day: date, slot: time, kind: str
) -> list[Envelope]:
    """Each 联户长's private list of their households still to check in, for this slot."""
    grids = {
        figures.unit.id: figures.unit.path
        for figures in reports
        if figures.unit.level == UnitLevel.GRID and figures.clusters and not figures.day_off and figures.missing
    }
    async with factory() as session:
        acting = await switches.in_force(session, paths=grids)
        unchecked = await clusters.unchecked_by_cluster(
            session, grid_ids=[grid_id for grid_id in grids if acting[grid_id].reminders], day=day
        )
        by_cluster: dict[int, list[clusters.Unchecked]] = {}
        for row in unchecked:
            by_cluster.setdefault(row.cluster_id, []).append(row)
        leaders = await clusters.leaders_of_clusters(session, cluster_ids=list(by_cluster))
        reachable = await clusters.reachable(session, telegram_user_ids=[u for ids in leaders.values() for u in ids])
        names = await clusters.names_of(session, cluster_ids=list(by_cluster))
    envelopes = []
    for cluster_id, rows in sorted(by_cluster.items()):
        addresses = [row.address for row in sorted(rows, key=lambda row: address_sort_key(row.address_key))]
        lines = cluster_reminder_lines(slot=slot, name=names[cluster_id].name, addresses=addresses)
        for part, user_id in enumerate(u for u in leaders.get(cluster_id, []) if u in reachable):
            envelopes += [
                Envelope(
                    unit_id=rows[0].grid_id,
                    chat_id=user_id,
                    kind=cluster_kind(kind, cluster_id),
                    part=part * 10 + index,
                    message=OutgoingMessage.of_text(text),
                )
                for index, text in enumerate(split_message(lines))
            ]
    return envelopes
