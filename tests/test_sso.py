"""Single sign-on through a real OpenID Connect provider on loopback (tests/oidc_provider.py), driven end to end.

One provider ("kommun") is configured as by environment (LOFTE_OIDC_PROVIDERS), the other ("polisen") in the admin
(allauth's SocialApp and Löfte's SignInProvider), so both ways and two providers at once are exercised.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import urllib.request
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import xmlsec
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, SimpleTestCase, override_settings
from django.utils import timezone
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from lofte.accounts.invitations import new_token
from lofte.accounts.models import Invitation, SignInProvider, User
from lofte.accounts.providers import ProviderRules, allauth_apps, parse_oidc_providers
from lofte.audit.models import AuditEvent
from lofte.partnerships.models import Membership
from tests.base import BaseTestCase, Role
from tests.oidc_provider import LocalIdentityProvider


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


# Only loopback: no proxy, for urllib here and for the requests allauth makes.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
_NO_PROXY = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def env_providers(idp: LocalIdentityProvider, **rules: Any) -> str:
    entry = {
        "id": "kommun",
        "name": "Mjölby kommun",
        "server_url": idp.issuer,
        "client_id": idp.client_id,
        "secret_env": "TEST_KOMMUN_SECRET",
        **rules,
    }
    return json.dumps([entry])


class SingleSignOnTests(BaseTestCase):
    def setUp(self) -> None:
        self.kommun_idp = LocalIdentityProvider(client_id="lofte-kommun").__enter__()
        self.polis_idp = LocalIdentityProvider(client_id="lofte-polis").__enter__()
        self.addCleanup(self.kommun_idp.__exit__)
        self.addCleanup(self.polis_idp.__exit__)
        patcher = mock.patch.dict(os.environ, {**_NO_PROXY, "TEST_KOMMUN_SECRET": self.kommun_idp.client_secret})
        patcher.start()
        self.addCleanup(patcher.stop)
        self.configure_kommun(trust_email=False, trust_mfa=True, mfa_amr=["mfa"])
        app = SocialApp.objects.create(
            provider="openid_connect",
            provider_id="polisen",
            name="Polisen",
            client_id=self.polis_idp.client_id,
            secret=self.polis_idp.client_secret,
            settings={"server_url": self.polis_idp.issuer},
        )
        self.assertTrue(app.pk)
        SignInProvider.objects.create(provider_id="polisen", email_domains="polisen.se", trust_email=True)

    def configure_kommun(self, **rules: Any) -> None:
        providers = parse_oidc_providers(env_providers(self.kommun_idp, **rules), secret=os.environ.get)
        overrides = override_settings(
            LOFTE_OIDC_PROVIDERS=providers,
            SOCIALACCOUNT_PROVIDERS={"openid_connect": {"APPS": allauth_apps(providers), "OAUTH_PKCE_ENABLED": True}},
        )
        overrides.enable()
        self.addCleanup(overrides.disable)

    def sign_in(self, client: Client, provider_id: str, idp: LocalIdentityProvider, **identity: Any) -> Any:
        idp.identity = {"sub": "sub-" + str(identity.get("email")), **identity}
        start = client.post(f"/konto/oidc/{provider_id}/login/")
        self.assertEqual(start.status_code, 302, start.content[:500])
        self.assertTrue(start["Location"].startswith(idp.issuer + "/authorize?"))
        try:
            _OPENER.open(start["Location"], timeout=10)
        except urllib.error.HTTPError as redirect:
            self.assertEqual(redirect.code, 302)
            back = urlsplit(redirect.headers["Location"])
        self.assertEqual(back.path, f"/konto/oidc/{provider_id}/login/callback/")
        return client.get(f"{back.path}?{back.query}")

    def invite(self, email: str, organisation: Any, role: str) -> Invitation:
        _, token_hash = new_token()
        return Invitation.objects.create(
            email=email,
            full_name="Nina Ny",
            organisation=organisation,
            partnership=self.partnership_a,
            role=role,
            token_hash=token_hash,
            invited_by=self.samordnare,
            expires_at=timezone.now() + timedelta(days=7),
        )

    def counts(self) -> tuple[int, int, int]:
        return User.objects.count(), SocialAccount.objects.count(), Membership.objects.count()

    def test_it_refuses_an_unknown_address_and_creates_nothing(self) -> None:
        before = self.counts()
        client = Client()
        response = self.sign_in(client, "kommun", self.kommun_idp, email="okand@mjolby.se", email_verified=True)
        self.assertRedirects(response, "/konto/logga-in/", fetch_redirect_response=False)
        self.assertEqual(self.counts(), before)
        self.assertNotIn("_auth_user_id", client.session)
        page = client.get("/konto/logga-in/")
        self.assertContains(page, "Det finns inget konto eller någon inbjudan för okand@mjolby.se")
        refusal = AuditEvent.objects.get(action="sso.refuse")
        self.assertEqual(refusal.changes, {"provider": "kommun", "reason": "unknown", "domain": "mjolby.se"})

    def test_it_joins_an_invited_address_and_uses_the_invitation(self) -> None:
        invitation = self.invite("ny@mjolby.se", self.kommun_org_a, Role.LASARE)
        client = Client()
        response = self.sign_in(
            client, "kommun", self.kommun_idp, email="Ny@Mjolby.se", email_verified=True, name="Nina N"
        )
        self.assertEqual(response.status_code, 302)
        user = User.objects.get(email="ny@mjolby.se")
        self.assertEqual(int(client.session["_auth_user_id"]), user.pk)
        self.assertFalse(user.has_usable_password())
        self.assertEqual(user.full_name, "Nina Ny")
        membership = Membership.objects.get(user=user)
        self.assertEqual((membership.organisation, membership.role), (self.kommun_org_a, Role.LASARE))
        invitation.refresh_from_db()
        self.assertEqual(invitation.accepted_by, user)
        self.assertEqual(SocialAccount.objects.get(user=user).provider, "kommun")
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        self.assertTrue({"invitation.accept", "sso.connect", "sso.sign_in"} <= actions)
        # The next sign-in finds the connected account; the invitation is not used again.
        again = self.sign_in(Client(), "kommun", self.kommun_idp, email="ny@mjolby.se", email_verified=True)
        self.assertEqual(again.status_code, 302)
        self.assertEqual(Membership.objects.filter(user=user).count(), 1)

    def test_it_signs_in_an_existing_member_and_keeps_their_password(self) -> None:
        client = Client()
        response = self.sign_in(client, "kommun", self.kommun_idp, email="lasare@a.example", email_verified=True)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(int(client.session["_auth_user_id"]), self.viewer.pk)
        self.viewer.refresh_from_db()
        self.assertTrue(self.viewer.has_usable_password())
        self.assertNotIn("lofte_mfa_by_provider", client.session)

    def test_it_refuses_an_unverified_address(self) -> None:
        before = self.counts()
        client = Client()
        response = self.sign_in(client, "kommun", self.kommun_idp, email="lasare@a.example", email_verified=False)
        self.assertRedirects(response, "/konto/logga-in/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(self.counts(), before)
        self.assertContains(client.get("/konto/logga-in/"), "har inte bekräftat e-postadressen")
        # Without the claim, an address counts as verified only from a provider trusted for it.
        missing = self.sign_in(Client(), "kommun", self.kommun_idp, email="lasare@a.example")
        self.assertRedirects(missing, "/konto/logga-in/", fetch_redirect_response=False)

    def test_it_marks_the_session_when_a_trusted_provider_proves_a_second_factor(self) -> None:
        client = Client()
        self.sign_in(
            client, "kommun", self.kommun_idp, email="polis@a.example", email_verified=True, amr=["pwd", "mfa"]
        )
        self.assertEqual(int(client.session["_auth_user_id"]), self.polis.pk)
        self.assertIs(client.session["lofte_mfa_by_provider"], True)
        password_only = Client()
        self.sign_in(
            password_only, "kommun", self.kommun_idp, email="polis@a.example", email_verified=True, amr=["pwd"]
        )
        self.assertNotIn("lofte_mfa_by_provider", password_only.session)
        # A provider not trusted for it (polisen) never sets it, whatever its claim.
        untrusted = Client()
        self.sign_in(untrusted, "polisen", self.polis_idp, email="per@polisen.se", amr=["mfa"])
        self.assertNotIn("lofte_mfa_by_provider", untrusted.session)

    def test_it_still_asks_for_the_code_of_a_user_with_an_authenticator(self) -> None:
        # allauth's MFA stage runs after a provider's sign-in too (no hook skips it); the flag is set afterwards.
        Authenticator.objects.create(user=self.polis, type=Authenticator.Type.TOTP, data={"secret": "x"})
        client = Client()
        response = self.sign_in(
            client, "kommun", self.kommun_idp, email="polis@a.example", email_verified=True, amr=["mfa"]
        )
        self.assertRedirects(response, "/konto/2fa/authenticate/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertNotIn("lofte_mfa_by_provider", client.session)

    def test_it_uses_two_providers_at_once(self) -> None:
        self.invite("per@polisen.se", self.lpo_a, Role.LASARE)
        page = Client().get("/konto/logga-in/")
        self.assertContains(page, "Logga in med Mjölby kommun")
        self.assertContains(page, "Logga in med Polisen")
        self.assertContains(page, "För adresser på polisen.se")
        police = Client()
        # Polisen's provider is trusted for addresses without email_verified (set in the admin).
        self.sign_in(police, "polisen", self.polis_idp, email="per@polisen.se")
        user = User.objects.get(email="per@polisen.se")
        self.assertEqual(int(police.session["_auth_user_id"]), user.pk)
        kommun = Client()
        self.sign_in(kommun, "kommun", self.kommun_idp, email="samordnare@a.example", email_verified=True)
        self.assertEqual(int(kommun.session["_auth_user_id"]), self.samordnare.pk)

    def test_it_refuses_an_address_outside_the_providers_domains(self) -> None:
        # Polisen's provider serves polisen.se; a kommun member may not come through it.
        client = Client()
        response = self.sign_in(client, "polisen", self.polis_idp, email="lasare@a.example", email_verified=True)
        self.assertRedirects(response, "/konto/logga-in/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertFalse(SocialAccount.objects.exists())
        # Mapped to the police's organisation too, it serves that organisation's members at any address.
        SignInProvider.objects.get(provider_id="polisen").organisations.add(self.lpo_a)
        police = Client()
        self.sign_in(police, "polisen", self.polis_idp, email="polis@a.example", email_verified=True)
        self.assertEqual(int(police.session["_auth_user_id"]), self.polis.pk)

    def test_it_refuses_a_deactivated_user(self) -> None:
        self.viewer.is_active = False
        self.viewer.save(update_fields=["is_active"])
        client = Client()
        self.sign_in(client, "kommun", self.kommun_idp, email="lasare@a.example", email_verified=True)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertFalse(SocialAccount.objects.exists())

    def test_it_refuses_a_connected_account_once_its_user_is_deactivated(self) -> None:
        self.sign_in(Client(), "kommun", self.kommun_idp, email="lasare@a.example", email_verified=True)
        self.assertTrue(SocialAccount.objects.filter(user=self.viewer).exists())
        self.viewer.is_active = False
        self.viewer.save(update_fields=["is_active"])
        client = Client()
        response = self.sign_in(client, "kommun", self.kommun_idp, email="lasare@a.example", email_verified=True)
        self.assertRedirects(response, "/konto/logga-in/", fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(AuditEvent.objects.filter(action="sso.refuse").get().changes["reason"], "inactive")

    def test_it_shows_no_provider_buttons_when_none_is_configured(self) -> None:
        SocialApp.objects.all().delete()
        with override_settings(LOFTE_OIDC_PROVIDERS=[], SOCIALACCOUNT_PROVIDERS={"openid_connect": {"APPS": []}}):
            page = Client().get("/konto/logga-in/")
        self.assertNotContains(page, "Logga in med")
        self.assertNotContains(page, "Med din organisations konto")


class ProviderConfigurationTests(SimpleTestCase):
    def test_it_reads_providers_and_their_secrets_from_the_environment(self) -> None:
        text = json.dumps(
            [
                {
                    "id": "mjolby",
                    "name": "Mjölby kommun",
                    "server_url": "https://login.microsoftonline.com/tenant-id/v2.0",
                    "client_id": "abc",
                    "secret_env": "MJOLBY_SECRET",
                    "email_domains": ["Mjolby.se"],
                    "trust_email": True,
                    "trust_mfa": True,
                },
                {
                    "id": "polisen",
                    "name": "Polisen",
                    "server_url": "https://idp.polisen.se",
                    "client_id": "x",
                    "secret": "s",
                },
            ]
        )
        providers = parse_oidc_providers(text, secret={"MJOLBY_SECRET": "hemligt"}.get)
        self.assertEqual(
            allauth_apps(providers)[0],
            {
                "provider_id": "mjolby",
                "name": "Mjölby kommun",
                "client_id": "abc",
                "secret": "hemligt",
                "settings": {"server_url": "https://login.microsoftonline.com/tenant-id/v2.0"},
            },
        )
        rules = providers[0].rules
        self.assertEqual((rules.email_domains, rules.trust_email, rules.trust_mfa), (("mjolby.se",), True, True))
        self.assertEqual(providers[1].rules, ProviderRules("polisen"))

    def test_it_names_the_entry_and_field_that_is_wrong(self) -> None:
        cases = {
            "[{]": "not JSON",
            '{"id": "x"}': "must be a JSON list",
            '[{"id": "x", "name": "X", "server_url": "https://x"}]': "LOFTE_OIDC_PROVIDERS[0]: client_id is required",
            '[{"id": "x", "name": "X", "server_url": "https://x", "client_id": "c", "secret_env": "UNSET"}]': "secret",
            '[{"id": "X Y", "name": "X", "server_url": "https://x", "client_id": "c", "secret": "s"}]': "id must be",
        }
        for text, message in cases.items():
            with self.subTest(text=text), self.assertRaisesMessage(ImproperlyConfigured, message):
                parse_oidc_providers(text, secret=lambda name: None)

    def test_it_counts_a_second_factor_only_from_a_trusted_provider(self) -> None:
        trusted = ProviderRules("p", trust_mfa=True, mfa_acr=("urn:example:mfa",))
        self.assertTrue(trusted.proves_mfa({"amr": ["pwd", "mfa"]}))
        self.assertTrue(trusted.proves_mfa({"amr": ["hwk"]}))
        self.assertTrue(trusted.proves_mfa({"acr": "urn:example:mfa"}))
        self.assertFalse(trusted.proves_mfa({"amr": ["pwd"], "acr": "1"}))
        self.assertFalse(ProviderRules("p").proves_mfa({"amr": ["mfa"]}))

    def test_it_trusts_an_address_by_the_claim_or_by_explicit_setting(self) -> None:
        self.assertTrue(ProviderRules("p").email_is_verified({"email_verified": "true"}))
        self.assertFalse(ProviderRules("p").email_is_verified({}))
        self.assertTrue(ProviderRules("p", trust_email=True).email_is_verified({}))
        self.assertFalse(ProviderRules("p", trust_email=True).email_is_verified({"email_verified": False}))


class SignInProviderAdminTests(BaseTestCase):
    def test_it_lets_the_system_admin_set_a_providers_rules_with_an_audit_row(self) -> None:
        client = self.client_for(self.staff)
        response = client.post(
            "/admin/accounts/signinprovider/add/",
            {
                "provider_id": "mjolby",
                "email_domains": "mjolby.se",
                "organisations": [self.kommun_org_a.pk],
                "trust_email": "on",
                "mfa_amr": "mfa",
                "mfa_acr": "",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        row = SignInProvider.objects.get(provider_id="mjolby")
        self.assertEqual(list(row.organisations.all()), [self.kommun_org_a])
        self.assertTrue(AuditEvent.objects.filter(action="admin.create").exists())
        self.assertEqual(self.client_for(self.samordnare).get("/admin/accounts/signinprovider/").status_code, 302)


def _saml_identity() -> tuple[str, str]:
    """A self-signed certificate and its key, as a SAML IdP signs with."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


SAML_RESPONSE = """<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r{rid}" Version="2.0" IssueInstant="{now}"
 Destination="{acs}" InResponseTo="{request_id}"><saml:Issuer>{idp}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_a{rid}" Version="2.0" IssueInstant="{now}"><saml:Issuer>{idp}</saml:Issuer>
<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{uid}</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData NotOnOrAfter="{later}" Recipient="{acs}" InResponseTo="{request_id}"/>
</saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="{before}" NotOnOrAfter="{later}"><saml:AudienceRestriction>
<saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AuthnStatement AuthnInstant="{now}" SessionIndex="_s{rid}"><saml:AuthnContext>
<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>
</saml:AuthnContext></saml:AuthnStatement>
<saml:AttributeStatement>
<saml:Attribute Name="urn:oasis:names:tc:SAML:attribute:subject-id"><saml:AttributeValue>{uid}</saml:AttributeValue>
</saml:Attribute>
<saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress">
<saml:AttributeValue>{email}</saml:AttributeValue></saml:Attribute>
</saml:AttributeStatement></saml:Assertion></samlp:Response>"""


class SamlSignOnTests(BaseTestCase):
    """SAML 2.0 through allauth's provider (python3-saml, xmlsec): a response signed here as an IdP would."""

    IDP = "https://idp.mjolby.example/saml"

    def setUp(self) -> None:
        self.cert, self.key = _saml_identity()
        body = "".join(self.cert.strip().splitlines()[1:-1])
        SocialApp.objects.create(
            provider="saml",
            provider_id="mjolby-saml",
            name="Mjölby kommun (SAML)",
            client_id="mjolby",
            settings={
                "idp": {"entity_id": self.IDP, "sso_url": f"{self.IDP}/sso", "x509cert": body},
                "advanced": {"want_assertion_signed": False, "want_message_signed": True},
            },
        )
        SignInProvider.objects.create(provider_id="mjolby-saml", email_domains="mjolby.se", trust_email=True)

    def sign_in(self, client: Client, email: str) -> Any:
        start = client.post("/konto/saml/mjolby/login/")
        self.assertEqual(start.status_code, 302)
        query = parse_qs(urlsplit(start["Location"]).query)
        request_xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
        request_id = re.search(r'ID="([^"]+)"', request_xml).group(1)  # type: ignore[union-attr]
        now = datetime.now(UTC)
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        xml = SAML_RESPONSE.format(
            rid=secrets.token_hex(8),
            now=now.strftime(stamp),
            before=(now - timedelta(minutes=1)).strftime(stamp),
            later=(now + timedelta(minutes=5)).strftime(stamp),
            acs="http://127.0.0.1/konto/saml/mjolby/acs/",
            audience="http://127.0.0.1/konto/saml/mjolby/metadata/",
            request_id=request_id,
            idp=self.IDP,
            uid="uid-" + email,
            email=email,
        )
        signed = OneLogin_Saml2_Utils.add_sign(
            xml,
            self.key,
            self.cert,
            sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
            digest_algorithm=OneLogin_Saml2_Constants.SHA256,
        )
        posted = client.post(
            "/konto/saml/mjolby/acs/",
            {"SAMLResponse": base64.b64encode(signed).decode(), "RelayState": query.get("RelayState", [""])[0]},
        )
        self.assertEqual(posted.status_code, 302)
        return client.get(posted["Location"])

    def test_it_signs_in_an_invited_address_through_saml(self) -> None:
        _, token_hash = new_token()
        Invitation.objects.create(
            email="ny@mjolby.se",
            organisation=self.kommun_org_a,
            partnership=self.partnership_a,
            role=Role.LASARE,
            token_hash=token_hash,
            invited_by=self.samordnare,
            expires_at=timezone.now() + timedelta(days=7),
        )
        self.assertContains(Client().get("/konto/logga-in/"), "Logga in med Mjölby kommun (SAML)")
        client = Client(HTTP_HOST="127.0.0.1")  # as every browser sends; python3-saml reads it
        response = self.sign_in(client, "ny@mjolby.se")
        self.assertEqual(response.status_code, 302, response.content[:3000])
        user = User.objects.get(email="ny@mjolby.se")
        self.assertEqual(int(client.session["_auth_user_id"]), user.pk)
        self.assertTrue(Membership.objects.filter(user=user, organisation=self.kommun_org_a).exists())

    def test_it_refuses_an_unknown_address_through_saml(self) -> None:
        users = User.objects.count()
        client = Client(HTTP_HOST="127.0.0.1")  # as every browser sends; python3-saml reads it
        response = self.sign_in(client, "okand@mjolby.se")
        self.assertRedirects(response, "/konto/logga-in/", fetch_redirect_response=False)
        self.assertEqual(User.objects.count(), users)
        self.assertFalse(SocialAccount.objects.exists())

    def test_it_refuses_a_response_signed_by_another_key(self) -> None:
        self.cert, self.key = _saml_identity()  # not the certificate the app trusts
        client = Client(HTTP_HOST="127.0.0.1")  # as every browser sends; python3-saml reads it
        response = self.sign_in(client, "samordnare@a.example")
        self.assertNotIn("_auth_user_id", client.session)
        self.assertEqual(response.status_code, 401)

    def test_it_links_xmlsec_and_lxml_against_the_same_libxml2(self) -> None:
        self.assertEqual(xmlsec.get_libxml_version(), etree.LIBXML_VERSION)
