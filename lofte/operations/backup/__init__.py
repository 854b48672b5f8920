"""Backup and restore of one Löfte instance: `lofte backup` and `lofte restore` (docs/operations.md).

`archive.py` writes and checks the archive (a tar.gz with a manifest of checksums), `database.py` copies the
database out and back (SQLite's online backup API, PostgreSQL's pg_dump/pg_restore), `crypto.py` encrypts an archive
with a key file, `prune.py` picks old archives to delete, and `service.py` puts them together for the two commands.
"""
