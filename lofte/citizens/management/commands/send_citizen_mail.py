from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from lofte.audit.log import record
from lofte.citizens.dispatch import UNFAILED, deliver_follow_up, deliver_warning, unsent_messages
from lofte.citizens.models import Delivery
from lofte.lib.actors import SystemActor

ACTOR = SystemActor("lofte send_citizen_mail")


class Command(BaseCommand):
    help = (
        "Send what citizens' e-mail left unsent: every warning and follow-up with a delivery that was begun and "
        "not sent (after an interruption; a message a dead sender left being sent is sent again after "
        "LOFTE_MAIL_LEASE_SECONDS, with the same Message-ID), or the one given. A message the mail server refused is marked failed "
        "and waits for a retry (a member's on the warning's page, or --retry-failed here). Never sends a message "
        "to an address twice: safe from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--warning", type=int, action="append", default=[], help="Send this warning (id)")
        parser.add_argument("--follow-up", type=int, action="append", default=[], help="Send this follow-up (id)")
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="First make the failed deliveries (of the warnings and follow-ups given, or all) unsent again",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        warnings, rounds = options["warning"], options["follow_up"]
        if options["retry_failed"]:
            self._unmark_failed(warnings, rounds)
        if not warnings and not rounds:
            warnings, rounds = unsent_messages()
        sent = sum(deliver_warning(pk) for pk in warnings) + sum(deliver_follow_up(pk) for pk in rounds)
        self.stdout.write(
            f"Skickade {sent} e-postmeddelanden ({len(warnings)} varningar, {len(rounds)} uppföljningar)."
        )

    def _unmark_failed(self, warnings: list[int], rounds: list[int]) -> None:
        failed = Delivery.objects.filter(sent_at__isnull=True, failed_at__isnull=False)
        if warnings or rounds:
            failed = failed.filter(warning_id__in=warnings) | failed.filter(follow_up_id__in=rounds)
        with transaction.atomic():
            count = failed.update(**UNFAILED)
            if count:
                record("citizens.retry_failed", actor=ACTOR, changes={"deliveries": count})
