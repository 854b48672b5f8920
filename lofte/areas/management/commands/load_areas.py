from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lofte.areas.actions import do_import_subdivisions
from lofte.areas.geometry import AreaFileError, check_size, parse_area_file
from lofte.areas.models import Area
from lofte.lib.actors import SystemActor


class Command(BaseCommand):
    help = (
        "Load a kommun's own districts, or SCB's RegSO/DeSO areas, from a GeoJSON file. "
        "Re-running the same file updates what changed and never duplicates."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--kommun", help="Kommun code (four digits) the areas belong to")
        where.add_argument("--kommun-property", help="Property holding each area's kommun code (national files)")
        parser.add_argument("--kind", choices=["district", "regso", "deso"], default="district")
        parser.add_argument("--name-property", default="name")
        parser.add_argument("--code-property", default=None)
        parser.add_argument("--dry-run", action="store_true", help="Check and count, but save nothing")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        kommun = None
        if options["kommun"]:
            kommun = Area.objects.filter(code=options["kommun"], kind=Area.Kind.KOMMUN).first()
            if kommun is None:
                raise CommandError(f"Okänd kommunkod: {options['kommun']}")
        try:
            check_size(path.stat().st_size, path.name)  # before reading, so a huge file is never loaded
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: kan inte läsa filen ({exc.strerror}).") from None
        except AreaFileError as exc:
            raise CommandError(str(exc)) from None
        try:
            parsed = parse_area_file(
                raw,
                path.name,
                name_property=options["name_property"],
                code_property=options["code_property"],
                kommun_property=options["kommun_property"],
            )
            with tqdm(total=len(parsed), unit="område", disable=options["json"], file=self.stderr) as bar:
                result = do_import_subdivisions(
                    parsed,
                    kind=options["kind"],
                    filename=path.name,
                    kommun=kommun,
                    actor=SystemActor("lofte load-areas"),
                    dry_run=options["dry_run"],
                    on_each=lambda: bar.update(1),
                )
        except AreaFileError as exc:
            raise CommandError(str(exc)) from None
        summary = {"file": str(path), "dry_run": options["dry_run"], **result.summary()}
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return
        prefix = "Provkörning, inget sparat: " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}{summary['created']} nya, {summary['updated']} ändrade, {summary['unchanged']} oförändrade."
        )
        for warning in result.warnings:
            self.stderr.write(f"Varning: {warning}")
