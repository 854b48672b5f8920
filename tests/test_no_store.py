"""Sensitive pages and downloads say `Cache-Control: no-store`; the public pages keep their caching."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.base import BaseTestCase


class NoStoreTest(BaseTestCase):
    def assert_no_store(self, response: object, where: str) -> None:
        control = {part.strip() for part in response["Cache-Control"].split(",")}  # type: ignore[index]
        self.assertIn("no-store", control, where)
        self.assertNotIn("public", control, where)

    def test_it_forbids_storing_a_members_pages_and_exports(self) -> None:
        client = self.client_for(self.samordnare)
        for url in [
            reverse("partnerships:dashboard", args=["mjolby"]),
            reverse("lagesbild:index", args=["mjolby"]),
            reverse("est_weekly:incidents_export", args=["mjolby", "csv"]),
            reverse("situation:export", args=["0586", "handelser", "csv"]),
            reverse("accounts:profile"),
            "/api/v1/areas/0586",
        ]:
            response = client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assert_no_store(response, url)

    def test_it_forbids_storing_the_public_pages_a_member_is_shown(self) -> None:
        response = self.client_for(self.samordnare).get(reverse("public:kommun", args=["0586"]))
        self.assert_no_store(response, "the kommun's page, signed in")

    def test_it_forbids_storing_the_account_pages_and_the_admin_for_anyone(self) -> None:
        for url in [reverse("accounts:login"), reverse("accounts:password_reset"), "/admin/login/"]:
            response = Client().get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assert_no_store(response, url)
        admin = self.client_for(self.staff).get("/admin/")
        self.assert_no_store(admin, "/admin/")

    def test_it_keeps_the_public_pages_cacheable_for_anonymous_visitors(self) -> None:
        response = Client().get(reverse("public:kommun", args=["0586"]))
        self.assertIn("max-age=60", response["Cache-Control"])  # private only while it sets the CSRF cookie
        self.assertNotIn("no-store", response["Cache-Control"])
        area = Client().get("/api/v1/areas/0586")
        self.assertNotIn("no-store", area.get("Cache-Control", ""))
