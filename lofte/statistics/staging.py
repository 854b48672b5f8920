"""Long imports in short transactions: a staging table and a quick final swap.

On SQLite one writer holds the whole database: an import that wrote a million rows in one transaction kept
every sign-in waiting for a minute, and they failed with "database is locked". So an import (statistics.actions)
compares the file with what is stored by reading, a batch at a time, and writes what it would change into a
temporary table of its own database connection (`lofte_staged`); then one transaction, the swap, copies those rows
into `Observation` with INSERT … SELECT and UPDATE … FROM, records the run and commits. The import is all or
nothing as before, and the database's write lock is held for the swap alone (measured in docs/operations.md).

A temporary table is seen by its own connection only, and the database drops it when the connection ends, also
when the process is killed: staged rows are never visible to a reader and never left behind. On SQLite it lives
in the connection's own temporary database, so staging a batch takes no lock on the main database at all (it is
written outside Django's IMMEDIATE transactions, in a deferred one of its own).

`LOFTE_TEST_KILL_AT` (test only, never set in production): the import SIGKILLs itself at the named point, so the
fault tests (tests/test_long_work.py) can show that a kill anywhere leaves nothing half-written. Points: `parsed`,
`staging:N` (after the N-th staged batch), `swap` (just before the swap), `swapping` (inside it, before commit).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from lofte.lib.db import bulk_insert
from lofte.statistics.models import Observation, ObservationChange

TABLE = "lofte_staged"
COLUMNS = (
    "series_id",
    "period",
    "period_kind",
    "period_start",
    "value",
    "per_100k",
    "preliminary",
    "status",
    "observation_id",  # NULL: a new observation; else the stored one these values revise
    "previous",  # what a revision replaces (JSON, as ObservationChange keeps it)
    "previous_run",  # the import run of the replaced values
)
VALUES = ("period", "period_kind", "period_start", "value", "per_100k", "preliminary", "status")


class StagingLost(Exception):
    """A value to revise changed after the import read it (another import wrote or undid it): nothing swapped."""


def kill_point(name: str) -> None:
    """Test only: SIGKILL this process here when LOFTE_TEST_KILL_AT names this point."""
    wanted = os.environ.get("LOFTE_TEST_KILL_AT")
    if wanted and wanted == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def staging_table() -> Iterator[None]:
    """The connection's staging table, empty, for the duration of one import."""
    sqlite = connection.vendor == "sqlite"
    types = (
        "bigint, varchar(10), varchar(8), date, double precision, double precision, boolean, varchar(10), bigint, "
        + ("text" if sqlite else "jsonb")
        + ", bigint"
    ).split(", ")
    columns = ", ".join(f"{name} {kind}" for name, kind in zip(COLUMNS, types, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {'temp.' if sqlite else ''}{TABLE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {TABLE} ({columns})")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {'temp.' if sqlite else ''}{TABLE}")


def stage(rows: Sequence[Sequence[Any]]) -> None:
    """Write one batch of rows (in COLUMNS order) to the staging table in a short transaction of its own."""
    if not rows:
        return
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            bulk_insert(TABLE, COLUMNS, rows)
        return
    # Django begins SQLite transactions IMMEDIATE, which would take the main database's write lock; a deferred
    # transaction that writes only the temporary database takes none.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            bulk_insert(TABLE, COLUMNS, rows)
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")


def swap(run_id: int, *, created: int, updated: int) -> None:
    """Move the staged rows into Observation (and ObservationChange), in the caller's transaction."""
    observations, changes = Observation._meta.db_table, ObservationChange._meta.db_table
    columns = ", ".join(VALUES)
    with connection.cursor() as cursor:
        if updated:
            _require_unchanged(cursor, updated)
            cursor.execute(
                f"INSERT INTO {changes} (import_run_id, observation_id, previous) "  # noqa: S608
                f"SELECT %s, observation_id, previous FROM {TABLE} WHERE observation_id IS NOT NULL",
                [run_id],
            )
            assignments = ", ".join(f"{name} = s.{name}" for name in VALUES[3:])
            cursor.execute(
                f"UPDATE {observations} SET {assignments}, import_run_id = %s FROM {TABLE} AS s "  # noqa: S608
                f"WHERE s.observation_id = {observations}.id",
                [run_id],
            )
        if created:
            # Staged in the unique index's order (series, period), so the rows land in order without a sort.
            cursor.execute(
                f"INSERT INTO {observations} (series_id, {columns}, import_run_id) "  # noqa: S608
                f"SELECT series_id, {columns}, %s FROM {TABLE} WHERE observation_id IS NULL",
                [run_id],
            )


def _require_unchanged(cursor: Any, expected: int) -> None:
    """Each value to revise still holds what the comparison read (no other import changed or undid it since)."""
    cursor.execute(
        f"SELECT COUNT(*) FROM {TABLE} AS s JOIN {Observation._meta.db_table} AS o "  # noqa: S608
        "ON o.id = s.observation_id WHERE o.import_run_id = s.previous_run",
    )
    if cursor.fetchone()[0] != expected:
        raise StagingLost
