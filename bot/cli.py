"""The ``gridbot`` command line. Each subcommand imports what it needs only when it runs.

Lazy imports matter: ``gridbot parse`` must start in well under a second and must not pay for
python-telegram-bot or SQLAlchemy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.config import Settings


def _settings(args: argparse.Namespace, *, need_token: bool = False) -> Settings:
    """Load the settings or exit with one line naming the bad key (exit status 1)."""
    from core.config import ConfigError, find_config_path, load_settings

    try:
        settings = load_settings(find_config_path(args.config))
        if need_token:
            settings.require_token()
    except ConfigError as exc:
        from core import texts

        raise SystemExit(texts.CLI_CONFIG_ERROR.format(error=exc)) from None
    return settings


def _existing_database(args: argparse.Namespace) -> Settings:
    """Settings for a command that only reads: a SQLite file that is not there is named, never created."""
    from core import texts
    from core.config import find_config_path

    settings = _settings(args)
    missing = settings.database.sqlite_file
    if missing is None or missing.exists():
        return settings
    config = find_config_path(args.config)
    if config is not None:
        source = texts.CLI_SOURCE_FILE.format(path=config)
    elif os.environ.get("GRIDBOT_DATABASE_URL"):
        source = texts.CLI_SOURCE_ENV
    else:
        source = texts.CLI_SOURCE_DEFAULT
    raise SystemExit(texts.CLI_DB_MISSING.format(source=source, path=missing.resolve()))


def _run_async(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 130


def cmd_parse(args: argparse.Namespace) -> int:
    from understanding import run_parse_command

    return run_parse_command(date=args.date, tz=args.tz, stdin=sys.stdin.buffer, stdout=sys.stdout, stderr=sys.stderr)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.operations import upgrade_database

    settings = _settings(args)
    return _run_async(lambda: upgrade_database(settings))


def cmd_org_import(args: argparse.Namespace) -> int:
    from bot.operations import import_roster

    settings = _settings(args)
    return _run_async(lambda: import_roster(settings, Path(args.path)))


def cmd_org_show(args: argparse.Namespace) -> int:
    from bot.operations import show_org

    settings = _existing_database(args)
    return _run_async(lambda: show_org(settings, args.code))


def cmd_run(args: argparse.Namespace) -> int:
    from bot.runner import run_bot

    settings = _settings(args, need_token=True)
    return _run_async(lambda: run_bot(settings))


def cmd_demo(args: argparse.Namespace) -> int:
    from demo import run_demo

    return _run_async(lambda: run_demo(db_path=args.db, interactive=args.interactive, out_dir=args.out))


def cmd_report_run(args: argparse.Namespace) -> int:
    from bot.report_cli import report_run

    return _run_async(
        lambda: report_run(
            _settings(args), day=args.date, unit=args.unit, mode=args.mode, out=Path(args.out or "report-output")
        )
    )


def cmd_export(args: argparse.Namespace) -> int:
    from bot.report_cli import export

    settings = _existing_database(args)
    target = Path(args.output) if args.output else None
    return _run_async(
        lambda: export(settings, unit=args.unit, start=args.start, end=args.end, fmt=args.format, target=target)
    )


def cmd_generate_county(args: argparse.Namespace) -> int:
    from bot.report_cli import generate_county

    if args.db:
        from core.config import Settings

        settings = Settings.model_validate({"database": {"url": args.db}})
    else:
        settings = _settings(args)
    return _run_async(lambda: generate_county(settings, seed=args.seed, day=args.date))


def cmd_privacy_purge(args: argparse.Namespace) -> int:
    from bot.privacy_cli import purge

    return _run_async(lambda: purge(_settings(args), dry_run=args.dry_run))


def cmd_privacy_export(args: argparse.Namespace) -> int:
    from bot.privacy_cli import export_household

    target = Path(args.output) if args.output else None
    return _run_async(lambda: export_household(_settings(args), household=args.household, target=target))


def cmd_privacy_forget(args: argparse.Namespace) -> int:
    from bot.privacy_cli import forget_household

    return _run_async(lambda: forget_household(_settings(args), household=args.household))


def cmd_audit(args: argparse.Namespace) -> int:
    from bot.privacy_cli import audit

    return _run_async(lambda: audit(_settings(args), unit=args.unit, start=args.start, end=args.end))


def cmd_robot_add(args: argparse.Namespace) -> int:
    from bot.robot_cli import add

    settings = _settings(args)
    # "--secret -" reads it from stdin, so it stays out of the shell's history and the process list.
    secret = sys.stdin.readline().strip() if args.secret == "-" else args.secret
    return _run_async(lambda: add(settings, code=args.code, platform=args.platform, url=args.url, secret=secret))


def cmd_robot_list(args: argparse.Namespace) -> int:
    from bot.robot_cli import list_robots

    settings = _existing_database(args)
    return _run_async(lambda: list_robots(settings))


def cmd_robot_test(args: argparse.Namespace) -> int:
    from bot.robot_cli import test

    settings = _existing_database(args)
    return _run_async(lambda: test(settings, code=args.code))


def _day(value: str) -> Any:
    from bot.report_cli import parse_day

    return parse_day(value)


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree, in one place."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", metavar="PATH", help="config file (default: $GRIDBOT_CONFIG, ./config.toml)")

    parser = argparse.ArgumentParser(prog="gridbot", description="网格化管理助手 — community grid management bot")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="run the bot (polling or webhook, per config)")
    run.set_defaults(handler=cmd_run)

    demo = commands.add_parser("demo", help="play a day of group life offline, no token or network needed")
    demo.add_argument("--db", metavar="PATH", help="SQLite file to use (default: a temporary folder)")
    demo.add_argument("--out", metavar="DIR", help="folder for charts and ledgers (default: ./demo-output)")
    demo.add_argument("--interactive", action="store_true", help="type into the groups yourself afterwards")
    demo.set_defaults(handler=cmd_demo)

    parse = commands.add_parser("parse", help="parse messages from stdin into JSON lines (the bot's parser)")
    parse.add_argument("--date", metavar="YYYY-MM-DD", help="the day the messages were sent (default: today)")
    parse.add_argument("--tz", default="Asia/Shanghai", help="time zone for 'today' (default: Asia/Shanghai)")
    parse.set_defaults(handler=cmd_parse)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    upgrade = db.add_parser("upgrade", parents=[common], help="apply schema migrations")
    upgrade.set_defaults(handler=cmd_db_upgrade)

    org = commands.add_parser("org", help="the roster: units and households").add_subparsers(
        dest="org_command", required=True
    )
    org_import = org.add_parser("import", parents=[common], help="import a roster (.xlsx or a folder of CSV)")
    org_import.add_argument("path", metavar="PATH")
    org_import.set_defaults(handler=cmd_org_import)
    org_show = org.add_parser("show", parents=[common], help="print the unit tree with household counts")
    org_show.add_argument("code", nargs="?", metavar="CODE")
    org_show.set_defaults(handler=cmd_org_show)

    report = commands.add_parser("report", help="daily reports up the chain").add_subparsers(
        dest="report_command", required=True
    )
    report_run = report.add_parser(
        "run", parents=[common], help="show the day's reports and when they are sent; --send or --resend sends"
    )
    report_run.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="the day (default: today)")
    report_run.add_argument("--unit", metavar="CODE", help="only this unit and those below it")
    how = report_run.add_mutually_exclusive_group()
    how.add_argument("--dry-run", dest="mode", action="store_const", const="show",
                     help="print what would be sent, and when the schedule sends it (the default)")  # fmt: skip
    how.add_argument("--send", dest="mode", action="store_const", const="send",
                     help="send now; before the scheduled time marked 预报, and the schedule still sends")  # fmt: skip
    how.add_argument("--resend", dest="mode", action="store_const", const="resend",
                     help="send the --unit's report of the day again, marked 更正")  # fmt: skip
    report_run.set_defaults(mode="show")
    report_run.add_argument("--out", metavar="DIR", help="folder for charts and ledgers (default: ./report-output)")
    report_run.set_defaults(handler=cmd_report_run)

    export = commands.add_parser("export", parents=[common], help="write the ledger (台账) for a date range")
    export.add_argument("--unit", required=True, metavar="CODE", help="the unit (and everything below it)")
    export.add_argument("--from", dest="start", required=True, type=_day, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="end", required=True, type=_day, metavar="YYYY-MM-DD")
    export.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="xlsx (default) or csv files")
    export.add_argument("-o", "--output", metavar="PATH", help="file (xlsx) or folder (csv) to write")
    export.set_defaults(handler=cmd_export)

    privacy = commands.add_parser("privacy", help="residents' data: retention, a household's copy or erasure")
    privacy_commands = privacy.add_subparsers(dest="privacy_command", required=True)
    purge = privacy_commands.add_parser("purge", parents=[common], help="erase what is past [privacy] retain_days")
    purge.add_argument("--dry-run", action="store_true", help="print what would be removed, change nothing")
    purge.set_defaults(handler=cmd_privacy_purge)
    household = argparse.ArgumentParser(add_help=False)
    household.add_argument(
        "--household", required=True, metavar="CODE/ADDRESS", help="grid code/address, e.g. G1/3-2-501"
    )
    privacy_export = privacy_commands.add_parser(
        "export", parents=[common, household], help="write everything kept about a household (xlsx)"
    )
    privacy_export.add_argument("-o", "--output", metavar="PATH", help="file to write")
    privacy_export.set_defaults(handler=cmd_privacy_export)
    forget = privacy_commands.add_parser("forget", parents=[common, household], help="erase a household's details now")
    forget.set_defaults(handler=cmd_privacy_forget)

    audit = commands.add_parser("audit", parents=[common], help="who saw or exported personal details")
    audit.add_argument("--unit", metavar="CODE", help="only this unit and those below it")
    audit.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD")
    audit.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD")
    audit.set_defaults(handler=cmd_audit)

    robot = commands.add_parser("robot", help="WeCom, DingTalk and Feishu group robots of units").add_subparsers(
        dest="robot_command", required=True
    )
    robot_add = robot.add_parser("add", parents=[common], help="add (or mend) a unit's group robot")
    robot_add.add_argument("code", metavar="CODE", help="the unit")
    robot_add.add_argument("platform", choices=["wecom", "dingtalk", "feishu"])
    robot_add.add_argument("url", metavar="URL", help="the robot's webhook URL")
    robot_add.add_argument(
        "--secret", metavar="S", help="the signing secret (加签; DingTalk and Feishu); - reads it from stdin"
    )
    robot_add.set_defaults(handler=cmd_robot_add)
    robot_list = robot.add_parser("list", parents=[common], help="every unit's robots, keys and secrets masked")
    robot_list.set_defaults(handler=cmd_robot_list)
    robot_test = robot.add_parser("test", parents=[common], help="send a unit's robots a test message")
    robot_test.add_argument("code", metavar="CODE", help="the unit")
    robot_test.set_defaults(handler=cmd_robot_test)

    generate = commands.add_parser("generate", help="synthetic data for benchmarks").add_subparsers(
        dest="generate_command", required=True
    )
    county = generate.add_parser("county", parents=[common], help="20 towns, 4,000 grids, 300,000 households")
    county.add_argument("--db", metavar="URL", help="database URL (default: the config's)")
    county.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    county.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="the day to fill (default: today)")
    county.set_defaults(handler=cmd_generate_county)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point."""
    # PTB 22 warns on every RetryAfter unless durations are timedeltas, its next major's default.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except BrokenPipeError:
        # `gridbot org show | head`: the reader left; say nothing more (Python's documented recipe).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
