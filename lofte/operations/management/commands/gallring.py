"""`lofte gallring [--dry-run]`: delete or anonymise what has passed its retention period (nightly).

The work is `lofte.operations.retention.job.run_gallring`; this prints its counts per kind. `--dry-run` only
counts, and writes nothing (not even the audit row)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lofte.operations.retention.job import run_gallring


class Command(BaseCommand):
    help = "Gallrar (tar bort eller avidentifierar) uppgifter vars lagringstid har gått ut. Körs varje natt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="räkna bara, ändra ingenting")

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_gallring(dry_run=options["dry_run"])
        verb = "skulle gallras" if report.dry_run else "gallrade"
        for code, count in report.counts.items():
            self.stdout.write(f"{code}: {count} {verb}")
        self.stdout.write(f"totalt: {report.total} {verb}")
