"""Limits that hold under parallel requests (`audit.limits`), and anonymous citizens' actions kept apart from their
address: the tip and subscription limits reserve a slot atomically, twenty parallel posts against a limit of five
store exactly five, and no audit row or other table keeps the address of a citizen who sent a tip or subscribed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from lofte.areas.models import Area
from lofte.areas.reference import load_reference_areas
from lofte.audit import limits
from lofte.audit.models import AuditEvent, RateBucket
from lofte.citizens.models import Subscription
from lofte.citizens.tips.forms import GUARD
from lofte.est.models import Incident
from lofte.est.queries import categories_of
from lofte.lib.actors import SystemActor
from lofte.partnerships.actions import do_create_organisation, do_create_partnership
from lofte.partnerships.models import Organisation, Partnership
from tests.cases import stored_text_columns

ADDRESS = "203.0.113.77"  # TEST-NET-3: an address no fixture holds
PARALLEL = 20
MJOLBY = (58.32547, 15.12731)


def parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment, each on its own database connection."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# SQLite's in-memory test database is shared between threads in shared-cache mode, whose table locks fail a second
# writer at once ("database table is locked") where a database file makes it wait; so the requests in parallel run
# on PostgreSQL (`scripts/with-postgres .venv/bin/pytest tests/test_abuse_limits.py`), and on SQLite, whose one
# writer at a time runs each of the limit's single statements whole, the same limits are checked one by one.
in_parallel = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="parallel writers need a database that queues them: PostgreSQL"
)


@pytest.fixture
def partnership(transactional_db: None) -> Partnership:
    if not Area.objects.filter(code="0586").exists():
        load_reference_areas(Area)
    kommun = Area.objects.get(code="0586")
    organisation = do_create_organisation(
        name="Mjölby kommun", kind=Organisation.Kind.KOMMUN, area=kommun, actor=SystemActor("test")
    )
    return do_create_partnership(
        name="Samverkan Mjölby",
        slug="mjolby",
        area=kommun,
        organisations=[organisation],
        is_published=True,
        actor=SystemActor("test"),
    )


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel("2026-05-20 12:00 +02:00", tick=False):
        yield


def tip_data(partnership: Partnership, description: str = "Gångtunneln är helt mörk på kvällen.") -> dict[str, Any]:
    category = next(c for c in categories_of(partnership) if c.code == "otrygg_plats.belysning")
    return {
        "category": category.pk,
        "latitude": MJOLBY[0],
        "longitude": MJOLBY[1],
        "place_name": "",
        "description": description,
        "email": "",
        "hemsida": "",
        "startad": GUARD.stamp(issued=timezone.now().timestamp() - 30),
    }


@in_parallel
@pytest.mark.django_db(transaction=True)
def test_parallel_posts_through_the_guard_get_exactly_the_limit(partnership: Partnership, frozen: None) -> None:
    request = RequestFactory().post("/kommun/0586/tipsa/", REMOTE_ADDR=ADDRESS)
    slots = parallel(PARALLEL, lambda _i: GUARD.take(request))
    assert [s for s in slots if isinstance(s, Exception)] == []
    assert sum(s is not None for s in slots) == GUARD.limit == 5
    assert RateBucket.objects.get().count == 5


@in_parallel
@pytest.mark.django_db(transaction=True)
def test_parallel_tips_store_exactly_the_limit(partnership: Partnership, frozen: None) -> None:
    assert GUARD.limit == 5
    data = tip_data(partnership)

    def post(_i: int) -> int:
        return Client(REMOTE_ADDR=ADDRESS).post("/kommun/0586/tipsa/", data).status_code

    statuses = parallel(PARALLEL, post)
    assert sorted(statuses) == [302] * 5 + [429] * (PARALLEL - 5), statuses
    assert Incident.objects.filter(partnership=partnership).count() == 5


@in_parallel
@pytest.mark.django_db(transaction=True)
def test_parallel_subscriptions_pass_the_limit_exactly(partnership: Partnership, frozen: None, settings: Any) -> None:
    settings.LOFTE_SUBSCRIBE_PER_HOUR = 5
    kommun = partnership.area

    def post(i: int) -> int:
        data = {"area": kommun.pk, "email": f"person{i}@example.org", "warnings": "on", "follow_ups": "on"}
        return Client(REMOTE_ADDR=ADDRESS).post("/kommun/0586/prenumerera/", data).status_code

    statuses = parallel(PARALLEL, post)
    assert sorted(statuses) == [200] * 5 + [429] * (PARALLEL - 5), statuses
    assert Subscription.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_guard_counts_to_its_limit_and_no_further(partnership: Partnership, frozen: None) -> None:
    request = RequestFactory().post("/kommun/0586/tipsa/", REMOTE_ADDR=ADDRESS)
    slots = [GUARD.take(request) for _i in range(PARALLEL)]
    assert sum(s is not None for s in slots) == 5
    assert RateBucket.objects.get().count == 5
    other = RequestFactory().post("/kommun/0586/tipsa/", REMOTE_ADDR="198.51.100.9")
    assert GUARD.take(other) is not None


@pytest.mark.django_db(transaction=True)
def test_a_refused_tip_gives_its_slot_back(partnership: Partnership, frozen: None) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    for _i in range(7):
        assert client.post("/kommun/0586/tipsa/", tip_data(partnership, description="")).status_code == 400
    assert [b.count for b in RateBucket.objects.all()] == [0]
    for _i in range(5):
        assert client.post("/kommun/0586/tipsa/", tip_data(partnership)).status_code == 302
    assert client.post("/kommun/0586/tipsa/", tip_data(partnership)).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_no_table_keeps_the_address_of_an_anonymous_citizen(partnership: Partnership, frozen: None) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    assert client.post("/kommun/0586/tipsa/", tip_data(partnership)).status_code == 302
    subscribe = {"area": partnership.area_id, "email": "person@example.org", "warnings": "on", "follow_ups": "on"}
    assert client.post("/kommun/0586/prenumerera/", subscribe).status_code == 200
    subscription = Subscription.objects.get()
    assert client.post(f"/prenumeration/{subscription.token}/bekrafta/").status_code == 200
    assert client.post(f"/prenumeration/{subscription.token}/avsluta/").status_code == 200

    citizens = AuditEvent.objects.filter(actor_label__in=["medborgare", "en prenumeration"])
    assert sorted(citizens.values_list("action", flat=True)) == [
        "est.incident.report",
        "subscription.confirm",
        "subscription.create",
        "subscription.unsubscribe",
    ]
    assert list(AuditEvent.objects.exclude(ip_address=None).values_list("action", "ip_address")) == []
    assert stored_text_columns(ADDRESS) == []
    assert RateBucket.objects.count() == 2  # the tip's and the subscription's limits, by a keyed hash only
    assert set(RateBucket.objects.values_list("key", flat=True)) == {limits.address_key(ADDRESS)}


@pytest.mark.django_db(transaction=True)
def test_only_an_anonymous_citizens_rows_lose_the_address(partnership: Partnership) -> None:
    from lofte.audit.log import current_ip, record

    token = current_ip.set(ADDRESS)
    try:
        kept = record("prov", actor=SystemActor("lofte prov"))
        anonymous = record("prov", actor=SystemActor("medborgare", anonymous=True))
    finally:
        current_ip.reset(token)
    assert AuditEvent.objects.get(pk=kept.pk).ip_address == ADDRESS
    assert AuditEvent.objects.get(pk=anonymous.pk).ip_address is None


@pytest.mark.django_db(transaction=True)
def test_the_hashes_are_deleted_once_their_window_has_passed(partnership: Partnership) -> None:
    start = timezone.now()
    hourly = limits.Limit("prov", limit=5, window=3600)
    assert hourly.take("a", now=start) is not None
    assert hourly.take("b", now=start) is not None
    assert RateBucket.objects.count() == 2
    assert hourly.take("c", now=start + timedelta(hours=1)) is not None  # a new window deletes the last one's
    assert set(RateBucket.objects.values_list("key", flat=True)) == {"c"}
    with time_machine.travel(start + timedelta(days=1), tick=False):
        call_command("prune_limits", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert RateBucket.objects.count() == 0
    with pytest.raises(ValueError, match="at most a day"):
        limits.Limit("prov", limit=1, window=2 * 24 * 3600)


@pytest.mark.django_db(transaction=True)
def test_retry_after_is_the_rest_of_the_window(partnership: Partnership, frozen: None) -> None:
    limit = limits.Limit("prov", limit=1, window=60)
    now = timezone.now() + timedelta(seconds=15)
    assert limit.retry_after(now) == 45
