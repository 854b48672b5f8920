from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lofte.statistics import formats
from lofte.statistics.actions import ImportSummary, do_import
from lofte.statistics.sources.base import ImportFileError


class Command(BaseCommand):
    help = "Import statistics or police events from a file (Brå, SCB PX/JSON-stat, Kolada, Polisen). All or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=[f.name for f in formats.FORMATS], help="Skip detection")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, save nothing")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: kan inte läsa filen ({exc.strerror}).", returncode=2) from None
        with tqdm(total=0, unit="rad", disable=options["json"], file=self.stderr, leave=False) as bar:
            try:
                summary = do_import(
                    raw,
                    path.name,
                    actor="lofte import",
                    format_name=options["format"],
                    dry_run=options["dry_run"],
                    on_progress=lambda done, total: _advance(bar, done, total),
                )
            except ImportFileError as exc:
                raise CommandError(str(exc), returncode=2) from None
        self._report(summary, as_json=options["json"])

    def _report(self, summary: ImportSummary, *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
            return
        prefix = "Provkörning, inget sparat. " if summary.dry_run else ""
        self.stdout.write(
            f"{prefix}{summary.file} ({summary.format}): {summary.rows_read} rader lästa; "
            f"{summary.created} nya, {summary.updated} ändrade, {summary.unchanged} oförändrade."
        )
        if not summary.changed_anything and not summary.dry_run:
            self.stdout.write("Inget ändrades: allt i filen fanns redan.")
        elif summary.run:
            self.stdout.write(f"Import {summary.run} sparad. Ångra med: lofte undo-import {summary.run}")
        for warning in summary.warnings:
            self.stderr.write(f"Varning: {warning}")


def _advance(bar: tqdm, done: int, total: int) -> None:
    bar.total = total
    bar.n = done
    bar.refresh()
