"""People managed where the work is (lofte.accounts.people): invitations by mail, the link, bulk invitations,
roles, deactivation that ends access at once, and the same through the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lofte.accounts import bulk, people
from lofte.accounts.models import Invitation, User
from lofte.audit.models import AuditEvent
from lofte.lib.tables import to_csv, to_xlsx
from lofte.partnerships.access import get_partnership_for_user, people_managed_by, roles_in
from lofte.partnerships.models import Membership
from tests.base import PASSWORD, BaseTestCase, make_user

Role = Membership.Role
NEW_PASSWORD = "ett-långt-och-ovanligt-lösen-71"
LINK = re.compile(r"https?://\S+/konto/inbjudan/(\S+)/")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@override_settings(SITE_URL="https://lofte.mjolby.example")
class PeopleTestCase(BaseTestCase):
    def invite(self, client: Client, **data: Any) -> Any:
        values = {
            "full_name": "Nora Ny",
            "email": "ny@mjolby.example",
            "organisation": self.housing_a.pk,
            "role": Role.RAPPORTOR,
            "title": "Fastighetsvärd",
            "reason": "",
            **data,
        }
        with self.captureOnCommitCallbacks(execute=True):
            return client.post(reverse("people:invite", args=["mjolby"]), values)

    def link_path(self, message: Any) -> str:
        match = LINK.search(message.body)
        assert match is not None, message.body
        return reverse("accounts:invitation", args=[match.group(1)])

    def access(self, user: User) -> Any:
        return get_partnership_for_user(user, "mjolby")


class AcceptanceTest(PeopleTestCase):
    def test_it_invites_a_reporter_who_sets_a_password_lands_on_est_and_is_switched_off_at_once(self) -> None:
        coordinator = self.client_for(self.samordnare)
        response = self.invite(coordinator)
        self.assertRedirects(response, reverse("people:index", args=["mjolby"]))
        [message] = mail.outbox
        self.assertEqual(message.to, ["ny@mjolby.example"])
        self.assertIn("https://lofte.mjolby.example/konto/inbjudan/", message.body)
        self.assertIn("Samverkan Mjölby", message.subject)

        newcomer = Client()
        link = self.link_path(message)
        page = newcomer.get(link)
        self.assertContains(page, "Välj ditt namn och lösenord")
        self.assertFalse(User.objects.filter(email="ny@mjolby.example").exists())  # a GET writes nothing
        response = newcomer.post(link, {"full_name": "Nora Ny", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        report = reverse("est_reporting:report", args=["mjolby"])
        self.assertRedirects(response, report)
        self.assertEqual(newcomer.get(report).status_code, 200)
        user = User.objects.get(email="ny@mjolby.example")
        membership = Membership.objects.get(user=user)
        self.assertEqual((membership.organisation, membership.role), (self.housing_a, Role.RAPPORTOR))
        self.assertTrue(UserSession.objects.filter(user=user).exists())
        self.assertEqual(newcomer.get(link).status_code, 404)  # single use

        response = coordinator.post(reverse("people:deactivate", args=["mjolby", membership.pk]))
        self.assertRedirects(response, reverse("people:index", args=["mjolby"]))
        response = newcomer.get(report)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("accounts:login")))
        self.assertFalse(UserSession.objects.filter(user=user).exists())
        user.refresh_from_db()
        self.assertFalse(user.is_active)
        again = Client()
        signin = again.post(reverse("accounts:login"), {"login": user.email, "password": NEW_PASSWORD})
        self.assertNotIn("_auth_user_id", again.session)  # sign-in refused
        self.assertNotEqual(signin.get("Location"), report)
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        for action in ("invitation.create", "invitation.accept", "membership.create", "membership.deactivate"):
            self.assertIn(action, actions)

    def test_it_ends_access_at_once_for_an_open_session_on_every_page(self) -> None:
        client = self.client_for(self.reporter)
        self.assertEqual(client.get(reverse("partnerships:dashboard", args=["mjolby"])).status_code, 200)
        membership = Membership.objects.get(user=self.reporter)
        people.do_deactivate_membership(self.access(self.samordnare), membership, actor=self.samordnare)
        self.assertEqual(client.get(reverse("partnerships:dashboard", args=["mjolby"])).status_code, 302)
        self.assertEqual(client.get("/api/v1/partnerships/mjolby").status_code, 401)


class InvitationLinkTest(PeopleTestCase):
    def test_it_answers_an_unknown_token_with_a_swedish_page(self) -> None:
        before = AuditEvent.objects.count()
        response = Client().get(reverse("accounts:invitation", args=["finns-inte"]))
        self.assertContains(response, "Inbjudan gäller inte", status_code=404)
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_it_refuses_an_expired_link(self) -> None:
        with time_machine.travel(NOW, tick=False):
            self.invite(self.client_for(self.samordnare))
        link = self.link_path(mail.outbox[0])
        with time_machine.travel(NOW + timedelta(days=8), tick=False):
            self.assertContains(Client().get(link), "Inbjudan gäller inte", status_code=404)
        with time_machine.travel(NOW + timedelta(days=6), tick=False):
            self.assertEqual(Client().get(link).status_code, 200)

    @override_settings(LOFTE_INVITATION_DAYS=2)
    def test_it_takes_the_expiry_from_the_setting(self) -> None:
        with time_machine.travel(NOW, tick=False):
            self.invite(self.client_for(self.samordnare))
        self.assertEqual(Invitation.objects.get().expires_at, NOW + timedelta(days=2))

    def test_it_refuses_a_weak_password_in_swedish(self) -> None:
        self.invite(self.client_for(self.samordnare))
        link = self.link_path(mail.outbox[0])
        response = Client().post(link, {"full_name": "Nora Ny", "password1": "kort", "password2": "kort"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "lösenord", status_code=400)
        self.assertFalse(User.objects.filter(email="ny@mjolby.example").exists())

    def test_it_asks_an_existing_account_to_sign_in_first(self) -> None:
        self.invite(self.client_for(self.samordnare), email=self.viewer.email, role=Role.RAPPORTOR)
        link = self.link_path(mail.outbox[0])
        response = Client().get(link)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
        self.assertIn("next=", response["Location"])
        self.assertEqual(self.client_for(self.polis).get(link).status_code, 403)  # signed in as someone else
        client = self.client_for(self.viewer)
        self.assertContains(client.get(link), "Anta inbjudan")
        self.assertFalse(Membership.objects.filter(user=self.viewer, organisation=self.housing_a).exists())
        response = client.post(link)
        self.assertRedirects(response, reverse("est_reporting:report", args=["mjolby"]))
        self.assertTrue(Membership.objects.filter(user=self.viewer, organisation=self.housing_a).exists())

    def test_it_lands_other_roles_on_the_dashboard(self) -> None:
        self.invite(self.client_for(self.samordnare), role=Role.LASARE)
        response = Client().post(
            self.link_path(mail.outbox[0]),
            {"full_name": "Nora Ny", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        self.assertRedirects(response, reverse("partnerships:dashboard", args=["mjolby"]))

    def test_it_sends_a_new_link_and_kills_the_old_one(self) -> None:
        client = self.client_for(self.samordnare)
        self.invite(client)
        old = self.link_path(mail.outbox[0])
        invitation = Invitation.objects.get()
        with self.captureOnCommitCallbacks(execute=True):
            client.post(reverse("people:resend", args=["mjolby", invitation.pk]))
        new = self.link_path(mail.outbox[1])
        self.assertNotEqual(old, new)
        self.assertEqual(Client().get(old).status_code, 404)
        self.assertEqual(Client().get(new).status_code, 200)
        self.assertTrue(AuditEvent.objects.filter(action="invitation.resend").exists())

    def test_it_withdraws_an_invitation(self) -> None:
        client = self.client_for(self.samordnare)
        self.invite(client)
        link = self.link_path(mail.outbox[0])
        client.post(reverse("people:withdraw", args=["mjolby", Invitation.objects.get().pk]))
        self.assertEqual(Client().get(link).status_code, 404)
        self.assertTrue(AuditEvent.objects.filter(action="invitation.withdraw").exists())

    def test_it_shows_single_sign_on_buttons_when_a_provider_is_configured(self) -> None:
        from allauth.socialaccount.models import SocialApp

        self.invite(self.client_for(self.samordnare))
        link = self.link_path(mail.outbox[0])
        self.assertNotContains(Client().get(link), "Mjölby kommuns konto")
        SocialApp.objects.create(
            provider="openid_connect",
            provider_id="mjolby",
            name="Mjölby kommuns konto",
            client_id="x",
            settings={"server_url": "https://login.mjolby.example"},
        )
        self.assertContains(Client().get(link), "Mjölby kommuns konto")


class PermissionTest(PeopleTestCase):
    def test_it_refuses_the_people_page_to_those_who_do_not_manage(self) -> None:
        url = reverse("people:index", args=["mjolby"])
        self.assertEqual(self.client_for(self.samordnare).get(url).status_code, 200)
        for user in (self.reporter, self.viewer, self.polis):
            self.assertEqual(self.client_for(user).get(url).status_code, 403)
        self.assertEqual(self.client_for(self.samordnare_b).get(url).status_code, 404)

    def test_it_lets_an_admin_manage_only_their_own_organisation(self) -> None:
        admin = make_user("admin@bostad.example", "Anna Admin", self.housing_a, Role.ADMIN)
        partnership = self.partnership_a
        self.assertEqual(people_managed_by(admin, partnership), frozenset({self.housing_a.pk}))
        self.assertEqual(
            people_managed_by(self.samordnare, partnership),
            frozenset({self.housing_a.pk, self.kommun_org_a.pk, self.lpo_a.pk}),
        )
        self.assertEqual(people_managed_by(self.reporter, partnership), frozenset())
        client = self.client_for(admin)
        self.assertEqual(self.invite(client).status_code, 302)
        response = self.invite(client, email="annan@mjolby.example", organisation=self.kommun_org_a.pk)
        self.assertEqual(response.status_code, 400)  # not among the organisations offered
        with self.assertRaisesMessage(people.PeopleRefused, "Du får inte hantera personer i Mjölby kommun"):
            people.do_invite_person(
                self.access(admin),
                email="annan@mjolby.example",
                full_name="Annan",
                organisation=self.kommun_org_a,
                role=Role.LASARE,
                actor=admin,
            )
        with self.assertRaisesMessage(people.PeopleRefused, "Bara en samordnare"):
            people.do_invite_person(
                self.access(admin),
                email="chef@mjolby.example",
                full_name="Chef",
                organisation=self.housing_a,
                role=Role.SAMORDNARE,
                actor=admin,
            )
        # A housing company's administrator cannot open the police's restricted information to its own people...
        with self.assertRaisesMessage(people.PeopleRefused, "ges bara av en samordnare"):
            people.do_invite_person(
                self.access(admin),
                email="vakt@bostad.example",
                full_name="Vakt",
                organisation=self.housing_a,
                role=Role.POLIS,
                reason="Trygghetsvärd",
                actor=admin,
            )
        # ...while the lokalpolisområde's own administrator invites a colleague as polis, with the reason.
        police_admin = make_user("admin@polisen.example", "Per Polisadmin", self.lpo_a, Role.ADMIN)
        invitation = people.do_invite_person(
            self.access(police_admin),
            email="kollega@polisen.example",
            full_name="Kollega",
            organisation=self.lpo_a,
            role=Role.POLIS,
            reason="Ny kommunpolis, beslut av gruppchefen",
            actor=police_admin,
        )
        self.assertEqual(invitation.role, Role.POLIS)
        viewer = Membership.objects.get(user=self.viewer)  # in Mjölby kommun, not the admin's organisation
        with self.assertRaises(people.PeopleRefused):
            people.do_deactivate_membership(self.access(admin), viewer, actor=admin)
        reporter = Membership.objects.get(user=self.reporter)  # in the admin's own organisation
        people.do_deactivate_membership(self.access(admin), reporter, actor=admin)

    def test_it_refuses_an_organisation_outside_the_partnership(self) -> None:
        with self.assertRaisesMessage(people.PeopleRefused, "Mullsjö kommun är inte part i Samverkan Mjölby"):
            people.do_invite_person(
                self.access(self.samordnare),
                email="x@mullsjo.example",
                full_name="X",
                organisation=self.kommun_org_b,
                role=Role.LASARE,
                actor=self.samordnare,
            )

    def test_it_asks_for_a_reason_to_invite_police(self) -> None:
        response = self.invite(
            self.client_for(self.samordnare), email="kollega@polisen.example", organisation=self.lpo_a.pk, role="polis"
        )
        self.assertContains(response, "begränsade uppgifter", status_code=400)
        self.assertFalse(Invitation.objects.exists())
        response = self.invite(
            self.client_for(self.samordnare),
            email="kollega@polisen.example",
            organisation=self.lpo_a.pk,
            role="polis",
            reason="Beslut av gruppchef LPO Motala",
        )
        self.assertEqual(response.status_code, 302)
        link = self.link_path(mail.outbox[0])
        Client().post(link, {"full_name": "Kim Kollega", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        self.assertTrue(AuditEvent.objects.filter(action="membership.grant_restricted").exists())

    def test_it_refuses_an_existing_member_and_a_second_open_invitation(self) -> None:
        client = self.client_for(self.samordnare)
        response = self.invite(client, email=self.reporter.email)
        self.assertContains(response, "är redan med i", status_code=400)
        self.invite(client)
        self.assertContains(self.invite(client), "redan en öppen inbjudan", status_code=400)
        self.assertEqual(len(mail.outbox), 1)

    def test_it_refuses_changing_ones_own_membership(self) -> None:
        own = Membership.objects.get(user=self.samordnare)
        with self.assertRaisesMessage(people.PeopleRefused, "ditt eget medlemskap"):
            people.do_deactivate_membership(self.access(self.samordnare), own, actor=self.samordnare)


class MembershipTest(PeopleTestCase):
    def test_it_changes_a_role_with_an_audit_row(self) -> None:
        membership = Membership.objects.get(user=self.viewer)
        url = reverse("people:change_role", args=["mjolby", membership.pk])
        self.client_for(self.samordnare).post(url, {"role": Role.RAPPORTOR, "title": "", "reason": ""})
        membership.refresh_from_db()
        self.assertEqual(membership.role, Role.RAPPORTOR)
        self.assertTrue(AuditEvent.objects.filter(action="membership.update").exists())

    def test_it_deactivates_per_membership_and_keeps_the_account_for_another(self) -> None:
        make_user("dubbel@a.example", "Dubbel", self.kommun_org_b, Role.LASARE)
        user = User.objects.get(email="dubbel@a.example")
        mjolby = Membership.objects.create(user=user, organisation=self.housing_a, role=Role.RAPPORTOR)
        people.do_deactivate_membership(self.access(self.samordnare), mjolby, actor=self.samordnare)
        user.refresh_from_db()
        self.assertTrue(user.is_active)
        self.assertEqual(roles_in(user, self.partnership_a), frozenset())
        self.assertEqual(roles_in(user, self.partnership_b), frozenset({Role.LASARE}))

    def test_it_reactivates_and_keeps_history(self) -> None:
        membership = Membership.objects.get(user=self.reporter)
        access = self.access(self.samordnare)
        people.do_deactivate_membership(access, membership, actor=self.samordnare)
        with self.assertRaisesMessage(people.PeopleRefused, "redan inaktiverad"):
            people.do_deactivate_membership(access, membership, actor=self.samordnare)
        people.do_reactivate_membership(access, membership, actor=self.samordnare)
        self.reporter.refresh_from_db()
        self.assertTrue(self.reporter.is_active)
        self.assertEqual(roles_in(self.reporter, self.partnership_a), frozenset({Role.RAPPORTOR}))
        self.assertTrue(AuditEvent.objects.filter(action="membership.reactivate").exists())

    def test_it_keeps_staff_active(self) -> None:
        membership = Membership.objects.create(user=self.staff, organisation=self.housing_a, role=Role.LASARE)
        people.do_deactivate_membership(self.access(self.samordnare), membership, actor=self.samordnare)
        self.staff.refresh_from_db()
        self.assertTrue(self.staff.is_active)

    def test_the_page_shows_members_and_invitations_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.samordnare)
        url = reverse("people:index", args=["mjolby"])
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            response = client.get(url)
        self.assertContains(response, "Rut Rapportör")
        for n in range(6):
            user = make_user(f"p{n}@a.example", f"Person {n}", self.housing_a, Role.RAPPORTOR)
            Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
            self.invite(client, email=f"inv{n}@a.example")
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        self.assertContains(response, "Person 5")
        self.assertContains(response, "inv5@a.example")
        self.assertEqual(len(many), len(few))


class BulkTest(PeopleTestCase):
    HEADERS = ["namn", "e-post", "organisation", "roll", "befattning"]

    def upload(self, client: Client, data: bytes, name: str = "personer.csv") -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(reverse("people:bulk", args=["mjolby"]), {"file": SimpleUploadedFile(name, data)})

    def confirm(self, client: Client) -> Any:
        with self.captureOnCommitCallbacks(execute=True):
            return client.post(reverse("people:bulk_confirm", args=["mjolby"]))

    def test_it_names_file_row_and_field_and_sends_nothing(self) -> None:
        rows = [
            ["Ada Ett", "ada@bostad.example", "Bostadsbolaget i Mjölby AB", "Rapportör", ""],
            ["Bo Två", "inte-en-adress", "Bostadsbolaget i Mjölby AB", "Rapportör", ""],
            ["Cy Tre", "cy@bostad.example", "Mullsjö kommun", "Rapportör", ""],
            ["Di Fyra", "di@bostad.example", "Bostadsbolaget i Mjölby AB", "chef", ""],
            ["", "eva@bostad.example", "Bostadsbolaget i Mjölby AB", "Läsare", ""],
        ]
        response = self.upload(self.client_for(self.samordnare), to_csv(self.HEADERS, rows))
        self.assertEqual(response.status_code, 400)
        self.assertContains(
            response, "personer.csv, rad 3, e-post: ”inte-en-adress” är ingen e-postadress.", status_code=400
        )
        self.assertContains(
            response, "personer.csv, rad 4, organisation: ”Mullsjö kommun” är ingen part", status_code=400
        )
        self.assertContains(response, "personer.csv, rad 5, roll: ”chef” är ingen roll", status_code=400)
        self.assertContains(response, "personer.csv, rad 6, namn: saknas.", status_code=400)
        self.assertFalse(Invitation.objects.exists())
        self.assertEqual(len(mail.outbox), 0)

    def test_it_previews_then_sends_and_never_twice(self) -> None:
        client = self.client_for(self.samordnare)
        rows = [
            ["Ada Ett", "ada@bostad.example", "Bostadsbolaget i Mjölby AB", "Rapportör", "Värd"],
            ["Bo Två", "bo@bostad.example", "bostadsbolaget-i-mjolby-ab", "rapportor", ""],
            ["Rut Rapportör", self.reporter.email, "Bostadsbolaget i Mjölby AB", "Rapportör", ""],
        ]
        data = to_xlsx("Personer", self.HEADERS, rows)
        response = self.upload(client, data, "personer.xlsx")
        self.assertContains(response, "Inbjudan skickas", count=2)
        self.assertContains(response, "Är redan medlem")
        self.assertEqual(len(mail.outbox), 0)  # the preview sends nothing
        self.confirm(client)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(Invitation.objects.count(), 2)
        self.assertTrue(AuditEvent.objects.filter(action="invitation.bulk").exists())
        response = self.upload(client, data, "personer.xlsx")
        self.assertContains(response, "Har redan en öppen inbjudan", count=2)
        self.confirm(client)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(Invitation.objects.count(), 2)

    def test_it_refuses_a_file_over_the_limits_before_reading_rows(self) -> None:
        rows = [[f"P {n}", f"p{n}@x.example", "Bostadsbolaget i Mjölby AB", "Läsare", ""] for n in range(1001)]
        response = self.upload(self.client_for(self.samordnare), to_csv(self.HEADERS, rows))
        self.assertContains(response, "Filen har fler än 1000 rader.", status_code=400)

    def test_it_refuses_a_missing_column(self) -> None:
        with self.assertRaisesMessage(bulk.BulkRefused, "Kolumnen ”roll” saknas"):
            bulk.read_invitations(
                self.access(self.samordnare),
                to_csv(["namn", "e-post", "organisation"], []),
                "a.csv",
                actor=self.samordnare,
            )


class PeopleApiTest(PeopleTestCase):
    def test_it_lists_members_with_role_sign_in_and_mfa(self) -> None:
        Authenticator.objects.create(user=self.polis, type=Authenticator.Type.TOTP, data={})
        client = self.client_for(self.samordnare)
        client.get("/api/v1/partnerships/mjolby/memberships")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/partnerships/mjolby/memberships")
        rows = {row["email"]: row for row in response.json()}
        self.assertTrue(rows[self.polis.email]["mfa"])
        self.assertFalse(rows[self.reporter.email]["mfa"])
        self.assertEqual(rows[self.reporter.email]["role"], "rapportor")
        self.assertTrue(rows[self.reporter.email]["active"])
        make_user("extra@a.example", "Extra", self.housing_a, Role.LASARE)
        with CaptureQueriesContext(connection) as more:
            client.get("/api/v1/partnerships/mjolby/memberships")
        self.assertEqual(len(more), len(queries))

    def test_it_invites_resends_withdraws_changes_and_deactivates(self) -> None:
        client = self.client_for(self.samordnare)
        body = {
            "email": "api@bostad.example",
            "name": "Api Person",
            "organisation": self.housing_a.slug,
            "role": "lasare",
        }
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post("/api/v1/partnerships/mjolby/invitations", body, content_type="application/json")
        self.assertEqual(response.status_code, 201, response.content)
        invitation = response.json()
        self.assertTrue(invitation["open"])
        self.assertEqual(len(mail.outbox), 1)
        again = client.post("/api/v1/partnerships/mjolby/invitations", body, content_type="application/json")
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again.json()["error"]["details"], {"email": [again.json()["error"]["message"]]})
        with self.captureOnCommitCallbacks(execute=True):
            client.post(f"/api/v1/partnerships/mjolby/invitations/{invitation['id']}/resend")
        self.assertEqual(len(mail.outbox), 2)
        response = client.post(f"/api/v1/partnerships/mjolby/invitations/{invitation['id']}/withdraw")
        self.assertFalse(response.json()["open"])
        self.assertEqual(len(client.get("/api/v1/partnerships/mjolby/invitations").json()), 1)

        membership = Membership.objects.get(user=self.viewer)
        url = f"/api/v1/partnerships/mjolby/memberships/{membership.pk}"
        response = client.patch(url, {"role": "rapportor"}, content_type="application/json")
        self.assertEqual(response.json()["role"], "rapportor")
        response = client.patch(url, {"role": "polis"}, content_type="application/json")
        self.assertEqual(response.status_code, 409)
        self.assertIn("reason", response.json()["error"]["details"])
        response = client.post(f"{url}/deactivate")
        self.assertFalse(response.json()["active"])
        response = client.post(f"{url}/reactivate")
        self.assertTrue(response.json()["active"])

    def test_it_refuses_those_who_do_not_manage(self) -> None:
        for user, status in ((self.reporter, 403), (self.viewer, 403), (self.samordnare_b, 404), (None, 401)):
            response = self.client_for(user).get("/api/v1/partnerships/mjolby/memberships")
            self.assertEqual(response.status_code, status)
        body = {"email": "x@a.example", "name": "X", "organisation": self.kommun_org_b.slug, "role": "lasare"}
        response = self.client_for(self.samordnare).post(
            "/api/v1/partnerships/mjolby/invitations", body, content_type="application/json"
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"]["details"]["organisation"][0][:13], "Mullsjö kommu")


def test_password_is_not_used_in_helpers() -> None:
    assert PASSWORD != NEW_PASSWORD
