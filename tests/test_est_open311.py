"""Open311 GeoReport v2: partner systems file and follow EST incidents with an API key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.views.debug import SafeExceptionReporterFilter

from lofte.audit.models import AuditEvent, RateBucket
from lofte.est import places
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.models import ApiKey, Category, Incident, IncidentUpdate
from lofte.est.open311.actions import do_create_api_key, do_revoke_api_key
from lofte.est.open311.keys import prefix_of
from lofte.est.queries import categories_of, settings_of
from lofte.est.status import change_status
from lofte.lib.actors import SystemActor
from tests.base import BaseTestCase

NOW = "2026-05-20 12:00 +02:00"  # every test here runs on this fixed moment (the clock stands still)

CENTRE = (58.3255, 15.1273)  # Mjölby's town centre, inside kommun 0586
SERVICES = reverse("open311:open311_services")
REQUESTS = reverse("open311:open311_requests")


@time_machine.travel(NOW, tick=False)
class Open311TestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.klotter = Category.objects.get(partnership=cls.partnership_a, code="skadegorelse.klotter")
        cls.housing_key = do_create_api_key(cls.housing_a, label="Felanmälan", actor=SystemActor("test"))[1]
        cls.outside_key = do_create_api_key(cls.kommun_org_b, label="Mullsjö", actor=SystemActor("test"))[1]

    def setUp(self) -> None:
        self.client = Client(enforce_csrf_checks=True)

    def body(self, **data: Any) -> dict[str, Any]:
        body = {
            "api_key": self.housing_key,
            "jurisdiction_id": "0586",
            "service_code": "skadegorelse.klotter",
            "lat": "58.3261",
            "long": "15.1289",
            "description": "Klotter på gavlen mot gångvägen, cirka två kvadratmeter.",
            **data,
        }
        return {k: v for k, v in body.items() if v is not None}

    def post(self, **data: Any) -> Any:
        return self.client.post(REQUESTS, self.body(**data))

    def get(self, path: str, key: str | None = None, params: dict[str, str] | None = None, **extra: Any) -> Any:
        """A GET with the key in the X-Api-Key header, where partners send it."""
        return self.client.get(path, params or {}, headers={"X-Api-Key": key} if key else {}, **extra)

    def assertError(self, response: Any, status: int, text: str = "") -> None:
        self.assertEqual(response.status_code, status, response.content)
        [error] = response.json()
        self.assertEqual(error["code"], status)
        self.assertIn(text, error["description"])

    def other_organisations_incident(self) -> Incident:
        """A report by the kommun (not the housing company) at an exact point, with a status note."""
        [incident] = report_incidents(
            self.partnership_a,
            [
                IncidentInput(
                    category=self.klotter,
                    occurred_at=timezone.now() - timedelta(days=2),
                    latitude=58.32611,
                    longitude=15.12893,
                    address="Stora torget",
                    description="Klotter på elskåpet vid torget.",
                )
            ],
            reporter=self.samordnare,
            organisation=self.kommun_org_a,
            actor=self.samordnare,
            source=Incident.Source.WEB,
        )
        change_status(
            incident, Incident.Status.GRANSKAD, actor=SystemActor("test"), access=None, note="Sanering beställd."
        )
        return incident


class Open311CreateTest(Open311TestCase):
    def test_a_post_with_a_valid_key_creates_a_request_that_get_returns(self) -> None:
        response = self.post(requested_datetime="2020-01-01T00:00:00Z")  # more than a year back: refused
        self.assertError(response, 400, "requested_datetime")
        occurred = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
        response = self.post(requested_datetime=occurred.isoformat(), email="someone@example.org", first_name="Kim")
        self.assertEqual(response.status_code, 200, response.content)
        [answer] = response.json()
        self.assertEqual(set(answer), {"service_request_id", "service_notice", "account_id"})
        self.assertIsNone(answer["account_id"])
        incident = Incident.objects.get(pk=answer["service_request_id"])
        self.assertEqual(
            (incident.source, incident.organisation, incident.reporter, incident.category),
            (Incident.Source.OPEN311, self.housing_a, None, self.klotter),
        )
        self.assertEqual(incident.occurred_at, occurred)
        self.assertEqual((incident.latitude, incident.longitude), (58.3261, 15.1289))
        self.assertEqual(incident.contact_email, "")
        event = AuditEvent.objects.get(action="est.incident.report", object_id=str(incident.pk))
        prefix = prefix_of(self.housing_key)
        self.assertEqual(event.actor_label, f"api-nyckel {prefix}")

        listed = self.get(REQUESTS, self.housing_key, {"jurisdiction_id": "mjolby"})
        self.assertEqual(listed.status_code, 200)
        [request] = listed.json()
        # The key's only partnership: no jurisdiction_id needed.
        one = self.get(reverse("open311:open311_request", args=[incident.pk]), self.housing_key)
        self.assertEqual(one.status_code, 200, one.content)
        self.assertEqual(one.json(), [request])
        self.assertEqual(request["service_request_id"], str(incident.pk))
        self.assertEqual(request["status"], "open")
        self.assertEqual(request["service_code"], "skadegorelse.klotter")
        self.assertEqual(request["service_name"], "Klotter")
        self.assertEqual(request["description"], "Klotter på gavlen mot gångvägen, cirka två kvadratmeter.")
        self.assertEqual((request["lat"], request["long"]), (58.3261, 15.1289))
        self.assertEqual(request["requested_datetime"], timezone.localtime(occurred).isoformat())
        for empty in ("expected_datetime", "address_id", "zipcode", "media_url", "agency_responsible"):
            self.assertIsNone(request[empty], empty)

    def test_an_upcoming_arrangemang_may_lie_ahead_and_other_categories_may_not(self) -> None:
        with time_machine.travel(datetime(2026, 5, 20, 14, 0, tzinfo=UTC), tick=False):
            response = self.post(service_code="arrangemang", requested_datetime="2026-06-06T18:00:00+02:00")
            self.assertEqual(response.status_code, 200, response.content)
            refused = self.post(requested_datetime="2026-06-06T18:00:00+02:00")
            self.assertError(refused, 400, "Tiden ligger i framtiden.")
            far = self.post(service_code="arrangemang", requested_datetime="2027-06-06T18:00:00+02:00")
            self.assertError(far, 400, "högst ett år i förväg")
        incident = Incident.objects.get()
        self.assertEqual(
            (incident.category.code, incident.occurred_at), ("arrangemang", datetime(2026, 6, 6, 16, tzinfo=UTC))
        )

    @time_machine.travel(datetime(2027, 3, 28, 12, 0, tzinfo=UTC), tick=False)
    def test_a_clock_time_without_offset_must_exist_once(self) -> None:
        skipped = self.post(requested_datetime="2027-03-28T02:30:00")
        self.assertError(skipped, 400, "klockan 2027-03-28 02:30 fanns inte")
        repeated = self.post(requested_datetime="2026-10-25T02:30:00")
        self.assertError(repeated, 400, "+02:00 för första gången (sommartid) eller +01:00 för andra")
        self.assertFalse(Incident.objects.exists())
        for text, stored in (
            ("2026-10-25T02:30:00+02:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
            ("2026-10-25T02:30:00+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
            ("2027-03-28T03:30:00", datetime(2027, 3, 28, 1, 30, tzinfo=UTC)),
        ):
            response = self.post(requested_datetime=text)
            self.assertEqual(response.status_code, 200, response.content)
            self.assertEqual(Incident.objects.latest("id").occurred_at, stored)

    def test_an_address_is_enough_and_the_time_defaults_to_now(self) -> None:
        response = self.post(lat=None, long=None, address_string="Kungsgatan vid återvinningen")
        self.assertEqual(response.status_code, 200, response.content)
        incident = Incident.objects.get()
        self.assertEqual(incident.address, "Kungsgatan vid återvinningen")
        self.assertLess(abs((timezone.now() - incident.occurred_at).total_seconds()), 60)

    def test_an_unknown_service_code_is_refused_with_the_error_list(self) -> None:
        self.assertError(self.post(service_code="finns.inte"), 400, "service_code")
        self.assertError(self.post(service_code="skadegorelse"), 400, "service_code")  # a group, not a leaf
        self.assertFalse(Incident.objects.exists())

    def test_a_place_is_required(self) -> None:
        self.assertError(self.post(lat=None, long=None), 400, "address_string")
        self.assertError(self.post(long=None), 400, "long")
        self.assertError(self.post(lat="norr"), 400, "lat")
        self.assertError(self.post(lat="59.3293", long="18.0686"), 400, "lat")  # Stockholm: outside the kommun
        self.assertFalse(Incident.objects.exists())

    def test_without_a_key_it_is_forbidden(self) -> None:
        self.assertError(self.post(api_key=None), 403, "api_key")
        self.assertError(self.post(api_key="lofte_abcdefgh_fel"), 403, "api_key")
        self.assertFalse(Incident.objects.exists())

    def test_a_revoked_key_is_forbidden(self) -> None:
        do_revoke_api_key(prefix_of(self.housing_key) or "", actor=SystemActor("test"))
        self.assertError(self.post(), 403, "återkallad")
        self.assertError(self.get(REQUESTS, self.housing_key), 403)
        self.assertFalse(Incident.objects.exists())

    def test_a_key_of_an_organisation_outside_the_partnership_is_forbidden(self) -> None:
        self.assertError(self.post(api_key=self.outside_key), 403, "inte part")
        self.assertError(self.get(REQUESTS, self.outside_key, {"jurisdiction_id": "0586"}), 403)
        incident = self.other_organisations_incident()
        one = reverse("open311:open311_request", args=[incident.pk])
        self.assertError(self.get(one, self.outside_key, {"jurisdiction_id": "mjolby"}), 403)
        # Its own partnership does not have the request.
        self.assertError(self.get(one, self.outside_key), 404)
        self.assertEqual(Incident.objects.count(), 1)

    def test_a_personnummer_in_the_description_is_refused_and_stored_nowhere(self) -> None:
        response = self.post(description="Personen med personnummer 811218-9876 sov i trapphuset.")
        self.assertError(response, 400, "description")
        self.assertFalse(Incident.objects.exists())
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 (table names from the database itself)
                for row in cursor.fetchall():
                    text = " ".join(str(value) for value in row)
                    for form in ("811218-9876", "8112189876", "811218"):
                        self.assertNotIn(form, text, table)

    def test_only_get_and_post_are_allowed(self) -> None:
        response = self.client.put(REQUESTS)
        self.assertError(response, 405)
        self.assertIn("POST", response["Allow"])


class Open311ReadTest(Open311TestCase):
    def test_services_lists_the_active_leaf_categories(self) -> None:
        Category.objects.filter(partnership=self.partnership_a, code="skadegorelse.glaskross").update(active=False)
        response = self.client.get(SERVICES, {"jurisdiction_id": "0586"})
        self.assertEqual(response.status_code, 200)
        services = {s["service_code"]: s for s in response.json()}
        self.assertEqual(
            services["skadegorelse.klotter"],
            {
                "service_code": "skadegorelse.klotter",
                "service_name": "Klotter",
                "description": "EST: Skadegörelse – Klotter",
                "metadata": False,
                "type": "realtime",
                "keywords": "skadegorelse, skadegorelse.klotter",
                "group": "Skadegörelse",
            },
        )
        self.assertIn("anlagd_brand", services)  # a main category without subcategories is a service itself
        self.assertNotIn("skadegorelse", services)  # one with subcategories is not
        self.assertNotIn("skadegorelse.glaskross", services)  # hidden
        leaves = [c for c in categories_of(self.partnership_a) if c.active and not c.children.exists()]
        self.assertEqual(len(services), len([c for c in leaves if c.code != "skadegorelse.glaskross"]))
        by_key = self.get(SERVICES, self.housing_key)
        self.assertEqual(by_key.json(), response.json())

    def test_services_of_an_unpublished_partnership_need_a_party_key(self) -> None:
        self.assertError(self.client.get(SERVICES, {"jurisdiction_id": "mullsjo"}), 404)
        self.assertError(self.client.get(SERVICES, {"jurisdiction_id": "9999"}), 404)
        self.assertError(self.client.get(SERVICES), 400, "jurisdiction_id")
        response = self.get(SERVICES, self.outside_key, {"jurisdiction_id": "0642"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json())
        # Mjölby's are public: any working key may read them, a party's or not.
        public = self.get(SERVICES, self.outside_key, {"jurisdiction_id": "mjolby"})
        self.assertEqual(public.status_code, 200)
        self.assertError(self.get(SERVICES, self.housing_key, {"jurisdiction_id": "mullsjo"}), 404)

    def test_another_organisations_request_has_no_description_and_a_generalised_point(self) -> None:
        incident = self.other_organisations_incident()
        response = self.get(reverse("open311:open311_request", args=[incident.pk]), self.housing_key)
        [request] = response.json()
        self.assertIsNone(request["description"])
        self.assertIsNone(request["status_notes"])
        self.assertNotEqual(request["address"], "Stora torget")
        grid = settings_of(self.partnership_a).grid_m
        expected = places.generalise(places.LatLng(58.32611, 15.12893), grid)
        self.assertEqual((request["lat"], request["long"]), (expected.lat, expected.lng))
        self.assertNotEqual((request["lat"], request["long"]), (58.32611, 15.12893))
        self.assertEqual(request["service_notice"], "Granskad")
        # Routed to the housing company, which must act on it, it sees the report as sent.
        Incident.objects.filter(pk=incident.pk).update(routed_to=self.housing_a)
        [routed] = self.get(REQUESTS, self.housing_key).json()
        self.assertEqual(routed["description"], "Klotter på elskåpet vid torget.")
        self.assertEqual(routed["status_notes"], "Sanering beställd.")
        self.assertEqual((routed["lat"], routed["long"]), (58.32611, 15.12893))
        self.assertEqual(routed["agency_responsible"], "Bostadsbolaget i Mjölby AB")

    def test_the_filters(self) -> None:
        incident = self.other_organisations_incident()
        self.assertEqual(self.post().status_code, 200)
        mine = Incident.objects.exclude(pk=incident.pk).get()
        change_status(incident, Incident.Status.AVSLUTAD, actor=SystemActor("test"), access=None)

        def ids(**params: str) -> list[str]:
            response = self.get(REQUESTS, self.housing_key, params)
            self.assertEqual(response.status_code, 200, response.content)
            return [r["service_request_id"] for r in response.json()]

        self.assertEqual(ids(), [str(mine.pk), str(incident.pk)])  # newest first
        self.assertEqual(ids(status="closed"), [str(incident.pk)])
        self.assertEqual(ids(status="open"), [str(mine.pk)])
        self.assertEqual(ids(status="open,closed"), [str(mine.pk), str(incident.pk)])
        self.assertEqual(ids(service_request_id=f"{incident.pk}"), [str(incident.pk)])
        self.assertEqual(ids(service_code="skadegorelse.glaskross"), [])
        yesterday = timezone.localdate() - timedelta(days=1)
        self.assertEqual(ids(start_date=yesterday.isoformat()), [str(mine.pk)])
        self.assertEqual(ids(end_date=yesterday.isoformat()), [str(incident.pk)])
        old = timezone.now() - timedelta(days=120)
        Incident.objects.filter(pk=incident.pk).update(occurred_at=old)
        self.assertEqual(ids(), [str(mine.pk)])  # the last 90 days by default
        self.assertEqual(ids(start_date=(old - timedelta(days=1)).isoformat()), [str(mine.pk), str(incident.pk)])
        for bad in ({"status": "pending"}, {"start_date": "igår"}, {"service_request_id": "1,x"}):
            self.assertError(self.get(REQUESTS, self.housing_key, bad), 400)

    def test_the_list_reads_in_a_fixed_number_of_queries(self) -> None:
        params = {"jurisdiction_id": "mjolby"}
        self.get(REQUESTS, self.housing_key, params)  # stamps the key's last use, opens the minute's limits
        self.other_organisations_incident()
        with CaptureQueriesContext(connection) as one:
            self.assertEqual(len(self.get(REQUESTS, self.housing_key, params).json()), 1)
        queries = len(one.captured_queries)  # now: the next request empties the log
        for _i in range(4):
            self.assertEqual(self.post().status_code, 200)
            self.other_organisations_incident()
        IncidentUpdate.objects.update(note="Åtgärdat.")
        with self.assertNumQueries(queries):
            self.assertEqual(len(self.get(REQUESTS, self.housing_key, params).json()), 9)
        # The address's slot, the key, the key's slot, partnership, party, grid, requests.
        self.assertEqual(queries, 7)


class Open311AccessTest(Open311TestCase):
    def test_a_session_is_not_a_key(self) -> None:
        """Signed in or not, a request without a key is answered alike: Open311 knows only keys."""
        one = reverse("open311:open311_request", args=[1])
        for persona, user in self.personas.items():
            client = self.client_for(user)
            with self.subTest(persona=persona):
                self.assertError(client.get(SERVICES), 400, "jurisdiction_id")
                self.assertError(client.post(SERVICES, {}), 405)
                self.assertError(client.get(REQUESTS), 403, "api_key")
                self.assertError(client.post(REQUESTS, {}), 403, "api_key")
                self.assertError(client.get(one), 403, "api_key")
                self.assertError(client.post(one, {}), 405)


class Open311LimitTest(Open311TestCase):
    """Issue 15: a key, or one client address, gets a number of requests a minute; the key is never in the URL."""

    @override_settings(LOFTE_OPEN311_PER_MINUTE=3, LOFTE_OPEN311_ADDRESS_PER_MINUTE=100)
    @time_machine.travel(datetime(2026, 5, 20, 10, 0, 45, tzinfo=UTC), tick=False)
    def test_a_key_gets_its_requests_a_minute_and_another_key_is_not_affected(self) -> None:
        self.assertEqual(self.post().status_code, 200)
        self.assertEqual(self.get(REQUESTS, self.housing_key).status_code, 200)
        self.assertEqual(self.get(SERVICES, self.housing_key).status_code, 200)
        refused = self.get(REQUESTS, self.housing_key)
        self.assertError(refused, 429, "För många anrop")
        self.assertEqual(refused["Retry-After"], "15")  # the minute ends in 15 seconds
        # From another address too: the limit is the key's.
        self.assertError(self.client.post(REQUESTS, self.body(), REMOTE_ADDR="192.0.2.7"), 429, "API-nyckel")
        self.assertEqual(Incident.objects.count(), 1)
        # Another organisation's key is not affected.
        self.assertEqual(self.get(SERVICES, self.outside_key, {"jurisdiction_id": "0642"}).status_code, 200)
        with time_machine.travel(datetime(2026, 5, 20, 10, 1, 0, tzinfo=UTC), tick=False):
            self.assertEqual(self.post().status_code, 200)  # the next minute
        self.assertEqual(Incident.objects.count(), 2)

    @override_settings(LOFTE_OPEN311_PER_MINUTE=100, LOFTE_OPEN311_ADDRESS_PER_MINUTE=4)
    def test_an_address_gets_its_requests_a_minute_whatever_keys_it_sends(self) -> None:
        self.assertEqual(self.get(REQUESTS, self.housing_key).status_code, 200)
        self.assertEqual(self.get(SERVICES, self.outside_key, {"jurisdiction_id": "0642"}).status_code, 200)
        self.assertEqual(self.get(SERVICES, None, {"jurisdiction_id": "0586"}).status_code, 200)
        self.assertError(self.post(api_key="lofte_abcdefgh_gissad"), 403)  # guessing keys counts too
        refused = self.get(SERVICES, self.outside_key, {"jurisdiction_id": "0642"})
        self.assertError(refused, 429, "adress")
        self.assertEqual(refused["Retry-After"], "60")
        self.assertError(self.post(), 429)
        self.assertFalse(Incident.objects.exists())
        # Another address is not affected, and the limit keeps no address in clear.
        other = self.get(REQUESTS, self.housing_key, REMOTE_ADDR="192.0.2.7")
        self.assertEqual(other.status_code, 200, other.content)
        keys = list(RateBucket.objects.filter(scope__startswith="open311").values_list("key", flat=True))
        self.assertTrue(keys)
        self.assertFalse([k for k in keys if "127.0.0.1" in k or "192.0.2.7" in k])

    def test_a_key_in_the_query_string_is_refused_and_not_used(self) -> None:
        incident = self.other_organisations_incident()
        one = reverse("open311:open311_request", args=[incident.pk])
        for path in (SERVICES, REQUESTS, one):
            with self.subTest(path=path):
                response = self.client.get(path, {"api_key": self.housing_key, "jurisdiction_id": "mjolby"})
                self.assertError(response, 400, "X-Api-Key")
                self.assertNotIn(self.housing_key, response.content.decode())
        # Also on a POST, and also when the body or the header carries the key as well.
        response = self.client.post(f"{REQUESTS}?api_key={self.housing_key}", self.body())
        self.assertError(response, 400, "X-Api-Key")
        headers = {"X-Api-Key": self.housing_key}
        self.assertError(self.client.get(REQUESTS, {"api_key": self.housing_key}, headers=headers), 400)
        self.assertEqual(Incident.objects.count(), 1)
        key = ApiKey.objects.get(prefix=prefix_of(self.housing_key))
        self.assertIsNone(key.last_used_at)  # never verified, so never stamped as used
        # In the header or the body it works.
        self.assertEqual(self.get(REQUESTS, self.housing_key).status_code, 200)
        self.assertEqual(self.post().status_code, 200)
        key.refresh_from_db()
        self.assertIsNotNone(key.last_used_at)

    def test_the_key_never_reaches_an_error_report(self) -> None:
        posted = self.post()
        self.assertEqual(posted.status_code, 200, posted.content)
        reporter = SafeExceptionReporterFilter()
        parameters = reporter.get_post_parameters(posted.wsgi_request)
        self.assertNotEqual(parameters["api_key"], self.housing_key)
        self.assertEqual(parameters["service_code"], "skadegorelse.klotter")  # only the key is hidden
        read = self.get(REQUESTS, self.housing_key)
        self.assertEqual(read.status_code, 200)
        meta = reporter.get_safe_request_meta(read.wsgi_request)
        self.assertNotEqual(meta["HTTP_X_API_KEY"], self.housing_key)
