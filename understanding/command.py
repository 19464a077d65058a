"""``gridbot parse``: messages on stdin, one contract object per line on stdout.

The same ``parse_message`` the bot stores is used, so the command shows exactly what the bot
would understand.  Nothing but the JSON lines goes to stdout; problems go to stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Iterator

#: Bytes asked of stdin at a time: whatever is there already comes back at once (``read1``).
_CHUNK = 1 << 16


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


def _batches(stdin: typing.BinaryIO) -> Iterator[list[bytes]]:
    """The input's lines, split on "\\n" only, in the batches they arrive in (one read each).

    A pipe full of messages gives thousands of lines a read, answered with one write and one
    flush; a line typed (or written by a program waiting for its answer) is answered at once.
    """
    read = getattr(stdin, "read1", stdin.read)  # BinaryIO's stub has no read1; stdin's buffer has
    rest = b""
    while chunk := read(_CHUNK):
        *lines, rest = (rest + chunk).split(b"\n")
        if lines:
            yield lines
    if rest:
        yield [rest]


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
    for batch in _batches(stdin):
        answers = []
        for raw in batch:
            text, message_date = _line_message(raw.decode("utf-8", errors="replace").rstrip("\r"), default_date)
            answers.append(json.dumps(parse_message(text, message_date).to_contract(), ensure_ascii=False) + "\n")
        stdout.write("".join(answers))
        stdout.flush()
    return 0
