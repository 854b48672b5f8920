"""Grannsamverkan groups: only the samordnare manages and sees them; contacts get the area's warnings and leave
with one click."""

from __future__ import annotations

from django.core import mail
from django.test import Client
from django.urls import reverse

from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.citizens import dispatch
from lofte.citizens.grannsamverkan.actions import GroupRefused, do_add_contact, do_create_group
from lofte.citizens.models import GrannsamverkanGroup, GroupContact
from lofte.partnerships.access import PartnershipAccess
from tests.axe import problems
from tests.base import BaseTestCase
from tests.factories import make_warning

LIST = "/samverkan/mjolby/invanare/grannsamverkan/"


class GrannsamverkanTest(BaseTestCase):
    district: Area

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.district = Area.objects.create(code="0586-x", name="Väderbrunn", kind="district", parent=cls.kommun_a)
        cls.group = GrannsamverkanGroup.objects.create(
            partnership=cls.partnership_a, name="Grannsamverkan Väderbrunn", area=cls.district
        )
        cls.contact = GroupContact.objects.create(
            group=cls.group, email="karin@example.se", name="Karin Kontakt", token="kontakt-token-1"
        )

    def access(self) -> PartnershipAccess:
        return PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))

    def detail(self, group: GrannsamverkanGroup | None = None) -> str:
        pk = (group or self.group).pk
        return reverse("grannsamverkan:grannsamverkan_group", kwargs={"slug": "mjolby", "pk": pk})

    def remove(self) -> str:
        kwargs = {"slug": "mjolby", "pk": self.group.pk, "contact_pk": self.contact.pk}
        return reverse("grannsamverkan:grannsamverkan_remove_contact", kwargs=kwargs)

    def test_it_lets_only_the_samordnare_in(self) -> None:
        self.assertEqual(reverse("grannsamverkan:grannsamverkan", kwargs={"slug": "mjolby"}), LIST)
        expected = {"samordnare": 200, "polis": 403, "reporter": 403, "viewer": 403, "samordnare_b": 404}
        for persona, user in self.personas.items():
            client = self.client_for(user)
            for url in (LIST, self.detail()):
                status = client.get(url).status_code
                self.assertEqual(status, expected.get(persona, 302), f"{persona} {url}")
            wanted = {"samordnare": 302}.get(persona, expected.get(persona, 302))
            self.assertEqual(client.post(self.remove()).status_code, wanted, persona)
            if persona != "samordnare":
                self.assertEqual(client.post(LIST, {"name": "X", "area": self.district.pk}).status_code, wanted)
                self.assertEqual(client.post(self.detail(), {"email": "ny@example.se"}).status_code, wanted)
        self.assertEqual(self.client_for(self.samordnare).get(LIST.replace("mjolby", "mullsjo")).status_code, 404)
        self.assertEqual(
            self.client_for(self.samordnare_b).get("/samverkan/mullsjo/invanare/grannsamverkan/").status_code, 200
        )
        self.assertEqual(
            self.client_for(self.samordnare_b)
            .get(f"/samverkan/mullsjo/invanare/grannsamverkan/{self.group.pk}/")
            .status_code,
            404,
        )
        self.assertEqual(GroupContact.objects.count(), 0)  # the samordnare removed it; nobody else changed anything
        self.assertEqual(GrannsamverkanGroup.objects.count(), 1)

    def test_it_shows_contacts_to_the_samordnare_only_in_fixed_queries(self) -> None:
        for number in range(3):
            GrannsamverkanGroup.objects.create(
                partnership=self.partnership_a, name=f"Grupp {number}", area=self.district
            )
        client = self.client_for(self.samordnare)
        client.get(LIST)
        with self.assertNumQueries(7):
            response = client.get(LIST)
        self.assertContains(response, "Grannsamverkan Väderbrunn")
        self.assertContains(response, "Grupp 2")
        for number in range(3):
            GroupContact.objects.create(group=self.group, email=f"k{number}@example.se", token=f"t{number}")
        with self.assertNumQueries(6):
            response = client.get(self.detail())
        self.assertContains(response, "karin@example.se")
        self.assertContains(response, "sagt ja")
        for user in (self.polis, self.viewer):
            self.assertNotContains(self.client_for(user).get(self.detail()), "karin@example.se", status_code=403)
        self.assertNotContains(self.client_for(self.samordnare).get("/samverkan/mjolby/"), "karin@example.se")

    def test_it_creates_groups_and_adds_and_removes_contacts(self) -> None:
        client = self.client_for(self.samordnare)
        response = client.post(LIST, {"name": "Grannsamverkan Centrum", "area": self.kommun_a.pk})
        group = GrannsamverkanGroup.objects.get(name="Grannsamverkan Centrum")
        self.assertRedirects(response, self.detail(group))
        response = client.post(self.detail(group), {"email": "Nils@Example.se", "name": "Nils"})
        self.assertRedirects(response, self.detail(group))
        contact = GroupContact.objects.get(group=group)
        self.assertEqual(contact.email, "nils@example.se")
        self.assertEqual(len(contact.token), 43)
        response = client.post(self.detail(group), {"email": "nils@example.se"})
        self.assertContains(response, "Adressen finns redan i gruppen", status_code=400)
        self.assertContains(client.post(self.detail(group), {"email": "fel"}), "giltig e-postadress", status_code=400)
        self.assertContains(
            client.post(LIST, {"name": "Ring 070-123 45 67", "area": self.district.pk}), "telefon", status_code=400
        )
        other = Area.objects.get(code="0642")
        self.assertContains(client.post(LIST, {"name": "Fel", "area": other.pk}), "Välj ett område", status_code=400)
        self.assertRedirects(client.post(self.remove()), self.detail())
        self.assertFalse(GroupContact.objects.filter(pk=self.contact.pk).exists())
        actions = list(AuditEvent.objects.filter(action__startswith="grannsamverkan.").values_list("action", flat=True))
        self.assertEqual(
            sorted(actions),
            ["grannsamverkan.add_contact", "grannsamverkan.create", "grannsamverkan.remove_contact"],
        )
        logged = repr(list(AuditEvent.objects.values_list("actor_label", "object_repr", "changes"))).lower()
        self.assertNotIn("nils", logged)
        self.assertNotIn("karin", logged)

    def test_it_refuses_changes_without_the_role(self) -> None:
        reader = PartnershipAccess(self.partnership_a, frozenset({"polis"}))
        with self.assertRaises(GroupRefused):
            do_create_group(reader, name="X", area=self.district, actor=self.polis)
        with self.assertRaises(GroupRefused):
            do_add_contact(reader, self.group, email="a@example.se", actor=self.polis)
        other = PartnershipAccess(self.partnership_b, frozenset({"samordnare"}))
        with self.assertRaises(GroupRefused):
            do_add_contact(other, self.group, email="a@example.se", actor=self.samordnare_b)

    def test_it_sends_the_area_warnings_to_contacts_who_can_unsubscribe(self) -> None:
        dispatch.queue_warning(make_warning(self.partnership_a, self.district))
        [message] = mail.outbox
        self.assertEqual(message.to, ["karin@example.se"])
        url = reverse("subscriptions:unsubscribe", kwargs={"token": "kontakt-token-1"})
        self.assertIn(url, message.body)
        self.assertIn(url, message.extra_headers["List-Unsubscribe"])
        Client().post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
        self.contact.refresh_from_db()
        self.assertIsNotNone(self.contact.unsubscribed_at)
        dispatch.queue_warning(make_warning(self.partnership_a, self.district, title="Inbrott i förråd"))
        self.assertEqual(len(mail.outbox), 1)
        response = self.client_for(self.samordnare).get(self.detail())
        self.assertContains(response, "Har avslutat utskicken")
        refused = self.client_for(self.samordnare).post(self.detail(), {"email": "karin@example.se"})
        self.assertContains(refused, "avslutat utskicken", status_code=400)
        self.assertNotIn("karin", repr(list(AuditEvent.objects.values_list("object_repr", "changes"))).lower())

    def test_it_builds_the_pages_accessibly(self) -> None:
        client = self.client_for(self.samordnare)
        pages = [client.get(LIST), client.get(self.detail()), client.post(LIST), client.post(self.detail())]
        for page in pages:
            self.assertEqual(problems(page.content.decode()), [], page.request["PATH_INFO"])
        self.assertEqual([page.status_code for page in pages], [200, 200, 400, 400])
