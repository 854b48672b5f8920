"""`lofte backup` and `lofte restore`: what goes into an archive, and the checks before anything is restored.

An archive holds the database (see database.py), MEDIA_ROOT (photos of EST reports, agreements, attachments), the
statistics uploads waiting in `var/uploads/` (ImportJob.path), `var/secret_key` when the instance keeps its key
there, and `manifest.json`: Löfte's and Django's versions, the database vendor, every applied migration (and the
latest per app), when it was made, and the size and SHA-256 of every member. The database is copied first, then the
files, so a photo uploaded meanwhile is at worst in the archive without its row (never a row without its photo,
unless gallring deleted the photo in between).

The archive is written as a hidden temporary file in the target directory and renamed to its dated name only when
complete, so a name `lofte-backup-*.tar.gz` is always a whole archive. A restore unpacks and checks everything in a
staging directory under var/ first (the manifest, every checksum, the versions, the vendor, that the instance is
empty) and only then replaces the database, the files and the key, then migrates if the archive is older.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from packaging.version import InvalidVersion, Version

from lofte.audit.log import record
from lofte.lib.env import PRIVATE_FILE_MODE, private_dir
from lofte.operations.backup import archive, crypto, database
from lofte.operations.backup.archive import ArchiveError, Member

NAME_PREFIX = "lofte-backup-"
STAMP = "%Y%m%dT%H%M%SZ"
SQLITE_MEMBER = "database/lofte.sqlite3"
POSTGRES_MEMBER = "database/lofte.pgdump"

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why, in Swedish, and what was left unchanged."""


def lofte_version() -> str:
    return version("lofte")


def _default() -> Mapping[str, Any]:
    return settings.DATABASES["default"]


def uploads_dir() -> Path:
    """Where statistics uploads wait for their import (lofte.statistics.models.ImportJob.path)."""
    return Path(settings.VAR_DIR) / "uploads"


def secret_key_file() -> Path:
    return Path(settings.VAR_DIR) / "secret_key"


def file_trees() -> dict[str, Path]:
    """The archive's top-level name for each directory of uploaded files."""
    return {"media": Path(settings.MEDIA_ROOT), "uploads": uploads_dir()}


# --- Backup ---------------------------------------------------------------------------------------------------------


def do_create_backup(*, to: Path, key: bytes | None = None, say: Say = lambda line: None) -> Path:
    """Write one dated archive of this instance into `to` and return its path."""
    private_dir(to)
    now = datetime.now(UTC)
    final = _free_name(to, now, encrypted=key is not None)
    with tempfile.TemporaryDirectory(dir=to, prefix=".lofte-backup-") as work_dir:
        work = Path(work_dir)
        dump, migrations = _dump_database(work, say)
        members = [dump, *_file_members(say)]
        if secret_key_file().is_file():
            members.append(Member("secret_key", secret_key_file()))
        say(_("Skriver arkivet (%(count)s filer) …") % {"count": len(members)})
        plain = work / "archive.tar.gz"
        manifest = archive.write(plain, members, _manifest(now, migrations))
        written = _encrypt(plain, work / "archive.enc", key, say) if key is not None else plain
        _fsync(written)
        os.replace(written, final)
    _fsync_dir(to)
    size = final.stat().st_size
    say(
        _("Klart: %(path)s (%(size)s byte, %(count)s filer).")
        % {"path": final, "size": size, "count": len(manifest["files"])}
    )
    return final


def _free_name(to: Path, now: datetime, *, encrypted: bool) -> Path:
    suffix = ".tar.gz.enc" if encrypted else ".tar.gz"
    stamp = now.strftime(STAMP)
    candidate = to / f"{NAME_PREFIX}{stamp}{suffix}"
    number = 1
    while candidate.exists():
        number += 1
        candidate = to / f"{NAME_PREFIX}{stamp}-{number}{suffix}"
    return candidate


def _dump_database(work: Path, say: Say) -> tuple[Member, list[tuple[str, str]]]:
    vendor = database.vendor_of(_default())
    try:
        if vendor == database.SQLITE:
            say(_("Kopierar SQLite-databasen med dess säkerhetskopierings-API …"))
            target = work / "lofte.sqlite3"
            database.dump_sqlite(Path(_default()["NAME"]), target)
            return Member(SQLITE_MEMBER, target), database.sqlite_migrations(target)
        say(_("Kör pg_dump …"))
        migrations = applied_migrations()
        target = work / "lofte.pgdump"
        database.dump_postgres(_default(), target)
        return Member(POSTGRES_MEMBER, target), migrations
    except database.DatabaseCopyError as exc:
        raise BackupError(str(exc)) from None


def applied_migrations() -> list[tuple[str, str]]:
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted(loader.applied_migrations)


def _file_members(say: Say) -> list[Member]:
    members = []
    for top, root in file_trees().items():
        if not root.is_dir():
            continue
        found = sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())
        say(_("%(count)s filer från %(path)s") % {"count": len(found), "path": root})
        members += [Member(f"{top}/{path.relative_to(root).as_posix()}", path) for path in found]
    return members


def _manifest(now: datetime, migrations: list[tuple[str, str]]) -> dict[str, Any]:
    latest: dict[str, str] = {}
    for app, name in migrations:
        latest[app] = max(latest.get(app, name), name)
    return {
        "lofte_version": lofte_version(),
        "django_version": django.get_version(),
        "database_vendor": database.vendor_of(_default()),
        "created_at": now.isoformat(),
        "latest_migrations": dict(sorted(latest.items())),
        "applied_migrations": [list(item) for item in sorted(migrations)],
    }


def _encrypt(plain: Path, target: Path, key: bytes, say: Say) -> Path:
    say(_("Krypterar arkivet …"))
    with plain.open("rb") as source, target.open("wb") as sink:
        crypto.encrypt(source, sink, key)
    plain.unlink()
    return target


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- Restore --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """An archive unpacked and checked in `staging`, ready to be put in place."""

    manifest: dict[str, Any]
    staging: Path


def do_restore_backup(
    source: Path,
    *,
    key: bytes | None = None,
    force: bool = False,
    confirm: Callable[[str], bool] = lambda question: False,
    say: Say = lambda line: None,
) -> dict[str, Any]:
    """Restore the archive `source` into this (empty) instance and return its manifest."""
    if not source.is_file():
        raise BackupError(_("Arkivet %(path)s finns inte.") % {"path": source})
    with _staging() as staging:
        checked = _check(source, staging, key, say)
        _refuse_unless_empty(force, confirm)
        _put_in_place(checked, say)
    _migrate_if_older(say)
    cache.clear()  # pages cached by the empty instance
    record("operations.restore", actor=None, actor_label="lofte restore", changes={"archive": source.name})
    say(
        _("Återställt från %(name)s (gjort %(created)s).")
        % {"name": source.name, "created": checked.manifest["created_at"]}
    )
    return checked.manifest


@contextlib.contextmanager
def _staging() -> Iterator[Path]:
    private_dir(Path(settings.VAR_DIR))
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix=".restore-") as directory:
        yield Path(directory)


def _check(source: Path, staging: Path, key: bytes | None, say: Say) -> Checked:
    say(_("Kontrollerar arkivet %(name)s …") % {"name": source.name})
    plain = _decrypted(source, staging, key, say)
    try:
        manifest = archive.unpack(plain, staging / "files")
    except ArchiveError as exc:
        raise BackupError(str(exc)) from None
    if plain != source:
        plain.unlink()
    _refuse_other_vendor(manifest)
    _refuse_newer(manifest)
    say(_("Arkivet är helt: %(count)s filer stämmer med manifestet.") % {"count": len(manifest["files"])})
    return Checked(manifest, staging / "files")


def _decrypted(source: Path, staging: Path, key: bytes | None, say: Say) -> Path:
    try:
        encrypted = crypto.is_encrypted(source)
    except OSError as exc:
        raise BackupError(_("Arkivet %(path)s kan inte läsas: %(error)s") % {"path": source, "error": exc}) from None
    if not encrypted:
        return source
    if key is None:
        raise BackupError(_("Arkivet är krypterat: ange nyckelfilen med --key-file (eller LOFTE_BACKUP_KEY_FILE)."))
    say(_("Dekrypterar …"))
    target = staging / "archive.tar.gz"
    try:
        with source.open("rb") as encrypted_file, target.open("wb") as plain:
            crypto.decrypt(encrypted_file, plain, key)
    except crypto.CryptoError as exc:
        raise BackupError(_("%(error)s Inget har ändrats.") % {"error": exc}) from None
    return target


def _refuse_other_vendor(manifest: dict[str, Any]) -> None:
    here = database.vendor_of(_default())
    there = manifest.get("database_vendor")
    if there != here:
        raise BackupError(
            _(
                "Arkivet är från en %(there)s-databas men denna instans använder %(here)s: ett arkiv återställs bara "
                "till samma databasmotor. Flytta data mellan motorerna med `lofte dumpdata` och `lofte loaddata` "
                "(se docs/operations.md). Inget har ändrats."
            )
            % {"there": there, "here": here}
        )


def _refuse_newer(manifest: dict[str, Any]) -> None:
    try:
        newer = Version(str(manifest.get("lofte_version"))) > Version(lofte_version())
    except InvalidVersion:
        newer = True
    if newer:
        raise BackupError(
            _("Arkivet är från Löfte %(there)s, nyare än denna (%(here)s): uppgradera Löfte först. Inget har ändrats.")
            % {"there": manifest.get("lofte_version"), "here": lofte_version()}
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(tuple(item) for item in manifest.get("applied_migrations", []) if tuple(item) not in known)
    if unknown:
        raise BackupError(
            _(
                "Arkivets databas har migreringar som denna Löfte inte känner till (%(names)s): arkivet är från en "
                "nyare version. Uppgradera Löfte först. Inget har ändrats."
            )
            % {"names": ", ".join(f"{app}.{name}" for app, name in unknown[:5])}
        )


def _contents() -> tuple[int, int]:
    """(users and partnerships in the database, uploaded files) of this instance; (0, 0) when it is empty."""
    rows = 0
    tables = set(connection.introspection.table_names())
    if "django_migrations" in tables:
        from lofte.accounts.models import User
        from lofte.partnerships.models import Partnership

        rows = User.objects.count() + Partnership.objects.count()
    elif tables:
        rows = len(tables)
    files = sum(1 for root in file_trees().values() if root.is_dir() for path in root.rglob("*") if path.is_file())
    return rows, files


def _refuse_unless_empty(force: bool, confirm: Callable[[str], bool]) -> None:
    rows, files = _contents()
    if not rows and not files:
        return
    if not force:
        raise BackupError(
            _(
                "Instansen är inte tom (%(rows)s användare och samverkansrader i databasen, %(files)s uppladdade "
                "filer): arkivet återställs bara till en tom instans. Använd en ny databas och var-katalog, eller "
                "--force för att ersätta allt. Inget har ändrats."
            )
            % {"rows": rows, "files": files}
        )
    question = _(
        "Databasen (%(rows)s användare och samverkansrader) och %(files)s uppladdade filer ersätts med arkivets "
        "innehåll. Det går inte att ångra. Stoppa webbplatsen och arbetarna först. Fortsätta?"
    ) % {"rows": rows, "files": files}
    if not confirm(question):
        raise BackupError(_("Avbrutet; inget har ändrats."))


def _put_in_place(checked: Checked, say: Say) -> None:
    connections.close_all()
    files = checked.staging
    try:
        if (files / SQLITE_MEMBER).is_file():
            say(_("Återställer databasen …"))
            database.restore_sqlite(files / SQLITE_MEMBER, Path(_default()["NAME"]))
        else:
            say(_("Tömmer databasen och kör pg_restore …"))
            _drop_tables()
            database.restore_postgres(files / POSTGRES_MEMBER, _default())
    except database.DatabaseCopyError as exc:
        raise BackupError(str(exc)) from None
    connections.close_all()
    for top, root in file_trees().items():
        say(_("Återställer %(path)s …") % {"path": root})
        _replace_tree(files / top, root, files.parent / f"replaced-{top}")
    if (files / "secret_key").is_file():
        _put_secret_key(files / "secret_key", say)


def _drop_tables() -> None:
    """An emptied PostgreSQL database: tables made by a newer `migrate` would otherwise outlive pg_restore --clean."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    connections.close_all()


def _replace_tree(staged: Path, root: Path, aside: Path) -> None:
    staged.mkdir(parents=True, exist_ok=True)
    root.parent.mkdir(parents=True, exist_ok=True)
    if root.exists():
        shutil.move(str(root), str(aside))
    shutil.move(str(staged), str(root))
    private_dir(root)


def _put_secret_key(staged: Path, say: Say) -> None:
    target = secret_key_file()
    staged.chmod(PRIVATE_FILE_MODE)
    shutil.move(str(staged), str(target.with_name(".secret_key.restored")))
    os.replace(target.with_name(".secret_key.restored"), target)
    if os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE"):
        say(_("Obs: var/secret_key återställdes, men SECRET_KEY i miljön gäller före den."))


def _migrate_if_older(say: Say) -> None:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        say(_("Arkivet är äldre än koden: kör %(count)s migreringar …") % {"count": len(plan)})
        call_command("migrate", interactive=False, verbosity=0)
