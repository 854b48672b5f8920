from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lofte.citizens.dispatch import deliver_follow_up, deliver_warning, unsent_messages


class Command(BaseCommand):
    help = (
        "Send what citizens' e-mail left unsent: every warning and follow-up with a delivery that was begun and "
        "not sent (after a failure), or the one given. Never sends a message to an address twice: safe from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--warning", type=int, action="append", default=[], help="Send this warning (id)")
        parser.add_argument("--follow-up", type=int, action="append", default=[], help="Send this follow-up (id)")

    def handle(self, *args: Any, **options: Any) -> None:
        warnings, rounds = options["warning"], options["follow_up"]
        if not warnings and not rounds:
            warnings, rounds = unsent_messages()
        sent = sum(deliver_warning(pk) for pk in warnings) + sum(deliver_follow_up(pk) for pk in rounds)
        self.stdout.write(
            f"Skickade {sent} e-postmeddelanden ({len(warnings)} varningar, {len(rounds)} uppföljningar)."
        )
