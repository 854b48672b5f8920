"""`lofte apikey create|list|revoke`: Open311 API keys of partner organisations."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from lofte.est.models import ApiKey
from lofte.est.open311.actions import ApiKeyRefused, do_create_api_key, do_revoke_api_key
from lofte.lib.actors import SystemActor
from lofte.partnerships.models import Organisation


def _actor() -> SystemActor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid, as in some containers
        user = "?"
    return SystemActor(f"lofte apikey ({user})")


def find_organisation(name: str) -> Organisation:
    """The organisation with exactly this name or slug."""
    found = list(Organisation.objects.filter(Q(name=name) | Q(slug=name)).order_by("slug")[:5])
    if not found:
        raise CommandError(f"Det finns ingen organisation som heter eller har kortnamnet {name!r}.", returncode=2)
    if len(found) > 1:
        slugs = ", ".join(o.slug for o in found)
        raise CommandError(f"{name!r} kan vara flera organisationer ({slugs}); ange kortnamnet.", returncode=2)
    return found[0]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "–"


class Command(BaseCommand):
    help = "Create, list and revoke the Open311 API keys of partner organisations."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        create = actions.add_parser("create", help="Create a key and print it once")
        create.add_argument("--organisation", required=True, metavar="NAME", help="Exact name or slug")
        create.add_argument("--label", default="", metavar="TEXT", help="What the key is for, e.g. the system")
        listing = actions.add_parser("list", help="List keys (never the keys themselves)")
        listing.add_argument("--organisation", metavar="NAME", help="Only this organisation (exact name or slug)")
        revoking = actions.add_parser("revoke", help="Revoke a key; it stops working at once")
        revoking.add_argument("prefix", metavar="PREFIX")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(find_organisation(options["organisation"]), options["label"])
        elif action == "list":
            self._list(options["organisation"])
        else:
            self._revoke(options["prefix"])

    def _create(self, organisation: Organisation, label: str) -> None:
        try:
            key, plaintext = do_create_api_key(organisation, label=label, actor=_actor())
        except ApiKeyRefused as refused:
            raise CommandError(str(refused), returncode=2) from None
        self.stdout.write(f"API-nyckel för {organisation.name} (prefix {key.prefix}):")
        self.stdout.write(plaintext)
        self.stdout.write(
            "Spara nyckeln nu: den visas inte igen och kan inte tas fram ur Löfte. "
            f"Tappar ni bort den, återkalla den med `lofte apikey revoke {key.prefix}` och skapa en ny."
        )

    def _list(self, organisation_name: str | None) -> None:
        keys = ApiKey.objects.select_related("organisation").order_by("organisation__name", "created_at")
        if organisation_name:
            keys = keys.filter(organisation=find_organisation(organisation_name))
        rows = [
            (
                key.prefix,
                key.organisation.name,
                key.label or "–",
                _when(key.created_at),
                _when(key.last_used_at),
                _when(key.revoked_at),
            )
            for key in keys
        ]
        if not rows:
            self.stdout.write("Inga API-nycklar.")
            return
        header = ("prefix", "organisation", "benämning", "skapad", "senast använd", "återkallad")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def _revoke(self, prefix: str) -> None:
        try:
            key = do_revoke_api_key(prefix, actor=_actor())
        except ApiKeyRefused as refused:
            raise CommandError(str(refused), returncode=2) from None
        self.stdout.write(f"API-nyckeln {key.prefix} ({key.organisation.name}) är återkallad.")
