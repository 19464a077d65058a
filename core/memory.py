"""Handing freed memory back to the operating system, for a process that runs for months.

glibc's malloc keeps what Python frees outside its own small-object arenas (strings and lists over
512 bytes, the database drivers' buffers) for reuse, and a long-running process's RSS then creeps
up: in the 30-minute soak about 0.4 MiB a minute after the digest run, though Python's own objects
and arenas stayed flat. ``malloc_trim(0)`` returns those free pages; called once a minute by the
running bot (``bot.runner``), it held RSS within 2% over the soak's last 20 minutes (see the README).
Elsewhere (musl, macOS) there is no such call and nothing to do.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable

#: Seconds between two trims: a trim of a 250 MiB heap takes a few milliseconds.
TRIM_EVERY = 60.0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
