"""Files written whole or not at all.

A disk that fills up in the middle of a write (ENOSPC) would leave half a file under its real name; so the data
goes to a temporary name in the same directory, and only a complete file is renamed into place. On failure the
temporary file is removed and the error raised for the caller to explain. `write_atomically` for bytes Löfte writes
itself (uploads waiting to be imported), `WholeFileStorage` for what goes through Django's storage (photos).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage


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


class WholeFileStorage(FileSystemStorage):
    """Django's file storage, but a stored file is complete or absent (the `default` storage: photos, documents).

    Django's `FileSystemStorage._save` opens the final name and writes into it, so a disk that fills up half-way
    leaves half a photo under a name a row may point at. Here the content goes to a temporary file in the same
    directory, is synced, and is then linked under its final name: `os.link` never replaces a file another request
    saved under that name meanwhile (the name is chosen again, as Django does), and the temporary name is removed
    whatever happens. Permissions are Django's (`FILE_UPLOAD_PERMISSIONS`, `FILE_UPLOAD_DIRECTORY_PERMISSIONS`).
    """

    def _save(self, name: str, content: File) -> str:
        full = Path(self.path(name))
        self._make_directory(full.parent)
        handle, temporary = tempfile.mkstemp(dir=full.parent, prefix=".upload.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            while True:
                try:
                    os.link(temporary, full)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full = Path(self.path(name))
        finally:
            Path(temporary).unlink(missing_ok=True)
        return str(name).replace("\\", "/")

    def _make_directory(self, directory: Path) -> None:
        if self.directory_permissions_mode is None:
            directory.mkdir(parents=True, exist_ok=True)
            return
        old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
        try:
            directory.mkdir(mode=self.directory_permissions_mode, parents=True, exist_ok=True)
        finally:
            os.umask(old_umask)
