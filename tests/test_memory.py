from __future__ import annotations

import gc

import pytest

from lofte.lib.memory import cycle_collector_paused


def test_it_pauses_the_cycle_collector_and_restores_it_even_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collector_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_it_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
