"""Advice pages for risk groups: the shared pages, a partnership's own pages, and the public list and pages."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from lofte.audit.models import AuditEvent
from lofte.citizens.advice.actions import AdviceRefused, do_create_advice, do_publish_advice, do_update_advice
from lofte.citizens.advice.shared import SHARED_PAGES, install_shared_pages
from lofte.citizens.models import AdvicePage
from lofte.lib.pii import find_personal_data
from lofte.partnerships.access import get_partnership_for_user
from tests.base import BaseTestCase

BASE = "/samverkan/mjolby/invanare/rad/"


class AdviceTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def own(self, slug: str = "skydda-cykeln", partnership: str = "mjolby", publish: bool = True, **values: Any):  # type: ignore[no-untyped-def]
        user = self.samordnare if partnership == "mjolby" else self.samordnare_b
        access = get_partnership_for_user(user, partnership)
        fields = {
            "slug": slug,
            "title": "Skydda din cykel",
            "summary": "Lås cykeln i något fast.",
            "body": "Lås cykeln i ett cykelställ.\n\nMärk den och skriv upp ramnumret.",
            "risk_groups": ["unga"],
            "source": "Källa: Polisen (polisen.se).",
            **values,
        }
        page = do_create_advice(access, actor=user, **fields)
        if publish:
            do_publish_advice(access, page, actor=user)
        return page


class SharedPagesTest(AdviceTestCase):
    def test_the_migration_installs_the_shared_pages(self) -> None:
        shared = AdvicePage.objects.filter(partnership=None, is_published=True)
        self.assertEqual(set(shared.values_list("slug", flat=True)), {page.slug for page in SHARED_PAGES})
        fraud = shared.get(slug="skydda-dig-mot-bedragerier")
        self.assertEqual(fraud.title, "Så skyddar du dig mot bedrägerier")
        self.assertEqual(set(fraud.risk_groups), {"aldre", "alla"})
        for words in ("bank-id", "kort", "114 14", "Ring din bank"):
            self.assertIn(words, fraud.body)
        guardians = shared.get(slug="risk-och-skyddsfaktorer-tonaringar")
        for source in ("Brå", "Polisen", "Länsstyrelsen"):
            self.assertIn(source, guardians.source)
        self.assertTrue(shared.get(slug="skydda-hemmet-mot-inbrott").source)
        self.assertEqual(install_shared_pages(AdvicePage), 0)  # running it again adds nothing

    def test_the_shared_texts_hold_no_personal_data(self) -> None:
        for page in SHARED_PAGES:
            for text in (page.title, page.summary, page.body, page.source):
                self.assertEqual(find_personal_data(text), [], page.slug)


class PublicAdviceTest(AdviceTestCase):
    def test_it_lists_the_partnerships_own_pages_first(self) -> None:
        self.own()
        self.own(slug="utkast", title="Opublicerat råd", publish=False)
        page = self.client_for(None).get("/kommun/0586/rad/")
        titles = [advice.title for advice in page.context["pages"]]
        self.assertEqual(titles[0], "Skydda din cykel")
        self.assertEqual(len(titles), 4)
        self.assertNotContains(page, "Opublicerat råd")
        self.assertContains(page, 'href="/kommun/0586/rad/skydda-dig-mot-bedragerier/"')

    def test_it_filters_by_risk_group(self) -> None:
        self.own(risk_groups=["foretagare"])
        page = self.client_for(None).get("/kommun/0586/rad/", {"grupp": "vardnadshavare"})
        slugs = {advice.slug for advice in page.context["pages"]}
        # Pages for everyone are for every group too.
        self.assertEqual(
            slugs, {"risk-och-skyddsfaktorer-tonaringar", "skydda-dig-mot-bedragerier", "skydda-hemmet-mot-inbrott"}
        )
        page = self.client_for(None).get("/kommun/0586/rad/", {"grupp": "foretagare"})
        self.assertIn("skydda-cykeln", {advice.slug for advice in page.context["pages"]})
        self.assertNotIn("risk-och-skyddsfaktorer-tonaringar", {advice.slug for advice in page.context["pages"]})
        self.assertEqual(self.client_for(None).get("/kommun/0586/rad/", {"grupp": "okänd"}).status_code, 200)

    def test_it_shows_a_page_with_its_source(self) -> None:
        page = self.client_for(None).get("/kommun/0586/rad/risk-och-skyddsfaktorer-tonaringar/")
        self.assertContains(page, "<h1", count=1)
        self.assertContains(page, "Länsstyrelsen")
        self.assertContains(page, "Vårdnadshavare till tonåringar")

    def test_it_hides_what_is_not_public(self) -> None:
        self.own(slug="utkast", publish=False)
        self.own(slug="mullsjos-rad", partnership="mullsjo")
        anonymous = self.client_for(None)
        for path in (
            "/kommun/0586/rad/utkast/",
            "/kommun/0586/rad/mullsjos-rad/",
            "/kommun/0586/rad/finns-inte/",
            "/kommun/0642/rad/",  # Mullsjö's partnership is not published
            "/kommun/0642/rad/skydda-dig-mot-bedragerier/",
            "/kommun/9999/rad/",
        ):
            self.assertEqual(anonymous.get(path).status_code, 404, path)

    def test_it_reads_in_a_fixed_number_of_queries(self) -> None:
        anonymous = self.client_for(None)
        with self.assertNumQueries(2):
            anonymous.get("/kommun/0586/rad/")
        with self.assertNumQueries(2):
            anonymous.get("/kommun/0586/rad/skydda-hemmet-mot-inbrott/")
        for index in range(3):
            self.own(slug=f"rad-{index}")
        with self.assertNumQueries(2):
            anonymous.get("/kommun/0586/rad/")


class MemberAdviceTest(AdviceTestCase):
    def form(self, **overrides: str) -> dict[str, Any]:
        data = {
            "title": "Skydda din båt",
            "slug": "skydda-batten",
            "summary": "Lås motorn.",
            "body": "Lås motorn med ett bra lås.\n\nMärk den.",
            "risk_groups": ["alla"],
            "source": "Källa: Polisen.",
        }
        return {**data, **overrides}

    def test_it_writes_publishes_and_audits_a_page(self) -> None:
        client = self.client_for(self.polis)
        response = client.post(f"{BASE}ny/", self.form())
        page = AdvicePage.objects.get(slug="skydda-batten")
        self.assertRedirects(response, f"{BASE}{page.pk}/")
        self.assertEqual(page.partnership, self.partnership_a)
        self.assertFalse(page.is_published)
        self.assertEqual(self.client_for(None).get("/kommun/0586/rad/skydda-batten/").status_code, 404)
        self.assertRedirects(client.post(f"{BASE}{page.pk}/publicera/"), f"{BASE}{page.pk}/")
        cache.clear()
        self.assertContains(self.client_for(None).get("/kommun/0586/rad/skydda-batten/"), "Lås motorn med ett bra lås.")
        self.assertEqual(client.get(f"{BASE}{page.pk}/andra/").status_code, 200)
        response = client.post(f"{BASE}{page.pk}/andra/", self.form(title="Skydda båten och motorn"))
        self.assertRedirects(response, f"{BASE}{page.pk}/")
        self.assertRedirects(client.post(f"{BASE}{page.pk}/avpublicera/"), f"{BASE}{page.pk}/")
        page.refresh_from_db()
        self.assertEqual(page.title, "Skydda båten och motorn")
        self.assertFalse(page.is_published)
        actions = AuditEvent.objects.filter(object_type="citizens.advicepage", object_id=str(page.pk))
        self.assertEqual(
            list(actions.order_by("id").values_list("action", flat=True)),
            ["advice.create", "advice.publish", "advice.update", "advice.unpublish"],
        )

    def test_it_refuses_personal_data_and_a_slug_in_use(self) -> None:
        client = self.client_for(self.samordnare)
        response = client.post(f"{BASE}ny/", self.form(body="Ring mig på 070-123 45 67."))
        self.assertEqual(response.status_code, 400)
        self.assertIn("telefonnummer", str(response.context["form"].errors["body"]))
        response = client.post(f"{BASE}ny/", self.form(slug="skydda-dig-mot-bedragerier"))
        self.assertContains(response, "Kortnamn: skydda-dig-mot-bedragerier används redan", status_code=400)
        self.assertFalse(AdvicePage.objects.filter(partnership=self.partnership_a).exists())
        access = get_partnership_for_user(self.samordnare, "mjolby")
        with self.assertRaisesMessage(AdviceRefused, "personnummer"):
            do_create_advice(access, actor=self.samordnare, slug="x", title="19121212-1212", body="x")

    def test_it_leaves_shared_pages_alone(self) -> None:
        shared = AdvicePage.objects.get(partnership=None, slug="skydda-hemmet-mot-inbrott")
        client = self.client_for(self.samordnare)
        self.assertEqual(client.get(f"{BASE}{shared.pk}/").status_code, 200)
        self.assertEqual(client.get(f"{BASE}{shared.pk}/andra/").status_code, 404)
        self.assertEqual(client.post(f"{BASE}{shared.pk}/avpublicera/").status_code, 404)
        access = get_partnership_for_user(self.samordnare, "mjolby")
        with self.assertRaises(AdviceRefused):
            do_update_advice(access, shared, actor=self.samordnare, title="Ändrad")

    def test_it_answers_each_persona(self) -> None:
        page = self.own(publish=False)
        other = self.own(slug="mullsjo", partnership="mullsjo")
        expected = {
            # path, method: samordnare, polis, reporter, viewer, samordnare_b, anonymous
            (BASE, "get"): (200, 200, 200, 200, 404, 302),
            (f"{BASE}ny/", "get"): (200, 200, 403, 403, 404, 302),
            (f"{BASE}ny/", "post"): (400, 400, 403, 403, 404, 302),
            (f"{BASE}{page.pk}/", "get"): (200, 200, 200, 200, 404, 302),
            (f"{BASE}{page.pk}/andra/", "get"): (200, 200, 403, 403, 404, 302),
            (f"{BASE}{page.pk}/publicera/", "get"): (405, 405, 405, 405, 405, 302),
            (f"{BASE}{page.pk}/publicera/", "post"): (302, 302, 403, 403, 404, 302),
            (f"{BASE}{page.pk}/avpublicera/", "post"): (302, 302, 403, 403, 404, 302),
            (f"{BASE}{other.pk}/", "get"): (404, 404, 404, 404, 404, 302),
        }
        for (path, method), statuses in expected.items():
            for (name, user), status in zip(self.personas.items(), statuses, strict=True):
                response = getattr(self.client_for(user), method)(path)
                self.assertEqual(response.status_code, status, f"{method} {path} as {name}")

    def test_it_lists_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.viewer)
        client.get(BASE)
        with self.assertNumQueries(5) as first:
            self.assertContains(client.get(BASE), "Så skyddar du dig mot bedrägerier")
        for index in range(3):
            self.own(slug=f"rad-{index}", publish=bool(index % 2))
        with self.assertNumQueries(len(first.captured_queries)):
            self.assertContains(client.get(BASE), "Skydda din cykel", count=3)
