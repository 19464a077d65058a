"""Handing freed memory back (``core.memory``): the call the running bot makes once a minute."""

from __future__ import annotations

import platform

from core.memory import release_free_memory


def test_free_memory_goes_back_where_the_c_library_can() -> None:
    """On glibc (where the bot is deployed, and CI runs) the trim exists; elsewhere it is a no-op."""
    assert release_free_memory() is (platform.libc_ver()[0] == "glibc")
