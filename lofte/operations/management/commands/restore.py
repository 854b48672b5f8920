"""`lofte restore ARCHIVE [--key-file PATH] [--force [--yes]]`: an archive from `lofte backup` into an empty instance.

Everything is checked before anything changes (docs/operations.md); `--force` replaces a non-empty instance after a
question that says what will be lost, which `--yes` answers in advance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lofte.operations.backup import crypto
from lofte.operations.backup.service import BackupError, do_restore_backup


class Command(BaseCommand):
    help = "Återställ ett arkiv från `lofte backup` till en tom instans (docs/operations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="arkivet (lofte-backup-*.tar.gz eller .tar.gz.enc)")
        parser.add_argument("--key-file", type=Path, help="nyckelfilen för ett krypterat arkiv (LOFTE_BACKUP_KEY_FILE)")
        parser.add_argument("--force", action="store_true", help="ersätt en instans som inte är tom (frågar först)")
        parser.add_argument("--yes", action="store_true", help="svara ja på frågan som --force ställer")

    def handle(self, *args: Any, **options: Any) -> None:
        key_file = options["key_file"] or settings.LOFTE_BACKUP_KEY_FILE
        try:
            key = crypto.read_key_file(Path(key_file)) if key_file else None
            do_restore_backup(
                options["archive"],
                key=key,
                force=options["force"],
                confirm=lambda question: options["yes"] or self._ask(question),
                say=self.stdout.write,
            )
        except (BackupError, crypto.CryptoError) as exc:
            raise CommandError(_("Återställningen avbröts: %(error)s") % {"error": exc}) from None

    def _ask(self, question: str) -> bool:
        self.stdout.write(question)
        try:
            answer = input(_("Skriv ja för att fortsätta: "))
        except EOFError:
            return False
        return answer.strip().lower() in {"ja", "j", "yes", "y"}
