from __future__ import annotations

from lofte.accounts.models import User
from lofte.lib.actors import SystemActor
from lofte.lib.refusals import ActionRefused
from lofte.partnerships.actions import do_add_membership, do_create_organisation, do_create_partnership
from tests.base import BaseTestCase, make_user


class DashboardTest(BaseTestCase):
    def test_it_shows_the_kommun_its_partners_and_colleagues(self) -> None:
        response = self.client_for(self.reporter).get("/samverkan/mjolby/")
        self.assertContains(response, "<h1>Samverkan Mjölby</h1>", html=True)
        for name in ("Mjölby kommun", "Lokalpolisområde Motala", "Bostadsbolaget i Mjölby AB", "Östergötlands län"):
            self.assertContains(response, name)
        self.assertContains(response, "Rapportör")
        members = self.client_for(self.reporter).get("/samverkan/mjolby/parter/")
        for colleague in ("Sara Samordnare", "Per Polis", "Lars Läsare", "samordnare@a.example"):
            self.assertContains(members, colleague)
        self.assertNotContains(members, "Bo Samordnare")

    def test_it_offers_managers_to_add_districts(self) -> None:
        self.assertContains(self.client_for(self.samordnare).get("/samverkan/mjolby/"), "Lägg till kommundelar")
        self.assertNotContains(self.client_for(self.viewer).get("/samverkan/mjolby/"), "Lägg till kommundelar")

    def test_it_lists_partnerships_for_someone_in_several(self) -> None:
        do_add_membership(self.polis, self.kommun_org_b, "polis", actor=SystemActor("test"))
        response = self.client_for(self.polis).get("/samverkan/")
        self.assertContains(response, "Samverkan Mjölby")
        self.assertContains(response, "Samverkan Mullsjö")

    def test_it_tells_a_user_without_membership_what_to_do(self) -> None:
        loner = User.objects.create_user("ensam@example.org", "x" * 12, full_name="Ensam")
        self.assertContains(self.client_for(loner).get("/samverkan/"), "inte med i någon samverkan")

    def test_it_renders_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.samordnare)
        client.get("/samverkan/mjolby/")
        with self.assertNumQueries(9):  # one of them for the overdue follow-up rounds
            client.get("/samverkan/mjolby/")
        with self.assertNumQueries(6):
            client.get("/samverkan/mjolby/parter/")
        # More organisations and colleagues must not mean more queries.
        school = do_create_organisation(
            name="Mjölby skola", kind="skola", area=self.kommun_a, actor=SystemActor("test")
        )
        self.partnership_a.organisations.add(school)
        for n in range(5):
            make_user(f"larare{n}@a.example", f"Lärare {n}", school, "rapportor")
        with self.assertNumQueries(9):
            client.get("/samverkan/mjolby/")
        with self.assertNumQueries(6):
            client.get("/samverkan/mjolby/parter/")

    def test_it_lists_several_partnerships_in_a_fixed_number_of_queries(self) -> None:
        extra = do_create_partnership(
            name="Samverkan Motala",
            slug="motala",
            area=self.kommun_a.parent.children.get(code="0583"),
            organisations=[self.lpo_a],
            actor=SystemActor("test"),
        )
        self.assertEqual(extra.area.name, "Motala")
        client = self.client_for(self.polis)
        client.get("/samverkan/")
        with self.assertNumQueries(4):
            client.get("/samverkan/")

    def test_it_refuses_a_partnership_for_anything_but_a_kommun(self) -> None:
        lan = self.kommun_a.parent
        with self.assertRaisesMessage(ActionRefused, "En samverkan gäller en kommun.") as caught:
            do_create_partnership(
                name="Samverkan Östergötland", area=lan, organisations=[self.lpo_a], actor=SystemActor("test")
            )
        self.assertEqual(caught.exception.field, "area")
        self.assertFalse(lan.partnerships.exists())
