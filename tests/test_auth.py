from __future__ import annotations

import re

from django.conf import settings
from django.core import mail
from django.test import override_settings

from lofte.audit.models import AuditEvent
from tests.base import PASSWORD, BaseTestCase


class SignInTest(BaseTestCase):
    def sign_in(self, email: str, password: str, client=None):  # type: ignore[no-untyped-def]
        client = client or self.client_for(None)
        return client.post("/konto/logga-in/", {"username": email, "password": password})

    def test_it_lands_on_the_partnership_dashboard(self) -> None:
        response = self.sign_in("samordnare@a.example", PASSWORD)
        self.assertRedirects(response, "/samverkan/", target_status_code=302)

    def test_it_accepts_the_address_in_any_case(self) -> None:
        client = self.client_for(None)
        self.sign_in("SAMORDNARE@a.example", PASSWORD, client)
        self.assertRedirects(client.get("/samverkan/"), "/samverkan/mjolby/")

    def test_it_explains_a_wrong_password(self) -> None:
        response = self.sign_in("samordnare@a.example", "fel")
        self.assertContains(response, "Fel e-postadress eller lösenord")

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_it_locks_out_guessing(self) -> None:
        for _ in range(3):
            self.sign_in("samordnare@a.example", "gissning")
        response = self.sign_in("samordnare@a.example", PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "tillfälligt spärrad", status_code=429)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_it_counts_guesses_whatever_the_case(self) -> None:
        for email in ("samordnare@a.example", "Samordnare@a.example", "SAMORDNARE@A.EXAMPLE"):
            self.sign_in(email, "gissning")
        self.assertEqual(self.sign_in("samordnare@a.example", PASSWORD).status_code, 429)

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_it_locks_one_username_without_locking_others(self) -> None:
        for _ in range(3):
            self.sign_in("samordnare@a.example", "gissning")
        self.assertEqual(self.sign_in("polis@a.example", PASSWORD).status_code, 302)

    def test_it_signs_out_on_post(self) -> None:
        client = self.client_for(self.viewer)
        self.assertEqual(client.post("/konto/logga-ut/").status_code, 302)
        self.assertEqual(client.get("/samverkan/mjolby/").status_code, 302)

    def test_it_audits_sign_in_failures_and_sign_out(self) -> None:
        client = self.client_for(None)
        self.sign_in("samordnare@a.example", "fel", client)
        self.sign_in("samordnare@a.example", PASSWORD, client)
        client.post("/konto/logga-ut/")
        actions = list(
            AuditEvent.objects.filter(action__startswith="auth.").order_by("id").values_list("action", "actor_label")
        )
        self.assertEqual(
            actions,
            [
                ("auth.login_failed", "samordnare@a.example"),
                ("auth.login", "samordnare@a.example"),
                ("auth.logout", "samordnare@a.example"),
            ],
        )


class PasswordResetTest(BaseTestCase):
    def test_it_mails_a_link_that_sets_a_new_password(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post("/konto/losenord/glomt/", {"email": "Lasare@A.example"})
        self.assertRedirects(response, "/konto/losenord/glomt/skickat/")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["lasare@a.example"])
        self.assertEqual(mail.outbox[0].subject, "Nytt lösenord till Löfte")
        # The link leads to SITE_URL, never to whatever Host header the request carried.
        site = re.escape(settings.SITE_URL.rstrip("/"))
        link = re.search(site + r"(/konto/losenord/aterstall/\S+/)", mail.outbox[0].body)
        assert link is not None
        form_page = self.client.get(link.group(1), follow=True)
        self.assertContains(form_page, "Välj nytt lösenord")
        new = "ett-helt-nytt-lösenord-42"
        done = self.client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
        self.assertRedirects(done, "/konto/losenord/aterstallt/")
        self.viewer.refresh_from_db()
        self.assertTrue(self.viewer.check_password(new))

    def test_it_does_not_reveal_unknown_addresses(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post("/konto/losenord/glomt/", {"email": "okand@example.org"})
        self.assertRedirects(response, "/konto/losenord/glomt/skickat/")
        self.assertEqual(mail.outbox, [])
