"""The operations app's models, each defined in its sub-package."""

from lofte.operations.retention.models import RetentionPolicy  # noqa: F401
from lofte.operations.schedule.models import JobRun  # noqa: F401
