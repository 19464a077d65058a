"""``gridbot parse``: messages on stdin, one contract object per line on stdout.

The same ``parse_message`` the bot stores is used, so the command shows exactly what the bot
would understand.  Nothing but the JSON lines goes to stdout; problems go to stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import typing


def _line_message(line: str, default_date: dt.date) -> tuple[str, dt.date]:
    """A line is ``{"text": ..., "date": ...}`` or the message text itself."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except ValueError:
            return line, default_date
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            date = default_date
            if isinstance(obj.get("date"), str):
                try:
                    date = dt.date.fromisoformat(obj["date"])
                except ValueError:
                    date = default_date
            return obj["text"], date
    return line, default_date


def run(*, date: str | None, tz: str, stdin: typing.BinaryIO, stdout: typing.TextIO, stderr: typing.TextIO) -> int:
    """Parse every line of *stdin*; 2 for a bad ``--date``/``--tz`` (one line on *stderr*)."""
    from zoneinfo import ZoneInfo

    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        print(f"gridbot parse: unknown time zone {tz!r}", file=stderr)
        return 2
    try:
        default_date = dt.date.fromisoformat(date) if date is not None else dt.datetime.now(zone).date()
    except ValueError:
        print(f"gridbot parse: --date must be YYYY-MM-DD, got {date!r}", file=stderr)
        return 2

    from understanding import parse_message

    # Lines are split on "\n" only (not on the Unicode separators str.splitlines() knows), so
    # that every input line gives exactly one output line.
    for raw in stdin:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        text, message_date = _line_message(line, default_date)
        stdout.write(json.dumps(parse_message(text, message_date).to_contract(), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
