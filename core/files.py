"""Files that hold personal data (the SQLite database, ledgers, charts) are the owner's alone.

Created 0600 whatever the umask, in folders created 0700: a roster's names, phones and health
records must not be readable by every account on the server. An existing folder or database keeps
the permissions its operator gave it; a ledger or chart the bot writes over is made 0600.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> None:
    """Create ``folder`` and any missing parents, each 0700; leave existing ones as they are."""
    missing = [folder, *folder.parents]
    for path in reversed(missing):
        if not path.exists():
            path.mkdir(mode=FOLDER_MODE)
            os.chmod(path, FOLDER_MODE)  # mkdir's mode passes through the umask


def create_private(path: Path) -> None:
    """Create ``path`` empty and 0600 if it does not exist, for SQLite to open. A missing folder is
    left missing: it is more likely a mistyped path than a wish, and SQLite then says so."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except (FileExistsError, FileNotFoundError):
        return
    os.chmod(path, FILE_MODE)


def open_private(path: Path) -> BinaryIO:
    """Open ``path`` for writing bytes (truncated), 0600 even when it existed with wider permissions."""
    private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return os.fdopen(descriptor, "wb")
