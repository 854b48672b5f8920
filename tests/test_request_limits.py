"""Limits on request bodies (lofte/lib/requestlimits.py): a huge body to a public form is refused with 413 before anything
reads it, and nothing is stored; signed-in members' uploads get the larger limit."""

from __future__ import annotations

import io
import json

import time_machine
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.utils import timezone

from lofte.citizens.tips.forms import GUARD
from lofte.est.models import Incident
from lofte.est.queries import categories_of
from lofte.lib.requestlimits import RequestBodyLimitMiddleware
from tests.base import BaseTestCase

NOW = "2026-05-20 12:00 +02:00"
TIP_URL = "/kommun/0586/tipsa/"
HUGE = str(200 * 1024 * 1024)  # what the attacker declared: 200 MB (the test never allocates it)


@time_machine.travel(NOW, tick=False)
class PublicFormLimitTest(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.anonymous = Client()
        category = next(c for c in categories_of(self.partnership_a) if c.code == "otrygg_plats.belysning")
        self.tip = {
            "category": category.pk,
            "latitude": 58.32547,
            "longitude": 15.12731,
            "place_name": "",
            "description": "Gångtunneln under järnvägen är helt mörk på kvällen.",
            "email": "",
            "hemsida": "",
            "startad": GUARD.stamp(issued=timezone.now().timestamp() - 30),
        }

    def post_multipart(self, url: str, data: dict, **extra: str) -> HttpResponse:
        body = encode_multipart(BOUNDARY, data)
        return self.anonymous.generic("POST", url, body, content_type=MULTIPART_CONTENT, **extra)

    def test_it_accepts_an_ordinary_tip(self) -> None:
        response = self.anonymous.post(TIP_URL, self.tip)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Incident.objects.count(), 1)

    def test_it_refuses_a_tip_declaring_200_mb_before_reading_it(self) -> None:
        response = self.post_multipart(TIP_URL, self.tip, CONTENT_LENGTH=HUGE)
        self.assertEqual(response.status_code, 413)
        self.assertContains(response, "Förfrågan är för stor: högst 64 kB går att skicka hit.", status_code=413)
        self.assertContains(response, "Inget har sparats", status_code=413)
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_tip_carrying_a_file_over_the_public_limit(self) -> None:
        junk = io.BytesIO(b"x" * (64 * 1024 + 1))
        junk.name = "skrap.bin"
        response = self.post_multipart(TIP_URL, {**self.tip, "photo": junk})
        self.assertEqual(response.status_code, 413)
        self.assertFalse(Incident.objects.exists())

    def test_it_refuses_a_large_urlencoded_sign_in(self) -> None:
        response = self.anonymous.post("/konto/logga-in/", {"login": "x" * (70 * 1024), "password": "y"})
        self.assertEqual(response.status_code, 413)

    def test_it_answers_open311_in_its_own_error_shape(self) -> None:
        response = self.anonymous.generic(
            "POST",
            "/open311/v2/requests.json",
            b"api_key=x&description=" + b"a" * (64 * 1024),
            content_type="application/x-www-form-urlencoded",
        )
        self.assertEqual(response.status_code, 413)
        [error] = response.json()
        self.assertEqual(error["code"], 413)
        self.assertIn("för stor", error["description"])
        self.assertFalse(Incident.objects.exists())

    def test_it_answers_the_api_in_its_error_shape(self) -> None:
        client = self.client_for(self.samordnare)
        response = client.generic(
            "POST", "/api/v1/promises/", json.dumps({"x": "a" * 100}), content_type="application/json",
            CONTENT_LENGTH=str(2 * 1024 * 1024 + 1),
        )  # fmt: skip
        self.assertEqual(response.status_code, 413)
        error = response.json()["error"]
        self.assertEqual(error["code"], "too_large")
        self.assertIn("2 MB", error["message"])

    def test_it_gives_a_signed_in_members_upload_the_larger_limit(self) -> None:
        client = self.client_for(self.samordnare)
        upload = io.BytesIO(b"{}" + b" " * (3 * 1024 * 1024))
        upload.name = "delar.geojson"
        response = client.post("/omraden/0586/ladda-upp/", {"file": upload, "kind": "district", "name_property": "n"})
        self.assertNotEqual(response.status_code, 413)

    def test_it_gives_a_signed_in_member_a_moderate_limit_for_forms(self) -> None:
        client = self.client_for(self.samordnare)
        response = client.generic(
            "POST", "/konto/profil/", b"", content_type="application/x-www-form-urlencoded",
            CONTENT_LENGTH=str(3 * 1024 * 1024),
        )  # fmt: skip
        self.assertEqual(response.status_code, 413)


@override_settings(LOFTE_PUBLIC_BODY_MAX_BYTES=1000)
class StreamedBodyLimitTest(BaseTestCase):
    """A body without a declared length (chunked) is counted while it is read, and refused past the limit."""

    def run_middleware(self, body: bytes) -> HttpResponse:
        request = RequestFactory().post("/kommun/0586/tipsa/", content_type="application/octet-stream")
        del request.META["CONTENT_LENGTH"]
        request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
        request._stream = io.BytesIO(body)  # type: ignore[attr-defined]
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()
        middleware = RequestBodyLimitMiddleware(self.read_body)

        def view(request: HttpRequest) -> HttpResponse:
            try:
                return self.read_body(request)
            except Exception as exc:
                return middleware.process_exception(request, exc) or HttpResponse(status=500)

        middleware.get_response = view
        return middleware(request)

    def read_body(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(len(request.read())))

    def test_it_reads_a_small_streamed_body(self) -> None:
        response = self.run_middleware(b"a" * 1000)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"1000")

    def test_it_refuses_a_streamed_body_over_the_limit(self) -> None:
        response = self.run_middleware(b"a" * 1001)
        self.assertEqual(response.status_code, 413)
