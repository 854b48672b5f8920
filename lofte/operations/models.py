from lofte.operations.schedule.models import JobRun  # noqa: F401
