from __future__ import annotations

from unittest import mock

from django.db import OperationalError
from django.test import TestCase


class HealthTest(TestCase):
    def test_it_answers_ok_after_checking_the_database(self) -> None:
        with self.assertNumQueries(3):  # the database, and the scheduled jobs' latest runs (schedule.health)
            response = self.client.get("/healthz")
        self.assertEqual(response.json()["status"], "ok")
        self.assertIn("no-cache", response.headers["Cache-Control"])

    def test_it_answers_503_when_the_database_is_down(self) -> None:
        with mock.patch("lofte.core.views.connection.cursor", side_effect=OperationalError("nere")):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["status"], "error")
