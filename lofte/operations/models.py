"""The operations app's models: each sub-package's own, imported here so Django finds them."""

from lofte.operations.worker.models import WorkerBeat  # noqa: F401
