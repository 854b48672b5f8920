"""The whole test session at another moment: `pytest --clock 2027-03-28T01:30` (see `make test-clock`).

The clock is moved with time-machine before Django starts and keeps ticking from there, so every test, the
test database's migrations and the product code see that moment as "now", as they would on a server whose
clock reads it. Tests that freeze the clock themselves still do; this catches the ones that forgot and the
product code that misbehaves on a DST night, at New Year or on a leap day.

It lives at the root so it applies to `tests/` and to the apps' own `lofte/*/tests/` alike.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_TRAVELLER = pytest.StashKey[time_machine.travel]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        metavar="WHEN",
        help="run the session as if the clock read WHEN (ISO 8601; without an offset, Swedish local time; "
        "on the autumn night add the offset, +02:00 for the first 02:30 and +01:00 for the second)",
    )


def moment_of(value: str) -> datetime:
    """The aware moment an ISO 8601 text names; a time without offset is Swedish local time."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise pytest.UsageError(f"--clock {value!r}: not an ISO 8601 time ({error})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=STOCKHOLM)
    return moment


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("--clock", default=None)
    if not value:
        return
    moment = moment_of(value)
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.stash.get(_TRAVELLER, None) is None:
        return None
    local = datetime.now(STOCKHOLM)
    return f"clock moved to {local.isoformat(timespec='seconds')} (Europe/Stockholm), ticking"
