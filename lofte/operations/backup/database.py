"""Copying the database out of a running instance and back into an empty one.

SQLite: Python's `sqlite3.Connection.backup`, the online backup API, in one step. One step reads the whole database
inside one read transaction, so the copy is a consistent snapshot even while the site writes (in WAL mode a writer
never waits for it), where a copy made page by page would start over each time another connection writes, and a
plain `cp` of the file would miss what is still in the `-wal` file or catch a page half written. Restoring goes the
same way in reverse, into the instance's own database file, so a `-wal` file left beside it cannot be replayed over
the restored pages.

PostgreSQL: `pg_dump -Fc` (one transaction, so consistent too) and `pg_restore --clean --if-exists --no-owner
--single-transaction`. The programs are looked for on PATH and then in /usr/lib/postgresql/*/bin, newest first (as
scripts/with-postgres does); the connection settings go to them in the environment (PGHOST, PGPASSWORD, ...), never
on the command line, where every user of the machine could read the password.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

# DATABASES["default"]["OPTIONS"] keys that libpq also reads from the environment.
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}


class DatabaseCopyError(Exception):
    """The database could not be copied out or back; the message says why, in Swedish."""


def vendor_of(database: Mapping[str, Any]) -> str:
    engine = str(database["ENGINE"])
    if engine.endswith("sqlite3"):
        return SQLITE
    if "postgresql" in engine:
        return POSTGRESQL
    raise DatabaseCopyError(_("Databasmotorn %(engine)s kan inte säkerhetskopieras av Löfte.") % {"engine": engine})


def dump_sqlite(database: Path, target: Path) -> None:
    """Copy the live SQLite database `database` to the new file `target`, a consistent snapshot."""
    if not database.exists():
        raise DatabaseCopyError(_("Databasfilen %(path)s finns inte.") % {"path": database})
    try:
        source = sqlite3.connect(database, timeout=60)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)  # pages=-1: all in one step, in one read transaction
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
                verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise DatabaseCopyError(
            _("SQLite-databasen %(path)s kunde inte kopieras: %(error)s") % {"path": database, "error": exc}
        ) from None
    if verdict != "ok":
        raise DatabaseCopyError(_("Kopian av databasen är inte hel: %(verdict)s") % {"verdict": verdict})


def sqlite_migrations(copy: Path) -> list[tuple[str, str]]:
    """The (app, name) of every migration applied in the SQLite file `copy`."""
    connection = sqlite3.connect(copy)
    try:
        rows = connection.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        connection.close()
    return [(str(app), str(name)) for app, name in rows]


def restore_sqlite(copy: Path, database: Path) -> None:
    """Write the archived SQLite file `copy` over the instance's database `database` (created if missing)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        source = sqlite3.connect(copy)
        try:
            target = sqlite3.connect(database, timeout=60)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise DatabaseCopyError(
            _("Databasen kunde inte återställas till %(path)s: %(error)s") % {"path": database, "error": exc}
        ) from None


def find_pg_program(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name))

    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=version, reverse=True)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise DatabaseCopyError(
        _(
            "Programmet %(name)s hittades inte (varken i PATH eller i /usr/lib/postgresql/*/bin). Installera PostgreSQL-klienten (Debian: postgresql-client)."
        )
        % {"name": name}
    )


def pg_environment(database: Mapping[str, Any]) -> dict[str, str]:
    """The environment that makes libpq programs connect as Django does; the password never on a command line."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for setting, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if database.get(setting):
            environment[variable] = str(database[setting])
    for option, variable in _PG_OPTIONS.items():
        value = (database.get("OPTIONS") or {}).get(option)
        if value:
            environment[variable] = str(value)
    return environment


def _run(command: list[str], database: Mapping[str, Any], what: str) -> None:
    try:
        result = subprocess.run(  # noqa: S603 (the program is found above, the arguments are ours)
            command, env=pg_environment(database), capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise DatabaseCopyError(_("%(what)s kunde inte startas: %(error)s") % {"what": what, "error": exc}) from None
    if result.returncode != 0:
        raise DatabaseCopyError(
            _("%(what)s misslyckades (kod %(code)s): %(error)s")
            % {"what": what, "code": result.returncode, "error": result.stderr.strip()[-2000:]}
        )


def dump_postgres(database: Mapping[str, Any], target: Path) -> None:
    """`pg_dump -Fc` of the instance's database into `target`."""
    program = find_pg_program("pg_dump")
    _run([program, "--format=custom", "--no-password", f"--file={target}"], database, "pg_dump")


def restore_postgres(copy: Path, database: Mapping[str, Any]) -> None:
    """`pg_restore` the archived dump `copy` into the instance's (emptied) database, all or nothing."""
    program = find_pg_program("pg_restore")
    command = [
        program,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={database['NAME']}",
        str(copy),
    ]
    _run(command, database, "pg_restore")
