"""Daily reports on the synthetic county (20 towns, 400 villages, 4,000 grids, 300,000 households).

    python benchmarks/report_bench.py [--postgres postgresql+asyncpg://...] [--sqlite PATH]

For each database: generate the county into it (``gridbot generate county``, timed), then, in a
fresh process so the peak memory is the reports' alone, compile every unit's figures (one SQL
pass), render every grid report and every village and town digest as text, and draw one town's
chart and write its Excel ledger. Targets: all digests under 5 s and 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime

from scratch_db import add_database_options, generate_county, on_each_database

DAY = date(2025, 12, 1)
#: 17:00 in Asia/Shanghai, when the town digests go out.
AT = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


async def measure(url: str) -> None:
    """Time the report pass and print the process's peak memory."""
    from core.config import Settings
    from services import report_render
    from services.charts import unit_chart
    from services.ledger import ledger_xlsx
    from services.reports import compile_reports
    from storage.db import create_engine, session_factory
    from storage.models import UnitLevel

    settings = Settings()
    engine = create_engine(url)
    factory = session_factory(engine)
    started = time.perf_counter()
    reports = await compile_reports(factory, day=DAY, settings=settings, now=AT)
    compiled = time.perf_counter()
    messages = 0
    for figures in reports:
        if figures.unit.level == UnitLevel.GRID:
            report_render.grid_report(figures, DAY, tz=settings.tz)
            messages += 1
        else:
            messages += len(report_render.digest(reports, figures.unit.id, tz=settings.tz))
    rendered = time.perf_counter()
    town = next(figures for figures in reports if figures.unit.level == UnitLevel.TOWN)
    chart = unit_chart(reports, town.unit.id)
    charted = time.perf_counter()
    ledger = await ledger_xlsx(factory, unit_code=town.unit.code, start=DAY, end=DAY, settings=settings)
    ledgered = time.perf_counter()
    await engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  compile (SQL, {len(reports.figures)} units): {compiled - started:.2f} s")
    print(f"  render all reports and digests as text ({messages} messages): {rendered - compiled:.2f} s")
    print(f"  all digests, compile + render: {rendered - started:.2f} s")
    print(f"  one town's chart: {charted - rendered:.2f} s ({len(chart) // 1024} KiB)")
    print(f"  one town's Excel ledger ({town.counts.households} households): {ledgered - charted:.2f} s "
          f"({len(ledger) // 1024} KiB)")  # fmt: skip
    print(f"  peak memory (RSS): {peak:.0f} MiB")


def run(label: str, url: str) -> None:
    generate_county(label, url, DAY)
    subprocess.run([sys.executable, __file__, "--measure", url], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        asyncio.run(measure(args.measure))
        return
    on_each_database(args, run)


if __name__ == "__main__":
    main()
