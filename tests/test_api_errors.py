"""Every endpoint of the JSON API answers bad input in its one error shape, with a status its OpenAPI entry lists.

The endpoints and their parameters are read from the OpenAPI document itself, so a new endpoint is walked too.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from lofte.areas.models import Area
from lofte.lib.actors import SystemActor
from lofte.statistics.actions import do_import
from lofte.statistics.models import Event
from tests.base import BaseTestCase

SOURCES = Path(__file__).resolve().parent.parent / "lofte/statistics/sources"
EVENTS = SOURCES / "polisen/fixtures/polisen_events_mjolby_motala_mullsjo.json"
YEARLY = SOURCES / "bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"


def import_data() -> None:
    """Values and events, so that a bad year or moment reaches the queries rather than a 404 before them."""
    for path in (YEARLY, EVENTS):
        do_import(path.read_bytes(), path.name, actor=SystemActor("test"))


# A well-formed value for each parameter, so only the one under test is bad.
GOOD = {
    "code": "0586",
    "slug": "mjolby",
    "version": "1",
    "lofte_id": "1",
    "promise_id": "1",
    "area": "0586",
    "metric": "anmalda.totalt",
    "year": "2025",
}
BODIES = {  # well-formed for every endpoint of the method (a promise's status, an activity, an invitation, a role)
    "patch": {"status": "pagar", "role": "lasare"},
    "post": {
        "date": "2025-05-01",
        "text": "Trygghetsvandring i centrum.",
        "email": "ny@mjolby.example",
        "name": "Nora Ny",
        "organisation": "mjolby-kommun",
        "role": "lasare",
    },
}
# Values no parameter of the type may take, whatever its bounds.
INVALID = {
    "integer": ["abc", "1.5", "1e400", "0x10", "½"],
    "boolean": ["maybe", "ja tack"],
    "string": ["\x00", "a\x00b", "x" * 201],
    "date-time": [
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00",
        "igår",
        "2025-13-01T00:00:00Z",
        "2025-02-30T12:00:00+01:00",
    ],
    "enum": ["planet", "YEAR", ""],
}
# Values that may be fine for one parameter and bad for another: never a 500, always a status the schema lists.
ODD = {
    "integer": ["0", "-1", "10000", "9" * 40, "-" + "9" * 40, ""],
    "string": ["", " ", "..", "%", "'; drop table areas; --", "ö" * 200, "😀"],
    "date-time": ["2025-01-01T00:00:00", "2025-03-30T02:30:00", "2025-01-01T00:00:00Z", "1900-01-01T00:00:00+00:00"],
}


def document() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()  # type: ignore[no-any-return]


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in document()["paths"].items() for method, op in ops.items()]


def kind(schema: dict[str, Any]) -> str:
    """The kind of a parameter's schema, looking through Optional (anyOf with null) and arrays."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    schema = options[0]
    if schema.get("type") == "array":
        return kind(schema["items"])
    if "enum" in schema:
        return "enum"
    if schema.get("format") == "date-time":
        return "date-time"
    return str(schema.get("type"))


def bounds(schema: dict[str, Any]) -> list[str]:
    """Just outside a bounded integer's range."""
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    found = []
    if "minimum" in options[0]:
        found.append(str(options[0]["minimum"] - 1))
    if "maximum" in options[0]:
        found.append(str(options[0]["maximum"] + 1))
    return found


class Walker:
    """Builds one request per bad value, with every other parameter well-formed."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def call(self, method: str, path: str, op: dict[str, Any], name: str, value: str) -> Any:
        params = {p["name"]: p for p in op.get("parameters", [])}
        url = path
        query: dict[str, str] = {}
        for pname, param in params.items():
            chosen = value if pname == name else GOOD.get(pname)
            if param["in"] == "path":
                url = url.replace("{" + pname + "}", quote(chosen or "x", safe=""))
            elif chosen is not None and (pname == name or param.get("required")):
                query[pname] = chosen
        if query:
            url += "?" + urlencode(query)
        body = BODIES.get(method)
        if body is None:
            return getattr(self.client, method)(url)
        return getattr(self.client, method)(url, data=json.dumps(body), content_type="application/json")


class BadParameterTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        import_data()

    def setUp(self) -> None:
        self.walker = Walker(self.client_for(self.samordnare))  # signed in, so sign-in is not what answers

    def assert_error_shape(self, response: Any, code: str | None = None) -> dict[str, Any]:
        body = response.json()
        self.assertEqual(set(body), {"error"})
        self.assertEqual(set(body["error"]), {"code", "message", "details"})
        self.assertTrue(body["error"]["message"])
        if code is not None:
            self.assertEqual(body["error"]["code"], code)
        return body["error"]  # type: ignore[no-any-return]

    def test_it_answers_400_for_every_invalid_parameter_of_every_endpoint(self) -> None:
        walked = 0
        for method, path, op in operations():
            for param in op.get("parameters", []):
                values = INVALID.get(kind(param["schema"]), []) + bounds(param["schema"])
                self.assertTrue(values, f"no bad values for {param['name']} of {method} {path}")
                for value in values:
                    with self.subTest(method=method, path=path, param=param["name"], value=value[:30]):
                        response = self.walker.call(method, path, op, param["name"], value)
                        self.assertEqual(response.status_code, 400, response.content[:300])
                        error = self.assert_error_shape(response, "bad_request")
                        self.assertIn(param["name"], json.dumps(error["details"]))
                        self.assertIn("400", op["responses"])
                        walked += 1
        self.assertGreater(walked, 100)

    def test_it_never_answers_500_and_only_with_statuses_the_schema_lists(self) -> None:
        for method, path, op in operations():
            for param in op.get("parameters", []):
                for value in ODD.get(kind(param["schema"]), []):
                    with self.subTest(method=method, path=path, param=param["name"], value=value[:30]):
                        response = self.walker.call(method, path, op, param["name"], value)
                        self.assertIn(str(response.status_code), op["responses"], response.content[:300])
                        if response.status_code >= 400:
                            self.assert_error_shape(response)

    def test_it_answers_the_examples_from_the_issue_with_400(self) -> None:
        client = Client()
        for url in (
            "/api/v1/observations?area=0586&metric=anmalda.totalt&from=0",
            "/api/v1/observations?area=0586&metric=anmalda.totalt&from=-1",
            "/api/v1/observations?area=0586&metric=anmalda.totalt&to=10000",
            "/api/v1/events?since=9999-12-31T23:59:59-01:00",
            "/api/v1/areas?kind=planet",
        ):
            with self.subTest(url):
                response = client.get(url)
                self.assertEqual(response.status_code, 400)
                self.assert_error_shape(response, "bad_request")

    def test_it_reads_a_time_without_an_offset_as_swedish_time(self) -> None:
        newest = Event.objects.order_by("-occurred_at").first()
        assert newest is not None
        local = newest.occurred_at.astimezone(ZoneInfo("Europe/Stockholm")).replace(tzinfo=None)
        found = Client().get("/api/v1/events", {"since": local.isoformat()}).json()
        self.assertEqual([event["id"] for event in found], [newest.source_id])
        later = (local + timedelta(seconds=1)).isoformat()
        self.assertEqual(Client().get("/api/v1/events", {"since": later}).json(), [])
        # The hour the clocks skip in spring is still a time to search from.
        self.assertEqual(Client().get("/api/v1/events", {"since": "2025-03-30T02:30:00"}).status_code, 200)

    def test_it_keeps_a_bad_body_apart_as_422(self) -> None:
        response = self.client_for(self.samordnare).patch(
            "/api/v1/promises/items/1", data='{"status": 5, "progress": "mycket"}', content_type="application/json"
        )
        self.assertEqual(response.status_code, 422)
        self.assert_error_shape(response, "invalid")


class UnauthenticatedTest(BaseTestCase):
    def test_it_answers_401_to_every_signed_out_call_that_needs_a_sign_in(self) -> None:
        client = Client(enforce_csrf_checks=True)  # as a browser or script without a session would call
        walker = Walker(client)
        secured = [(method, path, op) for method, path, op in operations() if op.get("security")]
        self.assertGreaterEqual({method for method, _path, _op in secured}, {"get", "patch", "post"})
        for method, path, op in secured:
            with self.subTest(method=method, path=path):
                response = walker.call(method, path, op, "", "")
                self.assertEqual(response.status_code, 401, response.content[:300])
                self.assertEqual(
                    response.json(),
                    {
                        "error": {
                            "code": "unauthenticated",
                            "message": "Logga in för att använda detta.",
                            "details": None,
                        }
                    },
                )
                self.assertIn("401", op["responses"])

    def test_it_still_asks_a_signed_in_user_for_the_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.samordnare)
        response = client.patch("/api/v1/promises/items/1", data='{"status": "pagar"}', content_type="application/json")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"]["code"], "forbidden")
        self.assertIn("CSRF", response.json()["error"]["message"])


class ErrorResponsesInTheSchemaTest(BaseTestCase):
    def test_it_lists_the_error_responses_of_every_endpoint(self) -> None:
        for method, path, op in operations():
            with self.subTest(method=method, path=path):
                responses = op["responses"]
                expected = set()
                if op.get("parameters"):
                    expected.add("400")
                if op.get("security"):
                    expected.add("401")
                if "requestBody" in op:
                    expected |= {"403", "409", "422"}  # CSRF and role, a refused change, a bad body
                if any(p["in"] == "path" for p in op.get("parameters", [])):
                    expected.add("404")
                self.assertLessEqual(expected, set(responses))
                for status, response in responses.items():
                    if status.startswith(("4", "5")):
                        schema = response["content"]["application/json"]["schema"]
                        self.assertEqual(schema, {"$ref": "#/components/schemas/Error"})


class GeneratedInputTest(HypothesisTestCase):
    """Generated values for the parameters most likely to reach the database in a form it refuses."""

    @classmethod
    def setUpTestData(cls) -> None:
        import_data()

    @given(moment=st.datetimes(timezones=st.timezones()))
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_it_answers_any_moment_as_events_or_400(self, moment: datetime) -> None:
        response = Client().get("/api/v1/events", {"since": moment.isoformat(), "until": moment.isoformat()})
        self.assertIn(response.status_code, (200, 400))

    @given(year=st.integers(min_value=-(10**30), max_value=10**30), text=st.text(max_size=250))
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def test_it_answers_any_year_and_text_without_500(self, year: int, text: str) -> None:
        response = Client().get("/api/v1/observations", {"area": "0586", "metric": "anmalda.totalt", "from": year})
        self.assertIn(response.status_code, (200, 400))
        response = Client().get("/api/v1/observations", {"area": text, "metric": text, "to": year})
        self.assertIn(response.status_code, (400, 404))
        response = Client().get("/api/v1/areas", {"q": text, "parent": text})
        self.assertIn(response.status_code, (200, 400))
        self.assertTrue(Area.objects.exists())
