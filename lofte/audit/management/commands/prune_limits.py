"""`lofte prune-limits`: delete the rate limits' counters whose window has passed (run it daily from cron).

The counters hold keyed hashes of client addresses; a new window deletes the expired ones too, so this only
matters on an instance that gets no requests."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lofte.audit.limits import prune


class Command(BaseCommand):
    help = "Tar bort räknarna för gränser (hashade adresser) vars tidsfönster har passerat."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = prune()
        self.stdout.write(f"{deleted} räknare borttagna.")
