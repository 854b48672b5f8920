"""Memory helpers for the few places that make millions of objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a large import makes millions of small tuples.

    It would scan the growing heap again and again (a fifth of a million-row import); the tuples hold no
    cycles, so reference counting alone frees them. Process-wide, so only around work that ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
