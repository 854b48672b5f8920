"""The operations app's models: each sub-package's own, imported here so Django finds them."""

from lofte.operations.retention.models import RetentionPolicy  # noqa: F401
from lofte.operations.schedule.models import JobRun  # noqa: F401
from lofte.operations.worker.models import WorkerBeat  # noqa: F401
