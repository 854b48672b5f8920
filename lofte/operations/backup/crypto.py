"""Encrypting a backup archive with a key file (`lofte backup --key-file`, `LOFTE_BACKUP_KEY_FILE`).

The archive is encrypted as a stream, so an archive of several gigabytes never has to fit in memory: AES-256-GCM
from `cryptography` (already installed for sign-in, well kept, audited) in chunks of 1 MiB, in the STREAM construction
that age's payload format also uses (Hoang, Reyhanitabar, Rogaway, Vizár 2015): each chunk's nonce is its number and
a flag for the last chunk, so a chunk that is altered, moved, dropped or cut off at the end fails to decrypt. A fresh
random salt per archive derives the archive's own key from the key file (HKDF-SHA256), so the counter nonces never
repeat under one key. The header also holds a short fingerprint of the key file's key, so a wrong key is told apart
from a damaged archive.

Why not age (pyrage): it would add a native dependency for the same construction, and an operator who has age
would still need Löfte's restore to check the manifest; why not Fernet: it encrypts a whole message in memory.
The key file holds 32 random bytes in URL-safe base64 on one line; `lofte backup --new-key-file PATH` makes one
(mode 0600). Keep a copy of it away from the archives: without it an encrypted archive cannot be restored.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

MAGIC = b"LOFTE-BACKUP-AESGCM-STREAM-1\n"
SALT_BYTES = 16
FINGERPRINT_BYTES = 8
CHUNK = 1024 * 1024
TAG = 16
KEY_BYTES = 32


class CryptoError(Exception):
    """The key file or the encrypted archive cannot be used; the message says why, in Swedish."""


def new_key_file(path: Path) -> None:
    """Write a new random key to `path` (which must not exist), readable by its owner only."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CryptoError(_("Nyckelfilen %(path)s finns redan; den skrivs inte över.") % {"path": path}) from None
    except OSError as exc:
        raise CryptoError(_("Nyckelfilen %(path)s kan inte skapas: %(error)s") % {"path": path, "error": exc}) from None
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    path.chmod(0o600)


def read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CryptoError(_("Nyckelfilen %(path)s kan inte läsas: %(error)s") % {"path": path, "error": exc}) from None
    try:
        key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise CryptoError(
            _("Nyckelfilen %(path)s innehåller ingen nyckel från `lofte backup --new-key-file`.") % {"path": path}
        )
    return key


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _derive(key: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(key)


def _fingerprint(key: bytes) -> bytes:
    return _derive(key, b"", b"lofte-backup key fingerprint")[:FINGERPRINT_BYTES]


def _nonce(counter: int, last: bool) -> bytes:
    """STREAM's nonce: the chunk's number in 11 bytes and 1 for the last chunk (0 otherwise)."""
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    """Encrypt all of `source` into `target`."""
    salt = secrets.token_bytes(SALT_BYTES)
    header = MAGIC + salt + _fingerprint(key)
    aead = AESGCM(_derive(key, salt, b"lofte-backup payload"))
    target.write(header)
    counter = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        target.write(aead.encrypt(_nonce(counter, last), chunk, header))
        if last:
            return
        chunk, counter = following, counter + 1


def decrypt(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    """Decrypt `source` into `target`; a wrong key, an altered byte or a cut-off end raises CryptoError."""
    header = source.read(len(MAGIC) + SALT_BYTES + FINGERPRINT_BYTES)
    if len(header) < len(MAGIC) + SALT_BYTES + FINGERPRINT_BYTES or not header.startswith(MAGIC):
        raise CryptoError(_("Arkivet är inte ett krypterat Löfte-arkiv eller är avkortat."))
    salt = header[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    if header[-FINGERPRINT_BYTES:] != _fingerprint(key):
        raise CryptoError(_("Fel nyckel: arkivet är krypterat med en annan nyckelfil."))
    aead = AESGCM(_derive(key, salt, b"lofte-backup payload"))
    counter = 0
    sealed = source.read(CHUNK + TAG)
    while True:
        following = source.read(CHUNK + TAG)
        last = not following
        try:
            target.write(aead.decrypt(_nonce(counter, last), sealed, header))
        except InvalidTag:
            raise CryptoError(
                _("Arkivet är skadat eller avkortat (del %(part)s går inte att dekryptera).") % {"part": counter + 1}
            ) from None
        if last:
            return
        sealed, counter = following, counter + 1
