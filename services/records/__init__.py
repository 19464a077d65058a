"""Residents' messages into records, one module per kind of record; this is the registry.

``batch.py`` is the kind-independent shell (one transaction per batch of messages: the reads up
front, the message rows, households, links and nudges); each kind's module turns its messages
into its records (``kind.RecordKind``). A new kind is a new module and one line here.
"""

from __future__ import annotations

from services.records.checkin import Checkins
from services.records.disinfection import Disinfections
from services.records.kind import KindFactory
from services.records.order import Orders
from services.records.returnee import Returnees
from services.records.visit import Visits

#: Each record kind (as the parser names it) and what stores it, in the order batches settle them.
KINDS: dict[str, KindFactory] = {
    "checkin": Checkins,
    "order": Orders,
    "returnee": Returnees,
    "visit": Visits,
    "disinfection": Disinfections,
}
