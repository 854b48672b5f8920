"""`lofte backup [--to DIR] [--key-file PATH]`: one dated archive of this instance (docs/operations.md).

`lofte backup --new-key-file PATH` makes a key file for encrypted archives instead. After a backup, archives older
than the retention (`--keep-daily/--keep-weekly/--keep-monthly`, LOFTE_BACKUP_KEEP_*) are deleted from the directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lofte.operations.backup import crypto, prune
from lofte.operations.backup.service import BackupError, do_create_backup


class Command(BaseCommand):
    help = "Skriv ett daterat arkiv med databasen, uppladdade filer och manifest (docs/operations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, help="katalogen för arkivet (LOFTE_BACKUP_DIR)")
        parser.add_argument(
            "--key-file", type=Path, help="kryptera arkivet med denna nyckelfil (LOFTE_BACKUP_KEY_FILE)"
        )
        parser.add_argument(
            "--no-encryption", action="store_true", help="kryptera inte, fast LOFTE_BACKUP_KEY_FILE är satt"
        )
        parser.add_argument(
            "--new-key-file", type=Path, help="skapa en ny nyckelfil (läsbar bara för ägaren) och avsluta"
        )
        parser.add_argument("--keep-daily", type=int, help="behåll det senaste arkivet för så många dagar")
        parser.add_argument("--keep-weekly", type=int, help="behåll det senaste arkivet för så många veckor")
        parser.add_argument("--keep-monthly", type=int, help="behåll det senaste arkivet för så många månader")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key_file"]:
            self._new_key_file(options["new_key_file"])
            return
        to = options["to"] or Path(settings.LOFTE_BACKUP_DIR)
        key_file = None if options["no_encryption"] else options["key_file"] or settings.LOFTE_BACKUP_KEY_FILE
        try:
            key = crypto.read_key_file(Path(key_file)) if key_file else None
            archive = do_create_backup(to=to, key=key, say=self.stdout.write)
        except (BackupError, crypto.CryptoError) as exc:
            raise CommandError(_("Säkerhetskopieringen misslyckades: %(error)s") % {"error": exc}) from None
        except OSError as exc:
            raise CommandError(
                _("Säkerhetskopieringen misslyckades (%(path)s): %(error)s") % {"path": to, "error": exc}
            ) from None
        self._prune(archive.parent, options)

    def _new_key_file(self, path: Path) -> None:
        try:
            crypto.new_key_file(path)
        except crypto.CryptoError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "Nyckelfilen %(path)s är skapad (bara ägaren kan läsa den). Spara en kopia på ett annat ställe än "
                "arkiven: utan den går ett krypterat arkiv inte att återställa."
            )
            % {"path": path}
        )

    def _prune(self, directory: Path, options: dict[str, Any]) -> None:
        limits = {
            name: options[f"keep_{name}"]
            if options[f"keep_{name}"] is not None
            else getattr(settings, f"LOFTE_BACKUP_KEEP_{name.upper()}")
            for name in ("daily", "weekly", "monthly")
        }
        old = prune.to_delete(directory.iterdir(), **limits)
        for path in old:
            path.unlink()
            self.stdout.write(_("Gallrade det gamla arkivet %(name)s.") % {"name": path.name})
