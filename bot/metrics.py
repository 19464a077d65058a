"""What an operator watches, for Prometheus at ``/metrics`` (the status server, ``bot.status``).

Counters and the handler latency are kept as things happen; the inbox backlog and lag and the
outbox counts are read from the database at each scrape (they are the truth across restarts),
and the supervised tasks' restarts and health are read from ``Health``. One registry per bot,
not prometheus-client's global one, so that tests and the demo can run several bots.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from core.supervise import Health, describe
from storage import inbox, outbox
from storage.db import SessionFactory
from storage.models import utcnow

log = logging.getLogger(__name__)


class _HealthCollector(Collector):
    def __init__(self, health: Health) -> None:
        self._health = health

    def collect(self) -> Iterator[Metric]:
        restarts = CounterMetricFamily(
            "gridbot_task_restarts", "Restarts of a supervised task after an error", labels=["task"]
        )
        healthy = GaugeMetricFamily(
            "gridbot_task_healthy", "1 while a supervised task works, 0 while it fails", labels=["task"]
        )
        for task in self._health.tasks.values():
            restarts.add_metric([task.name], task.restarts)
            healthy.add_metric([task.name], 1 if task.healthy else 0)
        yield restarts
        yield healthy


class Metrics:
    """The bot's metrics; ``render()`` refreshes what comes from the database and serialises all."""

    def __init__(self, sessions: SessionFactory, health: Health | None = None) -> None:
        self._sessions = sessions
        self.registry = CollectorRegistry()
        registry = self.registry
        self.updates_received = Counter("gridbot_updates_received", "Updates stored in the inbox", registry=registry)
        self.updates_processed = Counter(
            "gridbot_updates_processed", "Updates handled and marked done", registry=registry
        )
        self.handler_seconds = Histogram("gridbot_handler_seconds", "Time to handle one update", registry=registry)
        self.api_errors = Counter(
            "gridbot_bot_api_errors",
            "Bot API answers other than 200, by HTTP status (429: flood limit)",
            ["code"],
            registry=registry,
        )
        self.updates_pending = Gauge("gridbot_updates_pending", "Updates stored and not yet handled", registry=registry)
        self.inbox_lag = Gauge(
            "gridbot_inbox_lag_seconds", "Age of the oldest update not yet handled", registry=registry
        )
        self.outbox = Gauge(
            "gridbot_outbox_messages", "Outbox messages by kind and status", ["kind", "status"], registry=registry
        )
        if health is not None:
            registry.register(_HealthCollector(health))

    def api_status(self, status: int) -> None:
        """The transport's hook: count every Bot API answer that is not a success."""
        if status != 200:
            self.api_errors.labels(code=str(status)).inc()

    async def render(self) -> bytes:
        try:
            await self._refresh()
        except Exception as exc:  # the database is down: /healthz says so; serve what is in memory
            log.debug("metrics from the database unavailable: %s", describe(exc))
        return generate_latest(self.registry)

    async def _refresh(self) -> None:
        async with self._sessions() as session:
            pending, oldest = await inbox.backlog(session)
            counts = await outbox.counts_by_kind(session)
        self.updates_pending.set(pending)
        self.inbox_lag.set(0 if oldest is None else max((utcnow() - oldest).total_seconds(), 0.0))
        for (kind, status), count in counts.items():
            self.outbox.labels(kind=kind, status=status).set(count)
