"""Files written whole or not at all.

A disk that fills up in the middle of a write (ENOSPC) would leave half a file under its real name; so the data
goes to a temporary name in the same directory, and only a complete file is renamed into place. On failure the
temporary file is removed and the error raised for the caller to explain.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
