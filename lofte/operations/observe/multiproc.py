"""Where gunicorn's workers keep their request counters (prometheus-client's multiprocess mode; see metrics.py).

Apart from metrics.py because prometheus-client decides at import whether it runs in multiprocess mode: this module
imports nothing of it, so `lofte serve` can set the variable first.
"""

from __future__ import annotations

import os
from pathlib import Path


def prepare_multiprocess_dir(var_dir: Path) -> Path:
    """Point prometheus-client at an empty `var/metrics/` (or the PROMETHEUS_MULTIPROC_DIR given) and return it.
    Counters from an earlier run are removed: they would be added to this run's."""
    directory = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(var_dir) / "metrics")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory
