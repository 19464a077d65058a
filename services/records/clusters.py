"""A 联户长's zero report (我联户今日无异常): a check-in with nothing abnormal for every household of
their 联户 in this grid, stored like any 代报 of several households (one part each in
``message_households``), so that edits, counts and retention treat it as they treat a list.
"""

from __future__ import annotations

from dataclasses import replace

from services.records.kind import Shell
from services.records.work import Work
from storage import clusters
from understanding import Checkin, normalise_address


async def zero_cover(shell: Shell, work: Work) -> Checkin | None:
    """The check-in a zero report from one of the grid's 联户长 stands for, or None (anyone else's
    zero report is a grid leader's business: ``/zero``). The households it names are made known to
    the batch, so that it files each under its own."""
    grid = work.grid
    if work.kind != "zero" or grid is None or grid.id is None:
        return None
    session = shell.session
    led = await clusters.led_clusters(session, telegram_user_id=work.message.sender.user_id, grid_id=grid.id)
    parts: list[Checkin] = []
    for household in await clusters.cluster_households(session, cluster_ids=led):
        address = normalise_address(household.address)
        if address is None or household.id is None:
            continue
        shell.households.by_address[(household.grid_id, household.address_key)] = household
        shell.households.by_id[household.id] = household
        parts.append(Checkin(address=address, symptoms=()))
    if not parts:
        return None
    first, *rest = parts
    return replace(first, others=tuple(rest) or None)
