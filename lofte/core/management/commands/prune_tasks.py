"""`lofte prune-tasks`: delete finished background tasks older than LOFTE_TASK_RETENTION_DAYS (from cron, daily).

The django-tasks database backend keeps every task's arguments and result in its table after it has run; the
rows say who was mailed what and when. django-tasks-db's own `prune_db_task_results` does the deleting; this
command runs it over every queue with Löfte's retention, so one cron line covers it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

DATABASE_TASKS = "django_tasks_db.DatabaseBackend"


class Command(BaseCommand):
    help = (
        "Delete finished background tasks (their arguments and results) older than LOFTE_TASK_RETENTION_DAYS. "
        "Safe to run daily from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="keep tasks finished within this many days")
        parser.add_argument("--dry-run", action="store_true", help="only say how many would be deleted")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TASKS["default"]["BACKEND"] != DATABASE_TASKS:
            self.stdout.write("Tasks are not kept in the database (TASKS_BACKEND); nothing to prune.")
            return
        days = settings.LOFTE_TASK_RETENTION_DAYS if options["days"] is None else options["days"]
        call_command(
            "prune_db_task_results",
            queue_name="*",
            min_age_days=max(0, days),
            dry_run=options["dry_run"],
            verbosity=options["verbosity"],
            stdout=self.stdout,
            stderr=self.stderr,
        )
