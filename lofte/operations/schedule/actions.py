"""The operator's one change on the jobs' page: queue a run of a job now."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lofte.audit.log import record
from lofte.lib.actors import Actor, user_of
from lofte.lib.refusals import ActionRefused
from lofte.operations.schedule.jobs import Job, find_job
from lofte.operations.schedule.tasks import run_job


class JobRefused(ActionRefused):
    pass


def do_request_job_run(name: str, *, actor: Actor) -> Job:
    """Queue a run of the job for the worker (after commit), audited; only a förvaltare (superuser) may."""
    user = user_of(actor)
    if user is None or not user.is_superuser:
        raise JobRefused(_("Bara en förvaltare kan starta ett schemalagt jobb."))
    job = find_job(name)
    if job is None:
        raise JobRefused(_("Det finns inget jobb som heter ”%(name)s”.") % {"name": name[:40]}, field="job")
    if not job.enabled:
        raise JobRefused(_("Jobbet ”%(name)s” är avstängt.") % {"name": job.name}, field="job")
    requested_at = timezone.now()
    with transaction.atomic():
        record("schedule.run_requested", actor=actor, changes={"job": job.name, "requested_at": requested_at})
        transaction.on_commit(lambda: run_job.enqueue(job.name, requested_at.isoformat()))
    return job
