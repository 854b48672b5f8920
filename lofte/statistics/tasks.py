from __future__ import annotations

from django_tasks import task


@task()
def process_import_job(job_id: int) -> None:
    """Check or import an uploaded file too large to handle during the request."""
    from lofte.statistics.actions import do_process_import_job

    do_process_import_job(job_id)
