from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lofte.lib.actors import SystemActor
from lofte.statistics.actions import ImportRefused, do_undo_import
from lofte.statistics.models import ImportRun


class Command(BaseCommand):
    help = "Undo an import: remove the values it added and restore the values it replaced."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("run", type=int, help="The import's number (lofte import prints it)")

    def handle(self, *args: Any, **options: Any) -> None:
        run = ImportRun.objects.filter(pk=options["run"]).first()
        if run is None:
            raise CommandError(f"Importen {options['run']} finns inte.", returncode=2)
        try:
            result = do_undo_import(run, actor=SystemActor("lofte undo-import"))
        except ImportRefused as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(json.dumps(result))
