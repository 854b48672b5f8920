"""A person's data on request (lofte.operations.subjects): the operator's search, the register extract as JSON and
PDF, erasure with its confirmation, who may use them, and the guard that `collect` covers every field that points
at a person."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from lofte.accounts.models import Invitation, PersonalAccessToken, User
from lofte.audit.models import AuditEvent
from lofte.citizens.grannsamverkan.actions import do_add_contact, do_create_group
from lofte.citizens.models import Delivery, GroupContact, Subscription
from lofte.citizens.subscriptions.actions import do_subscribe
from lofte.citizens.tips.actions import ACTOR as CITIZEN
from lofte.citizens.tips.actions import Tip, do_report_tip
from lofte.est.intake import IncidentInput, report_incidents
from lofte.est.models import Incident, IncidentUpdate
from lofte.est.status import change_status
from lofte.est.weekly.queries import compile_week
from lofte.operations.subjects.actions import SubjectRefused, do_erase_subject, subject_key
from lofte.operations.subjects.collect import COVERED, NOT_COLLECTED, collect
from lofte.partnerships.access import get_partnership_for_user
from lofte.partnerships.models import Membership
from lofte.situation.models import Lagesbild
from tests.base import make_user
from tests.cases import CENTRE, WEEK, EstCase, at, stored_text_columns
from tests.documents import pdf_accessibility_problems, pdf_text

EMAIL = "tove.testperson@a.example"
NAME = "Tove Testperson"
INDEX = "/drift/personer/"


class SubjectCase(EstCase):
    """Tove, a samordnare in Mjölby, with data of every kind Löfte keeps about a person."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        tove = make_user(EMAIL, NAME, cls.kommun_org_a, Membership.Role.SAMORDNARE)
        Membership.objects.filter(user=tove).update(title="Trygghetssamordnare")
        cls.tove = tove
        now = timezone.now()
        Invitation.objects.create(
            email=EMAIL.upper(),
            full_name=NAME,
            organisation=cls.kommun_org_a,
            partnership=cls.partnership_a,
            role=Membership.Role.SAMORDNARE,
            token_hash="0" * 64,
            invited_by=cls.samordnare,
            expires_at=now + timedelta(days=7),
        )
        AccessAttempt.objects.create(
            username=EMAIL, ip_address="192.0.2.1", user_agent="Firefox", failures_since_start=1
        )
        UserSession.objects.create(user=tove, ip="192.0.2.1", session_key="s" * 32, user_agent="Firefox")
        Authenticator.objects.create(user=tove, type=Authenticator.Type.TOTP, data={"secret": "HEMLIG"})
        PersonalAccessToken.objects.create(
            user=tove,
            name="BI-verktyget",
            partnership=cls.partnership_a,
            prefix="abcd1234",
            token_hash="1" * 64,
            expires_at=now + timedelta(days=30),
        )
        klotter = cls.categories["skadegorelse.klotter"]
        (cls.report_,) = report_incidents(
            cls.partnership_a,
            [IncidentInput(klotter, at(WEEK), *CENTRE, description="Klotter på gaveln vid Toves entré")],
            reporter=tove,
            organisation=cls.kommun_org_a,
            actor=tove,
            source=Incident.Source.WEB,
            now=at(WEEK) + timedelta(hours=1),
        )
        change_status(cls.report_, Incident.Status.GRANSKAD, actor=tove, access=None, note="Toves anteckning")
        tip_category = next(c for c in cls.categories.values() if c.citizen)
        cls.tip = do_report_tip(
            cls.partnership_a,
            Tip(tip_category, "Trasig belysning i tunneln", *CENTRE, contact_email=EMAIL),
            actor=CITIZEN,
            now=at(WEEK, day=3),
        )
        change_status(cls.tip, Incident.Status.GRANSKAD, actor=cls.samordnare, access=None)
        subscription = do_subscribe(
            kommun=cls.kommun_a, area=cls.kommun_a, email=EMAIL, warnings=True, follow_ups=True, actor=CITIZEN
        )
        Delivery.objects.create(kind=Delivery.Kind.CONFIRM, subscription=subscription, email=EMAIL)
        access = get_partnership_for_user(cls.samordnare, "mjolby")
        group = do_create_group(access, name="Grannsamverkan Centrum", area=cls.kommun_a, actor=cls.samordnare)
        do_add_contact(access, group, email=EMAIL, name=NAME, actor=cls.samordnare)
        cls.lagesbild = Lagesbild.objects.create(
            partnership=cls.partnership_a,
            version=1,
            title="Lägesbild 2026",
            status=Lagesbild.Status.FASTSTALLD,
            year_from=2024,
            year_to=2025,
            created_by=tove,
            adopted_by=tove,
            adopted_at=now,
            decision="Kommunstyrelsen 2026-03-12 § 45",
        )
        AuditEvent.objects.create(action="auth.login_failed", actor_label=EMAIL)


class CollectTests(SubjectCase):
    def test_it_lists_data_of_every_kind(self) -> None:
        data = collect(" Tove.Testperson@A.example ")
        found = {kind: {item.model for item in data.group(kind).items} for kind in [g.kind for g in data.groups]}
        assert found["account"] == {"accounts.User", "partnerships.Membership"}
        assert found["invitations"] == {"accounts.Invitation"}
        assert found["sign_in"] == {"axes.AccessAttempt", "usersessions.UserSession", "mfa.Authenticator"}
        assert found["tokens"] == {"accounts.PersonalAccessToken"}
        assert found["audit"] == {"audit.AuditEvent"}
        assert found["est"] == {"est.Incident", "est.IncidentUpdate"}
        assert found["tips"] == {"est.Incident"}
        assert found["subscriptions"] == {"citizens.Subscription", "citizens.GroupContact", "citizens.Delivery"}
        assert found["authored"] == {"situation.Lagesbild"}
        text = json.dumps(data.as_json(), ensure_ascii=False)
        for shown in ("Klotter på gaveln", "Toves anteckning", "BI-verktyget", "Trygghetssamordnare", "Firefox"):
            assert shown in text
        assert "HEMLIG" not in text and "1" * 64 not in text and "s" * 32 not in text  # no secrets

    def test_it_finds_nothing_for_an_unknown_address(self) -> None:
        data = collect("ingen@example.org")
        assert not data.found and data.user is None


class PageTests(SubjectCase):
    def test_it_shows_the_person_to_the_operator_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.staff)
        client.get(INDEX, {"email": EMAIL})
        with self.assertNumQueries(34):
            response = client.get(INDEX, {"email": EMAIL})
        assert response.status_code == 200
        for text in ("Klotter på gaveln", "BI-verktyget", "finns", "Lägesbild", "Grannsamverkan Centrum"):
            self.assertContains(response, text)
        self.assertNotContains(response, "HEMLIG")

    def test_it_finds_the_person_from_their_account(self) -> None:
        response = self.client_for(self.staff).get(INDEX, {"user": self.tove.pk})
        self.assertContains(response, "Toves anteckning")

    def test_only_the_operator_reaches_the_pages(self) -> None:
        for user in [self.samordnare, self.polis, self.reporter, self.viewer, self.tove]:
            client = self.client_for(user)
            assert client.get(INDEX, {"email": EMAIL}).status_code == 403
            assert client.post(f"{INDEX}utdrag/", {"email": EMAIL, "format": "json"}).status_code == 403
            assert client.post(f"{INDEX}radera/", {"email": EMAIL, "confirm": "on"}).status_code == 403
        assert self.client_for(None).get(INDEX).status_code == 302
        assert User.objects.filter(email=EMAIL, is_active=True).exists()


class ExportTests(SubjectCase):
    def test_it_downloads_the_extract_as_json_and_audits_it_without_the_address(self) -> None:
        response = self.client_for(self.staff).post(f"{INDEX}utdrag/", {"email": EMAIL, "format": "json"})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        body = json.loads(response.content)
        assert set(body) == {"email", "user_id", "collected_at", "groups"}
        assert body["email"] == EMAIL and body["user_id"] == self.tove.pk
        group = body["groups"][0]
        keys = {"kind", "title", "purpose", "legal_basis", "retention", "source", "on_erasure", "count", "items"}
        assert set(group) == keys
        assert set(group["items"][0]) == {"model", "id", "title", "fields"}
        assert group["items"][0]["fields"]["email"] == EMAIL
        event = AuditEvent.objects.get(action="subject.export")
        assert event.changes["subject"] == subject_key(EMAIL) and event.changes["format"] == "json"
        assert EMAIL not in json.dumps(event.changes) and EMAIL not in event.object_repr

    def test_it_renders_the_extract_as_a_pdf(self) -> None:
        response = self.client_for(self.staff).post(f"{INDEX}utdrag/", {"email": EMAIL, "format": "pdf"})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        for heading in ("Registerutdrag", "Användarkonto och medlemskap", "Tips från allmänheten", "Rättslig grund"):
            assert heading in text
        assert "Klotter på gaveln" in text
        assert pdf_accessibility_problems(response.content, title="Registerutdrag") == []

    def test_a_get_downloads_nothing(self) -> None:
        assert self.client_for(self.staff).get(f"{INDEX}utdrag/", {"email": EMAIL}).status_code == 405
        assert not AuditEvent.objects.filter(action="subject.export").exists()


class EraseTests(SubjectCase):
    def week(self) -> tuple[Any, ...]:
        picture = compile_week(self.partnership_a, WEEK.year, WEEK.week, precise=True)
        return picture.total, picture.categories, picture.areas, picture.unlocated

    def test_it_asks_for_confirmation_first(self) -> None:
        client = self.client_for(self.staff)
        page = client.get(f"{INDEX}radera/", {"email": EMAIL})
        assert page.status_code == 200
        for text in ("Det här raderas", "Det här anonymiseras", "Det här måste behållas", "arkivlagen"):
            self.assertContains(page, text)
        assert client.post(f"{INDEX}radera/", {"email": EMAIL}).status_code == 400
        assert User.objects.filter(email=EMAIL, is_active=True).exists()
        assert not AuditEvent.objects.filter(action="subject.erase").exists()

    def test_it_erases_the_person_and_keeps_the_counts_and_the_records(self) -> None:
        before = self.week()
        response = self.client_for(self.staff).post(f"{INDEX}radera/", {"email": EMAIL, "confirm": "on"})
        assert response.status_code == 302
        assert stored_text_columns(EMAIL) == []
        assert stored_text_columns(NAME) == []
        assert stored_text_columns("Toves") == []  # the free text they wrote
        assert self.week() == before
        tove = User.objects.get(pk=self.tove.pk)
        assert tove.full_name == f"Borttagen användare {tove.pk}" and tove.email == f"borttagen-{tove.pk}@invalid"
        assert not tove.is_active and not tove.has_usable_password()
        assert not UserSession.objects.filter(user=tove).exists()
        assert not Authenticator.objects.filter(user=tove).exists()
        assert not PersonalAccessToken.objects.filter(user=tove).exists()
        assert not Subscription.objects.exists() and not GroupContact.objects.exists()
        assert Delivery.objects.count() == 1
        assert (
            Incident.objects.filter(pk__in=[self.report_.pk, self.tip.pk], status=Incident.Status.GRANSKAD).count() == 2
        )
        assert list(IncidentUpdate.objects.filter(author=tove).values_list("note", flat=True)) == ["", ""]
        lagesbild = Lagesbild.objects.get(pk=self.lagesbild.pk)
        assert lagesbild.status == Lagesbild.Status.FASTSTALLD and lagesbild.adopted_by_id == tove.pk
        assert AuditEvent.objects.filter(actor=tove).exclude(actor_label=tove.full_name).count() == 0
        (event,) = AuditEvent.objects.filter(action="subject.erase")
        assert event.changes["user_id"] == tove.pk and event.changes["counts"]["subscriptions_deleted"] == 1
        assert event.actor_id == self.staff.pk

    def test_it_erases_a_citizen_without_an_account(self) -> None:
        citizen = "granne@example.org"
        do_subscribe(
            kommun=self.kommun_a, area=self.kommun_a, email=citizen, warnings=True, follow_ups=False, actor=CITIZEN
        )
        counts = do_erase_subject("Granne@Example.org", actor=self.staff)
        assert counts["subscriptions_deleted"] == 1
        assert stored_text_columns(citizen) == []
        assert User.objects.filter(email=EMAIL, is_active=True).exists()

    def test_the_operator_cannot_erase_themself_or_nobody(self) -> None:
        with self.assertRaisesMessage(SubjectRefused, "egna"):
            do_erase_subject(self.staff.email, actor=self.staff)
        with self.assertRaisesMessage(SubjectRefused, "inga uppgifter"):
            do_erase_subject("ingen@example.org", actor=self.staff)
        with self.assertRaises(SubjectRefused):
            do_erase_subject(EMAIL, actor=self.samordnare)
        assert User.objects.filter(pk=self.staff.pk, is_active=True).exists()


def test_collect_covers_every_field_that_points_at_a_person() -> None:
    """A new foreign key to the user or a new e-mail field must be collected, or listed with a reason."""
    user_model = get_user_model()
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            points = getattr(field, "concrete", False) and field.is_relation and field.related_model is user_model
            if points or isinstance(field, models.EmailField):
                found.add(f"{model._meta.label}.{field.name}")
    assert found - COVERED - set(NOT_COLLECTED) == set(), "add it to lofte/operations/subjects/collect.py"
    assert (COVERED | set(NOT_COLLECTED)) - found == set(), "a listed field no longer exists"
    assert all(reason.strip() for reason in NOT_COLLECTED.values())
