"""The archive: a tar.gz whose last member, `manifest.json`, lists every other member with its size and SHA-256.

Each member is hashed while it is written, so the manifest describes exactly the bytes in the archive. Reading
unpacks every member into a staging directory (never into the instance) with the same hashing, and only an archive
whose members are exactly the manifest's, byte for byte, is accepted; gzip's own check catches a cut-off or altered
stream first. Members are regular files under a few known names only: no links, no absolute paths, no `..`.
Hand-written over `tarfile` because `extractall` checks none of this against a manifest.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.utils.translation import gettext as _

MANIFEST = "manifest.json"
FORMAT = 1
# The top-level names an archive may hold (service.py decides what each one is).
ALLOWED_TOP = {"database", "media", "uploads", "secret_key", MANIFEST}
_BLOCK = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be used; the message says why, in Swedish."""


@dataclass(frozen=True)
class Member:
    name: str  # the path inside the archive, with forward slashes
    source: Path


class _Hashing:
    """A file read through SHA-256."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def write(target: Path, members: Iterable[Member], manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the archive to `target` and return the manifest with its `files` (name → size and sha256)."""
    files: dict[str, dict[str, Any]] = {}
    with tarfile.open(target, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            info = tar.gettarinfo(str(member.source), arcname=member.name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with member.source.open("rb") as handle:
                hashing = _Hashing(handle)
                tar.addfile(info, hashing)
            files[member.name] = {"size": hashing.size, "sha256": hashing.digest.hexdigest()}
        complete = {**manifest, "format": FORMAT, "files": files}
        data = json.dumps(complete, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
        tar.addfile(info, io.BytesIO(data))
    return complete


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or ".." in path.parts or path.parts[0] not in ALLOWED_TOP:
        raise ArchiveError(_("Arkivet innehåller en otillåten sökväg: %(name)s") % {"name": name})
    return path


def unpack(archive: Path, staging: Path) -> dict[str, Any]:
    """Unpack `archive` into `staging` and return its manifest, after checking every member against it."""
    try:
        return _unpack(archive, staging)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ArchiveError(
            _("Arkivet %(path)s är skadat eller avkortat (%(error)s); inget har ändrats.")
            % {"path": archive.name, "error": exc or type(exc).__name__}
        ) from None


def _unpack(archive: Path, staging: Path) -> dict[str, Any]:
    seen: dict[str, dict[str, Any]] = {}
    manifest_bytes: bytes | None = None
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar:
            path = _safe_name(info.name)
            if not info.isfile() or info.name in seen:
                raise ArchiveError(_("Arkivet innehåller en otillåten post: %(name)s") % {"name": info.name})
            source = tar.extractfile(info)
            assert source is not None  # a regular file always has its data
            if info.name == MANIFEST:
                manifest_bytes = source.read()
                continue
            seen[info.name] = _copy(source, staging.joinpath(*path.parts))
        # tarfile stops at the first header it cannot read as if the archive ended there: read the compressed
        # stream to its end, so gzip checks its CRC and length and a damaged middle is found.
        assert tar.fileobj is not None
        while tar.fileobj.read(1 << 20):
            pass
    if manifest_bytes is None:
        raise ArchiveError(
            _("Arkivet saknar manifest.json: det är skadat, avkortat eller inte ett Löfte-arkiv; inget har ändrats.")
        )
    manifest = _parse(manifest_bytes)
    _compare(manifest["files"], seen)
    return manifest


def _copy(source: IO[bytes], target: Path) -> dict[str, Any]:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as handle:
        while block := source.read(_BLOCK):
            digest.update(block)
            size += len(block)
            handle.write(block)
    return {"size": size, "sha256": digest.hexdigest()}


def _parse(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ArchiveError(_("Arkivets manifest.json går inte att läsa.")) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ArchiveError(_("Arkivets manifest.json saknar listan över filer."))
    if manifest.get("format") != FORMAT:
        raise ArchiveError(
            _("Arkivet har formatversion %(found)s; denna Löfte läser version %(known)s.")
            % {"found": manifest.get("format"), "known": FORMAT}
        )
    return manifest


def _compare(listed: dict[str, Any], seen: dict[str, dict[str, Any]]) -> None:
    missing = sorted(set(listed) - set(seen))
    extra = sorted(set(seen) - set(listed))
    if missing or extra:
        raise ArchiveError(
            _("Arkivet stämmer inte med sitt manifest: saknas %(missing)s, okända %(extra)s.")
            % {"missing": ", ".join(missing) or "-", "extra": ", ".join(extra) or "-"}
        )
    for name, found in seen.items():
        expected = listed[name]
        if found["size"] != expected.get("size") or found["sha256"] != expected.get("sha256"):
            raise ArchiveError(
                _("Kontrollsumman för %(name)s stämmer inte med manifestet: arkivet är skadat; inget har ändrats.")
                % {"name": name}
            )
