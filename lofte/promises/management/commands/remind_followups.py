from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lofte.promises.tasks import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail the responsible parties of open follow-up rounds that are due soon, or overdue, about promises "
        "with no activity in the round's period. Once per round: safe to run daily from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Remind about rounds due within this many days (default LOFTE_FOLLOWUP_REMIND_DAYS, now "
            f"{settings.LOFTE_FOLLOWUP_REMIND_DAYS})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reminders = send_reminders(days=options["days"])
        for reminder in reminders:
            self.stdout.write(
                f"{reminder.round}: {reminder.organisation}, {len(reminder.recipients)} mottagare, "
                f"{len(reminder.promises)} löften utan aktivitet"
            )
        emails = sum(len(reminder.recipients) for reminder in reminders)
        self.stdout.write(f"Skickade {emails} påminnelser till {len(reminders)} organisationer.")
