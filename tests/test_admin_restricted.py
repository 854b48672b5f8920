"""Operating the site is no way into the police's restricted information: no operator gives themselves the polis
role (in the memberships' admin, on the user's page or through the action), another operator gives it only with
a reason that the audit log keeps, and the admin shows no restricted source."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.test import RequestFactory

from lofte.accounts.admin import UserAdmin
from lofte.accounts.models import User
from lofte.audit.models import AuditEvent
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import get_partnership_for_user
from lofte.partnerships.actions import MembershipRefused, do_add_membership
from lofte.partnerships.models import Membership
from lofte.situation.lagesbild.actions import do_add_source, do_create_lagesbild
from lofte.situation.models import Source
from tests.base import PASSWORD, BaseTestCase

ADD = "/admin/partnerships/membership/add/"
SECRET_TITLE = "Underrättelse: gängets mötesplats vid stationen"


class RestrictedRoleTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.operator_b = User.objects.create_user(
            "drift2@example.org", PASSWORD, full_name="Drift Två", is_staff=True, is_superuser=True
        )

    def membership_post(self, operator: User, user: User, role: str = "polis", reason: str = "") -> Any:
        data = {"user": user.pk, "organisation": self.lpo_a.pk, "role": role, "title": "", "confirm_restricted": reason}
        return self.client_for(operator).post(ADD, data)

    def grants(self) -> list[AuditEvent]:
        """Those since the personas were set up (the polis persona's own grant aside)."""
        events = AuditEvent.objects.filter(action="membership.grant_restricted").exclude(changes__user=self.polis.email)
        return list(events)

    def test_an_operator_cannot_make_themselves_police_in_the_admin(self) -> None:
        response = self.membership_post(self.staff, self.staff, reason="Jag behöver läsa underrättelsen.")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Du kan inte ge dig själv rollen Polis")
        self.assertFalse(Membership.objects.filter(user=self.staff).exists())
        self.assertEqual(self.grants(), [])
        # A role without restricted access is an ordinary change.
        self.assertEqual(self.membership_post(self.staff, self.staff, role="lasare").status_code, 302)
        membership = Membership.objects.get(user=self.staff)
        change = f"/admin/partnerships/membership/{membership.pk}/change/"
        data = {"user": self.staff.pk, "organisation": self.lpo_a.pk, "role": "polis", "title": ""}
        response = self.client_for(self.staff).post(change, {**data, "confirm_restricted": "Behövs."})
        self.assertContains(response, "Du kan inte ge dig själv rollen Polis")
        membership.refresh_from_db()
        self.assertEqual(membership.role, "lasare")
        self.assertEqual(
            self.client_for(self.staff).get("/samverkan/mjolby/lagesbild/").status_code, 200
        )  # a reader, no more

    def test_an_operator_cannot_take_over_a_police_membership(self) -> None:
        change = f"/admin/partnerships/membership/{self.polis.memberships.get().pk}/change/"
        data = {"user": self.staff.pk, "organisation": self.lpo_a.pk, "role": "polis", "title": ""}
        response = self.client_for(self.staff).post(change, {**data, "confirm_restricted": "Byte."})
        self.assertContains(response, "Du kan inte ge dig själv rollen Polis")
        self.assertEqual(self.polis.memberships.get().user, self.polis)

    def test_another_operator_grants_it_only_with_a_reason_and_an_audit_row_of_its_own(self) -> None:
        response = self.membership_post(self.operator_b, self.staff)
        self.assertContains(response, "Bekräfta genom att skriva skälet")
        self.assertFalse(Membership.objects.filter(user=self.staff).exists())
        reason = "Beslut av lokalpolisområdeschefen 2026-12-01, dnr A123.456/2026"
        response = self.membership_post(self.operator_b, self.staff, reason=reason)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Membership.objects.get(user=self.staff).role, "polis")
        [event] = self.grants()
        self.assertEqual(event.actor_id, self.operator_b.pk)
        self.assertEqual(event.changes["reason"], reason)
        self.assertEqual(event.changes["role"], "polis")

    def test_the_users_page_checks_its_memberships_the_same_way(self) -> None:
        request = RequestFactory().post("/admin/")
        request.user = self.staff
        user_admin = admin.site._registry[User]
        self.assertIsInstance(user_admin, UserAdmin)
        inline = user_admin.get_inline_instances(request, self.staff)[0]
        formset_class = inline.get_formset(request, self.staff)
        prefix = formset_class.get_default_prefix()
        data = {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-organisation": str(self.lpo_a.pk),
            f"{prefix}-0-role": "polis",
            f"{prefix}-0-confirm_restricted": "Jag vill läsa.",
        }
        formset = formset_class(data, instance=self.staff, prefix=prefix)
        self.assertFalse(formset.is_valid())
        self.assertIn("Du kan inte ge dig själv rollen Polis", str(formset.errors))

    def test_the_action_refuses_the_same(self) -> None:
        with self.assertRaisesMessage(MembershipRefused, "Du kan inte ge dig själv"):
            do_add_membership(self.staff, self.lpo_a, "polis", actor=self.staff, reason="Behövs.")
        with self.assertRaisesMessage(MembershipRefused, "Bekräfta genom att skriva skälet"):
            do_add_membership(self.viewer, self.lpo_a, "polis", actor=self.samordnare)
        self.assertFalse(Membership.objects.filter(user=self.staff).exists())
        do_add_membership(self.viewer, self.lpo_a, "polis", actor=self.samordnare, reason="Ny kommunpolis.")
        do_add_membership(self.reporter, self.lpo_a, "polis", actor=SystemActor("lofte demo"))
        reasons = sorted(event.changes["reason"] for event in self.grants())
        self.assertEqual(reasons, ["", "Ny kommunpolis."])
        # Already police there: a changed title grants nothing new.
        do_add_membership(self.viewer, self.lpo_a, "polis", actor=self.samordnare, title="Kommunpolis")
        self.assertEqual(len(self.grants()), 2)


class RestrictedSourceAdminTest(BaseTestCase):
    def setUp(self) -> None:
        access = get_partnership_for_user(self.polis, "mjolby")
        self.lagesbild = do_create_lagesbild(
            access, title="Lägesbild 2026", year_from=2023, year_to=2025, actor=self.polis
        )
        do_add_source(access, self.lagesbild, kind=Source.Kind.STATISTIK, title="Anmälda brott", actor=self.polis)
        self.secret = do_add_source(
            access, self.lagesbild, kind=Source.Kind.UNDERRATTELSE, title=SECRET_TITLE, actor=self.polis
        )

    def test_the_admin_shows_no_restricted_source_to_an_operator(self) -> None:
        client = self.client_for(self.staff)
        for url in [
            "/admin/situation/source/",
            f"/admin/situation/lagesbild/{self.lagesbild.pk}/change/",
            f"/admin/situation/lagesbild/{self.lagesbild.pk}/delete/",
            f"/admin/situation/source/{self.secret.pk}/change/",
            "/admin/audit/auditevent/",
        ]:
            response = client.get(url, follow=True)
            self.assertNotContains(response, SECRET_TITLE, msg_prefix=url)
            self.assertNotContains(response, "gängets mötesplats", msg_prefix=url)
        self.assertContains(client.get(f"/admin/situation/lagesbild/{self.lagesbild.pk}/delete/"), "Anmälda brott")
