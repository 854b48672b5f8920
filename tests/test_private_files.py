"""The database file, var/ and uploads are readable by the service user only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.test import override_settings

LOFTE = str(Path(sys.executable).parent / "lofte")


def lofte(*args: str, var: Path) -> subprocess.CompletedProcess[str]:
    # A service started with the usual umask 022: the files it writes would be world-readable without Löfte's own.
    dropped = {"DATABASE_URL", "LOFTE_ENV", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_LOCATION"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean["LOFTE_VAR_DIR"] = str(var)
    return subprocess.run(
        [LOFTE, *args], env=clean, capture_output=True, text=True, timeout=300, check=False, umask=0o022
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_it_creates_the_database_and_var_for_the_service_user_only(tmp_path: Path) -> None:
    var = tmp_path / "var"
    result = lofte("migrate", "--noinput", "-v", "0", var=var)
    assert result.returncode == 0, result.stderr
    assert mode(var) == 0o700
    database = var / "lofte.sqlite3"
    assert database.exists()
    written = [path for path in var.rglob("*")]
    assert database in written
    loose = {str(path.relative_to(var)): oct(mode(path)) for path in written if mode(path) & 0o077}
    assert not loose, f"readable by others: {loose}"


def test_it_tightens_a_database_and_var_created_before(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    database = var / "lofte.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    result = lofte("check", var=var)
    assert result.returncode == 0, result.stderr
    assert (mode(var), mode(database)) == (0o700, 0o600)


def test_it_stores_uploads_for_the_service_user_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with override_settings(MEDIA_ROOT=tmp_path / "media"):
            storage = FileSystemStorage()
            name = storage.save("est/2026/12/rapport.jpg", ContentFile(b"\xff\xd8\xff"))
    finally:
        os.umask(old)
    stored = tmp_path / "media" / name
    assert mode(stored) == 0o600
    for directory in (tmp_path / "media", tmp_path / "media" / "est", stored.parent):
        assert mode(directory) == 0o700, directory
