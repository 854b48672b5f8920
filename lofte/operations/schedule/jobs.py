"""The table of scheduled jobs: each a name, the `lofte` commands it runs (in order), when, how long it may take,
and whether it is on.

A job is off when `LOFTE_JOBS_DISABLED` names it (`LOFTE_JOBS_DISABLED=polisen,backup`), and the backup unless
`LOFTE_BACKUP_NIGHTLY` is on (by default when `LOFTE_BACKUP_DIR` is set). Read anew on each call, so a change of settings (or a test's) is seen at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from lofte.operations.schedule.timing import At, Every, When


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    commands: tuple[tuple[str, ...], ...]  # each the arguments after `lofte`
    when: When
    timeout: timedelta
    enabled: bool = True

    def command_lines(self) -> list[str]:
        return [" ".join(("lofte", *command)) for command in self.commands]


def all_jobs() -> list[Job]:
    """Every job Löfte knows, on or off, in the order the operator's page shows them."""
    disabled = {name.strip() for name in settings.LOFTE_JOBS_DISABLED.split(",") if name.strip()}
    jobs = [
        Job(
            "polisen",
            _("Hämtar Polisens senaste händelser"),
            (("fetch", "polisen"),),
            Every(timedelta(minutes=30)),
            timedelta(minutes=10),
        ),
        Job(
            "reminders",
            _("Påminner om uppföljningar som snart ska lämnas"),
            (("remind-followups",),),
            At(time(7, 0)),
            timedelta(minutes=30),
        ),
        Job("gallring", _("Gallrar det som passerat sin tid"), (("gallring",),), At(time(2, 30)), timedelta(hours=2)),
        Job(
            "prune-tasks",
            _("Tar bort gamla bakgrundsuppgifter och gränsräknare"),
            (("prune-tasks",), ("prune-limits",)),
            At(time(3, 15)),
            timedelta(minutes=30),
        ),
        Job(
            "prune-signins",
            _("Tar bort gamla inloggningsposter och utgångna sessioner"),
            (
                ("axes-reset-logs", "--age", str(settings.LOFTE_SIGNIN_LOG_DAYS)),
                ("axes-reset-failure-logs", "--age", str(settings.LOFTE_SIGNIN_LOG_DAYS)),
                ("clearsessions",),
            ),
            At(time(3, 30)),
            timedelta(minutes=30),
        ),
        Job(
            "prune-runs",
            _("Tar bort gamla rader om schemalagda körningar"),
            (("scheduler", "--prune"),),
            At(time(3, 45)),
            timedelta(minutes=10),
        ),
        Job(
            "backup",
            _("Säkerhetskopierar databasen och filerna"),
            (("backup",),),
            At(time(1, 30)),
            timedelta(hours=6),
            enabled=settings.LOFTE_BACKUP_NIGHTLY,
        ),
    ]
    return [replace(job, enabled=job.enabled and job.name not in disabled) for job in jobs]


def enabled_jobs() -> list[Job]:
    return [job for job in all_jobs() if job.enabled]


def find_job(name: str) -> Job | None:
    return next((job for job in all_jobs() if job.name == name), None)


def describe(when: When) -> str:
    """The schedule in words, for the operator's page and `lofte scheduler --list`."""
    if isinstance(when, Every):
        minutes = int(when.interval.total_seconds() // 60)
        if minutes % 60 == 0:
            return _("var %(hours)s:e timme") % {"hours": minutes // 60} if minutes > 60 else _("varje timme")
        return _("var %(minutes)s:e minut") % {"minutes": minutes}
    clock = when.clock.strftime("%H:%M")
    if when.weekday is None:
        return _("varje dag kl. %(clock)s") % {"clock": clock}
    weekdays = [_("måndag"), _("tisdag"), _("onsdag"), _("torsdag"), _("fredag"), _("lördag"), _("söndag")]
    return _("varje %(weekday)s kl. %(clock)s") % {"weekday": weekdays[when.weekday], "clock": clock}
