"""The agreement, medborgarlöften and their decision through their actions (lofte.promises.agreement.actions,
lofte.promises.lofte.actions): rights, partnerships, the workflow and its locks, personal data, files and the audit
log."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any
from unittest import mock

import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse

from lofte.audit.models import ACTION_LABELS, AuditEvent
from lofte.promises import editing
from lofte.promises.agreement import actions as agreement_actions
from lofte.promises.editing import PromiseRefused
from lofte.promises.lofte import actions
from lofte.promises.models import (
    Activity,
    Agreement,
    AgreementDocument,
    Goal,
    Medborgarlofte,
    Promise,
)
from lofte.situation.lagesbild.actions import (
    do_create_lagesbild,
)
from lofte.statistics.models import Metric
from tests.cases import FRAUD, INFORM, WARN, PromiseCase, TemporaryMedia
from tests.factories import PDF

LOCKED = "Medborgarlöftet är beslutat och dess text kan inte ändras."


def actions_written(since: int = 0) -> list[str]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("id").values_list("action", flat=True))


class AgreementTest(PromiseCase):
    def test_it_creates_an_agreement_with_brås_parts_and_audits_it(self) -> None:
        agreement = self.agreement(
            focus_problems="Narkotika och bedrägerier.", probable_causes="Tillgång och okunskap."
        )
        self.assertEqual(agreement.partnership, self.partnership_a)
        self.assertEqual(agreement.followup_bodies, ["Beredning stärkt livskraft", "Kommunstyrelsen"])
        done = dict(agreement.completeness())
        self.assertTrue(done["Fokusproblem"])
        self.assertFalse(done["Mätbara mål"])
        event = AuditEvent.objects.get(action="agreement.create")
        self.assertEqual((event.partnership, event.object_id), (self.partnership_a, str(agreement.pk)))
        self.assertEqual(event.changes["title"], agreement.title)

    def test_it_updates_only_what_changed(self) -> None:
        agreement = self.agreement()
        changed = agreement_actions.do_update_agreement(
            self.access(),
            agreement,
            measurable_goals="Färre bedrägerier än 2023.",
            title=agreement.title,
            actor=self.polis,
        )
        self.assertEqual(changed, ["measurable_goals"])
        self.assertEqual(
            agreement_actions.do_update_agreement(self.access(), agreement, title=agreement.title, actor=self.polis), []
        )
        self.assertEqual(AuditEvent.objects.filter(action="agreement.update").count(), 1)

    def test_it_refuses_a_period_that_ends_before_it_starts(self) -> None:
        with self.assertRaisesMessage(PromiseRefused, "Slutet kan inte ligga före början."):
            self.agreement(starts_on=date(2026, 1, 1), ends_on=date(2025, 1, 1))
        self.assertFalse(Agreement.objects.exists())

    def test_it_refuses_members_who_may_not_edit(self) -> None:
        for user in (self.reporter, self.viewer):
            with self.subTest(user=user.email), self.assertRaisesMessage(PromiseRefused, "behörighet"):
                agreement_actions.do_create_agreement(
                    self.access(user), title="X", starts_on=date(2024, 1, 1), ends_on=date(2025, 1, 1), actor=user
                )
        agreement = self.agreement()
        with self.assertRaisesMessage(PromiseRefused, "behörighet"):
            agreement_actions.do_add_signatory(
                self.access(self.viewer), agreement, name="A", role="B", actor=self.viewer
            )

    def test_it_refuses_another_partnerships_samordnare(self) -> None:
        agreement = self.agreement()
        other = self.access(self.samordnare_b, self.partnership_b)
        with self.assertRaisesMessage(PromiseRefused, "Överenskommelsen hör till en annan samverkan."):
            agreement_actions.do_update_agreement(other, agreement, title="Kapad", actor=self.samordnare_b)
        with self.assertRaisesMessage(PromiseRefused, "annan samverkan"):
            actions.do_create_lofte(other, agreement, title="X", year_from=2024, year_to=2024, actor=self.samordnare_b)
        agreement.refresh_from_db()
        self.assertNotEqual(agreement.title, "Kapad")

    def test_it_refuses_personal_data(self) -> None:
        with self.assertRaisesMessage(PromiseRefused, "Texten innehåller ett telefonnummer."):
            self.agreement(follow_up="Ring samordnaren på 070-123 45 67.")
        with self.assertRaisesMessage(PromiseRefused, "e-postadress"):
            self.agreement(followup_bodies=["Kommunstyrelsen", "per@example.org"])
        self.assertFalse(Agreement.objects.exists())

    def test_it_adds_and_removes_signatories_of_the_parties(self) -> None:
        agreement = self.agreement()
        signatory = agreement_actions.do_add_signatory(
            self.access(),
            agreement,
            name="Cecilia V Burenby",
            role="Kommunstyrelsens ordförande",
            organisation=self.kommun_org_a,
            signed_on=date(2023, 5, 30),
            actor=self.samordnare,
        )
        self.assertEqual(list(agreement.signatories.all()), [signatory])
        with self.assertRaisesMessage(PromiseRefused, "Mullsjö kommun är inte part i samverkan."):
            agreement_actions.do_add_signatory(
                self.access(), agreement, name="X", role="Y", organisation=self.kommun_org_b, actor=self.samordnare
            )
        with self.assertRaisesMessage(PromiseRefused, "personnummer"):
            agreement_actions.do_add_signatory(
                self.access(), agreement, name="19121212-1212", role="Y", actor=self.samordnare
            )
        agreement_actions.do_remove_signatory(self.access(), signatory, actor=self.samordnare)
        self.assertFalse(agreement.signatories.exists())
        self.assertEqual(actions_written()[-2:], ["agreement.add_signatory", "agreement.remove_signatory"])


class AgreementDocumentTest(TemporaryMedia, PromiseCase):
    def upload(self, content: bytes = PDF, name: str = "avtal.pdf") -> AgreementDocument:
        return agreement_actions.do_add_agreement_document(
            self.access(),
            self.agreement(),
            title="Undertecknad överenskommelse",
            file=ContentFile(content, name),
            actor=self.samordnare,
        )

    def test_it_keeps_a_pdf_with_its_checksum_and_size(self) -> None:
        document = self.upload()
        self.assertEqual(document.sha256, hashlib.sha256(PDF).hexdigest())
        self.assertEqual(document.size, len(PDF))
        self.assertEqual(document.uploaded_by, self.samordnare)
        self.assertTrue(document.file.name.endswith(".pdf"))
        self.assertEqual((self.media / document.file.name).read_bytes(), PDF)
        self.assertEqual(AuditEvent.objects.get(action="agreement.add_document").changes["sha256"], document.sha256)

    def test_it_refuses_what_is_not_a_pdf(self) -> None:
        with self.assertRaisesMessage(PromiseRefused, "Filen är inte en PDF."):
            self.upload(b"PK\x03\x04 a zip file", "avtal.pdf")
        with self.assertRaisesMessage(PromiseRefused, "Filen är tom."):
            self.upload(b"", "avtal.pdf")
        self.assertFalse(AgreementDocument.objects.exists())
        self.assertEqual(list(self.media.rglob("*.pdf")), [])

    def test_it_refuses_a_file_over_the_limit(self) -> None:
        with (
            mock.patch.object(editing, "MAX_FILE_BYTES", len(PDF) - 1),
            self.assertRaisesMessage(PromiseRefused, "för stor"),
        ):
            self.upload()
        self.assertFalse(AgreementDocument.objects.exists())

    def test_it_removes_the_file_once_the_removal_is_committed(self) -> None:
        document = self.upload()
        path = self.media / document.file.name
        with self.captureOnCommitCallbacks(execute=True):
            agreement_actions.do_remove_agreement_document(self.access(), document, actor=self.samordnare)
        self.assertFalse(path.exists())
        self.assertFalse(AgreementDocument.objects.exists())
        self.assertIn("agreement.remove_document", actions_written())

    def test_it_refuses_a_reader(self) -> None:
        with self.assertRaisesMessage(PromiseRefused, "behörighet"):
            agreement_actions.do_add_agreement_document(
                self.access(self.reporter),
                self.agreement(),
                title="X",
                file=ContentFile(PDF, "x.pdf"),
                actor=self.reporter,
            )


class LofteTest(PromiseCase):
    def test_it_creates_a_draft_on_an_adopted_lagesbild(self) -> None:
        lofte = self.lofte(crime_categories=["Bedrägeribrott", "Narkotikabrott"])
        self.assertEqual((lofte.status, lofte.lagesbild, lofte.period), ("utkast", self.lagesbild, "2024–2025"))
        self.assertEqual(AuditEvent.objects.get(action="lofte.create").changes["lagesbild"], 1)

    def test_it_refuses_a_draft_lagesbild(self) -> None:
        draft = self.draft()
        with self.assertRaisesMessage(PromiseRefused, "fastställd lägesbild"):
            self.lofte(lagesbild=draft)
        lofte = self.lofte()
        with self.assertRaisesMessage(PromiseRefused, "fastställd lägesbild"):
            actions.do_update_lofte(self.access(), lofte, lagesbild=draft, actor=self.samordnare)

    def test_it_refuses_another_partnerships_lagesbild(self) -> None:
        theirs = do_create_lagesbild(
            self.access(self.samordnare_b, self.partnership_b),
            title="B",
            year_from=2022,
            year_to=2023,
            actor=self.samordnare_b,
        )
        with self.assertRaisesMessage(PromiseRefused, "Lägesbilden hör till en annan samverkan."):
            self.lofte(lagesbild=theirs)

    def test_it_lets_the_police_write_and_refuses_readers(self) -> None:
        lofte = self.lofte()
        actions.do_add_focus_area(self.access(self.polis), lofte, name="Trafik", actor=self.polis)
        for user in (self.reporter, self.viewer):
            with self.subTest(user=user.email), self.assertRaisesMessage(PromiseRefused, "behörighet"):
                actions.do_add_focus_area(self.access(user), lofte, name="X", actor=user)

    def test_it_refuses_another_partnership(self) -> None:
        lofte, _area, promise = self.filled()
        other = self.access(self.samordnare_b, self.partnership_b)
        for attempt in (
            lambda: actions.do_update_lofte(other, lofte, title="X", actor=self.samordnare_b),
            lambda: actions.do_add_focus_area(other, lofte, name="X", actor=self.samordnare_b),
            lambda: actions.do_update_promise_status(other, promise, status="pagar", actor=self.samordnare_b),
            lambda: actions.do_add_activity(other, promise, date=date(2024, 5, 1), text="X", actor=self.samordnare_b),
            lambda: actions.do_remove_promise(other, promise, actor=self.samordnare_b),
            lambda: actions.do_propose(other, lofte, actor=self.samordnare_b),
        ):
            with self.assertRaisesMessage(PromiseRefused, "Medborgarlöftet hör till en annan samverkan."):
                attempt()
        self.assertTrue(Promise.objects.filter(pk=promise.pk, status="ej_paborjad").exists())

    def test_it_refuses_personal_data_everywhere(self) -> None:
        lofte, _area, promise = self.filled()
        access = self.access()
        for attempt in (
            lambda: actions.do_update_lofte(access, lofte, summary="Kontakta 19121212-1212", actor=self.samordnare),
            lambda: actions.do_add_focus_area(
                access, lofte, name="X", description="per@example.org", actor=self.samordnare
            ),
            lambda: actions.do_add_promise(access, lofte, text="Ring 070-123 45 67", actor=self.samordnare),
            lambda: actions.do_add_goal(
                access, lofte, text="Mål", kind="kvalitativ", evidence="070-123 45 67", actor=self.samordnare
            ),
            lambda: actions.do_add_activity(
                access, promise, date=date(2024, 5, 1), text="Ring 070-123 45 67", actor=self.samordnare
            ),
            lambda: actions.do_save_decision(
                access, lofte, distribution=["Akten", "per@example.org"], actor=self.samordnare
            ),
        ):
            with self.assertRaisesMessage(PromiseRefused, "Löfte får inte spara personuppgifter"):
                attempt()
        self.assertEqual(Promise.objects.count(), 1)
        self.assertFalse(Activity.objects.exists())


class FocusAreaAndGoalTest(PromiseCase):
    def test_it_adds_updates_orders_and_removes_focus_areas(self) -> None:
        lofte = self.lofte()
        access = self.access()
        names = ["Narkotika och folkhälsa", "Bedrägeri", "Trafikmiljö och trygghet"]
        areas = [actions.do_add_focus_area(access, lofte, name=name, actor=self.samordnare) for name in names]
        self.assertEqual([area.position for area in areas], [0, 1, 2])
        actions.do_update_focus_area(access, areas[1], description="Färre bedrägerier.", actor=self.samordnare)
        actions.do_reorder_focus_areas(access, lofte, [areas[2].pk, areas[0].pk, areas[1].pk], actor=self.samordnare)
        self.assertEqual(list(lofte.focus_areas.values_list("name", flat=True)), [names[2], names[0], names[1]])
        actions.do_move_focus_area(access, areas[1], up=True, actor=self.samordnare)
        self.assertEqual(list(lofte.focus_areas.values_list("name", flat=True)), [names[2], names[1], names[0]])
        with self.assertRaisesMessage(PromiseRefused, "varje del precis en gång"):
            actions.do_reorder_focus_areas(
                access, lofte, [areas[0].pk, areas[0].pk, areas[1].pk], actor=self.samordnare
            )
        actions.do_remove_focus_area(access, areas[0], actor=self.samordnare)
        self.assertEqual(lofte.focus_areas.count(), 2)
        self.assertEqual(
            actions_written()[-6:],
            [
                "lofte.add_focus_area",
                "lofte.add_focus_area",
                "lofte.update_focus_area",
                "lofte.reorder_focus_areas",
                "lofte.reorder_focus_areas",
                "lofte.remove_focus_area",
            ],
        )

    def test_it_moves_nothing_past_the_end(self) -> None:
        lofte = self.lofte()
        area = actions.do_add_focus_area(self.access(), lofte, name="Ensam", actor=self.samordnare)
        before = AuditEvent.objects.count()
        actions.do_move_focus_area(self.access(), area, up=True, actor=self.samordnare)
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_it_adds_a_goal_bound_to_a_metric_in_the_kommun(self) -> None:
        lofte, area, _promise = self.filled()
        goal = lofte.goals.get()
        self.assertEqual((goal.metric.code, goal.area.code, goal.focus_area), ("anmalda.totalt", "0586", area))
        event = AuditEvent.objects.get(action="lofte.add_goal")
        self.assertEqual(event.changes["rule"]["metric"], "anmalda.totalt")
        changed = actions.do_update_goal(
            self.access(), goal, target=Goal.Target.PERCENT, target_value=10.0, actor=self.samordnare
        )
        self.assertEqual(changed, ["target", "target_value"])

    def test_it_refuses_a_goal_that_cannot_be_measured(self) -> None:
        lofte = self.lofte()
        access = self.access()

        def goal(**fields: Any) -> Goal:
            values = {
                "kind": "statistik",
                "metric_code": "anmalda.totalt",
                "area_code": "0586",
                "baseline_period": "2023",
            }
            return actions.do_add_goal(access, lofte, text="Färre brott", actor=self.samordnare, **(values | fields))

        with self.assertRaisesMessage(PromiseRefused, "Det finns inget mått med koden anmalda.pafund."):
            goal(metric_code="anmalda.pafund")
        with self.assertRaisesMessage(PromiseRefused, "Det finns inget område med koden 9999."):
            goal(area_code="9999")
        with self.assertRaisesMessage(PromiseRefused, "Området ligger utanför samverkans kommun."):
            goal(area_code="0642")
        with self.assertRaisesMessage(PromiseRefused, "behöver ett mått, ett område och en basperiod"):
            goal(baseline_period="")
        with self.assertRaisesMessage(PromiseRefused, "Ange procenten eller nivån."):
            goal(target="percent")
        with self.assertRaisesMessage(PromiseRefused, "Ett kvalitativt mål behöver ett krav på underlag."):
            goal(kind="kvalitativ", metric_code="", area_code="", baseline_period="")
        other = self.lofte(title="Ett annat löfte")
        elsewhere = actions.do_add_focus_area(access, other, name="Annat", actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "Fokusområdet hör till ett annat medborgarlöfte."):
            goal(focus_area=elsewhere)
        self.assertFalse(lofte.goals.exists())
        qualitative = goal(kind="kvalitativ", metric_code="", area_code="", evidence="Enkät till deltagarna.")
        self.assertIsNone(qualitative.metric)

    def test_it_orders_goals_within_their_focus_area(self) -> None:
        lofte = self.lofte()
        access = self.access()

        def add(text: str) -> Goal:
            return actions.do_add_goal(access, lofte, text=text, kind="kvalitativ", evidence="E", actor=self.samordnare)

        first, second, third = add("A"), add("B"), add("C")
        actions.do_move_goal(access, third, up=True, actor=self.samordnare)
        self.assertEqual(list(lofte.goals.values_list("text", flat=True)), ["A", "C", "B"])
        actions.do_reorder_goals(access, lofte, [second.pk, first.pk, third.pk], actor=self.samordnare)
        self.assertEqual(list(lofte.goals.values_list("text", flat=True)), ["B", "A", "C"])
        actions.do_remove_goal(access, first, actor=self.samordnare)
        self.assertEqual(lofte.goals.count(), 2)


class PromiseTest(PromiseCase):
    def test_it_adds_a_promise_with_its_responsible_parties(self) -> None:
        _lofte, _area, promise = self.filled()
        self.assertEqual(set(promise.responsible.all()), {self.kommun_org_a, self.lpo_a})
        event = AuditEvent.objects.get(action="lofte.add_promise")
        self.assertEqual(event.changes["responsible"], ["Lokalpolisområde Motala", "Mjölby kommun"])
        changed = actions.do_update_promise(
            self.access(), promise, text=INFORM, responsible=[self.kommun_org_a, self.housing_a], actor=self.samordnare
        )
        self.assertEqual(sorted(changed), ["responsible", "text"])
        self.assertEqual(set(promise.responsible.all()), {self.kommun_org_a, self.housing_a})
        update = AuditEvent.objects.get(action="lofte.update_promise")  # one row for the whole change
        self.assertEqual(update.changes["responsible"][1], ["Bostadsbolaget i Mjölby AB", "Mjölby kommun"])
        self.assertEqual(update.changes["text"], [FRAUD, INFORM])

    def test_it_refuses_responsible_organisations_outside_the_partnership(self) -> None:
        lofte = self.lofte()
        with self.assertRaisesMessage(PromiseRefused, "Mullsjö kommun är inte part i samverkan."):
            actions.do_add_promise(
                self.access(), lofte, text=WARN, responsible=[self.kommun_org_b], actor=self.samordnare
            )
        self.assertFalse(Promise.objects.exists())

    def test_it_keeps_parts_in_the_same_lofte_without_cycles(self) -> None:
        lofte, area, promise = self.filled()
        access = self.access()
        part = actions.do_add_promise(access, lofte, text="Träff på biblioteket", parent=promise, actor=self.samordnare)
        self.assertEqual(part.focus_area, area)  # a part takes its parent's focus area
        grandchild = actions.do_add_promise(access, lofte, text="Inbjudan", parent=part, actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "en del av sig självt"):
            actions.do_update_promise(access, promise, parent=grandchild, actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "en del av sig självt"):
            actions.do_update_promise(access, promise, parent=promise, actor=self.samordnare)
        _other, _area, theirs = self.filled(self.lofte(title="Annat"))
        with self.assertRaisesMessage(PromiseRefused, "Delen måste höra till samma medborgarlöfte."):
            actions.do_add_promise(access, lofte, text="X", parent=theirs, actor=self.samordnare)
        promise.refresh_from_db()
        self.assertIsNone(promise.parent)
        actions.do_remove_promise(access, promise, actor=self.samordnare)
        self.assertFalse(Promise.objects.filter(pk__in=[promise.pk, part.pk, grandchild.pk]).exists())
        self.assertEqual(AuditEvent.objects.filter(action="lofte.remove_promise").get().changes["parts"], 1)

    def test_it_moves_a_promise_among_its_siblings(self) -> None:
        lofte, area, first = self.filled()
        access = self.access()
        second = actions.do_add_promise(access, lofte, text=WARN, focus_area=area, actor=self.samordnare)
        outside = actions.do_add_promise(access, lofte, text="Utanför", actor=self.samordnare)
        third = actions.do_add_promise(access, lofte, text=INFORM, focus_area=area, actor=self.samordnare)
        actions.do_move_promise(access, third, up=True, actor=self.samordnare)
        order = list(lofte.promises.values_list("pk", flat=True))
        self.assertEqual(order, [first.pk, third.pk, outside.pk, second.pk])
        actions.do_reorder_promises(access, lofte, [outside.pk, first.pk, second.pk, third.pk], actor=self.samordnare)
        self.assertEqual(list(lofte.promises.values_list("pk", flat=True)), [outside.pk, first.pk, second.pk, third.pk])

    def test_it_updates_status_and_progress(self) -> None:
        _lofte, _area, promise = self.filled()
        changed = actions.do_update_promise_status(
            self.access(self.polis), promise, status="pagar", progress=30, actor=self.polis
        )
        self.assertEqual(sorted(changed), ["progress", "status"])
        self.assertEqual(promise.own_progress, 30)
        with self.assertRaises(PromiseRefused):
            actions.do_update_promise_status(
                self.access(), promise, status="pagar", progress=130, actor=self.samordnare
            )
        with self.assertRaisesMessage(PromiseRefused, "behörighet"):
            actions.do_update_promise_status(self.access(self.viewer), promise, status="genomford", actor=self.viewer)
        self.assertEqual(AuditEvent.objects.filter(action="lofte.update_promise_status").count(), 1)


class ActivityTest(TemporaryMedia, PromiseCase):
    def test_it_records_activities_with_an_optional_attachment(self) -> None:
        _lofte, _area, promise = self.filled()
        access = self.access(self.polis)
        activity = actions.do_add_activity(
            access,
            promise,
            date=date(2024, 5, 14),
            text="Träff om bedrägerier på träffpunkten.",
            reach=35,
            organisation=self.lpo_a,
            attachment=ContentFile(b"Program", "program.txt"),
            actor=self.polis,
        )
        self.assertEqual((activity.reach, activity.organisation, activity.created_by), (35, self.lpo_a, self.polis))
        self.assertTrue(activity.attachment.name.endswith(".txt"))
        self.assertNotIn("program", activity.attachment.name)
        event = AuditEvent.objects.get(action="lofte.add_activity")
        self.assertNotIn("text", event.changes)  # free text stays out of the log
        with self.captureOnCommitCallbacks(execute=True):
            actions.do_remove_activity(access, activity, actor=self.polis)
        self.assertFalse(Activity.objects.exists())

    def test_it_refuses_an_organisation_outside_and_odd_attachments(self) -> None:
        _lofte, _area, promise = self.filled()
        access = self.access()
        with self.assertRaisesMessage(PromiseRefused, "Mullsjö kommun är inte part i samverkan."):
            actions.do_add_activity(
                access, promise, date=date(2024, 5, 1), text="X", organisation=self.kommun_org_b, actor=self.samordnare
            )
        with self.assertRaisesMessage(PromiseRefused, "Bilagan kan vara en fil av typen"):
            actions.do_add_activity(
                access,
                promise,
                date=date(2024, 5, 1),
                text="X",
                attachment=ContentFile(b"MZ", "x.exe"),
                actor=self.samordnare,
            )
        with self.assertRaisesMessage(PromiseRefused, "behörighet"):
            actions.do_add_activity(
                self.access(self.reporter), promise, date=date(2024, 5, 1), text="X", actor=self.reporter
            )
        self.assertFalse(Activity.objects.exists())


class WorkflowTest(PromiseCase):
    def test_it_takes_a_lofte_from_draft_to_published(self) -> None:
        start = AuditEvent.objects.latest("id").pk
        lofte, _area, _promise = self.decided()
        self.assertEqual(lofte.status, "beslutad")
        actions.do_publish(self.access(), lofte, actor=self.samordnare)
        lofte.refresh_from_db()
        self.assertEqual(lofte.status, "publicerad")
        self.assertIsNotNone(lofte.published_at)
        written = actions_written(start)
        for action in ("lofte.propose", "lofte.decide", "lofte.publish"):
            self.assertIn(action, written)
        decide = AuditEvent.objects.get(action="lofte.decide")
        self.assertEqual(decide.changes["status"], ["foreslagen", "beslutad"])
        self.assertEqual((decide.changes["paragraph"], decide.changes["case_number"]), ("§ 59", "KS/2024:126"))

    def test_it_names_what_is_missing_before_a_proposal(self) -> None:
        lofte = self.lofte()
        with self.assertRaisesMessage(
            PromiseRefused,
            "Saknas: minst ett fokusområde, minst ett löfte, ett diarienummer i beslutsuppgifterna.",
        ):
            actions.do_propose(self.access(), lofte, actor=self.samordnare)
        actions.do_save_decision(self.access(), lofte, report_author="Morgan Lantz", actor=self.samordnare)
        area = actions.do_add_focus_area(self.access(), lofte, name="Bedrägeri", actor=self.samordnare)
        actions.do_add_promise(self.access(), lofte, text=FRAUD, focus_area=area, actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "Saknas: ett diarienummer i beslutsuppgifterna."):
            actions.do_propose(self.access(), lofte, actor=self.samordnare)
        lofte.refresh_from_db()
        self.assertEqual(lofte.status, "utkast")

    def test_it_names_what_is_missing_before_a_decision(self) -> None:
        lofte, _area, _promise = self.filled()
        actions.do_propose(self.access(), lofte, actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "Saknas: organet som beslutar, sammanträdesdatum, paragraf."):
            actions.do_decide(self.access(), lofte, actor=self.samordnare)
        actions.do_save_decision(
            self.access(), lofte, body="kommunstyrelse", meeting_date=date(2024, 4, 15), actor=self.samordnare
        )
        with self.assertRaisesMessage(PromiseRefused, "Saknas: paragraf."):
            actions.do_decide(self.access(), lofte, actor=self.samordnare)

    def test_it_returns_a_proposal_to_draft(self) -> None:
        lofte, _area, _promise = self.filled()
        actions.do_propose(self.access(), lofte, actor=self.samordnare)
        actions.do_add_focus_area(self.access(), lofte, name="Ändrat efter arbetsutskottet", actor=self.samordnare)
        actions.do_return_to_draft(self.access(), lofte, actor=self.samordnare)
        lofte.refresh_from_db()
        self.assertEqual(lofte.status, "utkast")
        self.assertEqual(
            AuditEvent.objects.get(action="lofte.return_to_draft").changes["status"], ["foreslagen", "utkast"]
        )

    def test_it_refuses_steps_out_of_order(self) -> None:
        lofte, _area, _promise = self.filled()
        access = self.access()
        with self.assertRaisesMessage(PromiseRefused, "Bara ett föreslaget medborgarlöfte kan beslutas."):
            actions.do_decide(access, lofte, actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "Bara ett beslutat medborgarlöfte kan publiceras."):
            actions.do_publish(access, lofte, actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "Bara ett föreslaget medborgarlöfte kan bli utkast igen."):
            actions.do_return_to_draft(access, lofte, actor=self.samordnare)
        actions.do_propose(access, lofte, actor=self.samordnare)
        with self.assertRaisesMessage(PromiseRefused, "Bara ett utkast kan föreslås för beslut."):
            actions.do_propose(access, lofte, actor=self.samordnare)

    def test_it_leaves_the_workflow_to_those_who_manage(self) -> None:
        lofte, _area, _promise = self.filled()
        for user in (self.polis, self.reporter, self.viewer):
            with (
                self.subTest(user=user.email),
                self.assertRaisesMessage(PromiseRefused, "Bara den som leder samverkan"),
            ):
                actions.do_propose(self.access(user), lofte, actor=user)
        lofte.refresh_from_db()
        self.assertEqual(lofte.status, "utkast")

    def test_it_locks_the_text_once_decided_but_not_the_follow_up(self) -> None:
        lofte, area, promise = self.decided()
        goal = lofte.goals.get()
        access = self.access()
        for attempt in (
            lambda: actions.do_update_lofte(access, lofte, title="Nytt", actor=self.samordnare),
            lambda: actions.do_add_focus_area(access, lofte, name="Nytt", actor=self.samordnare),
            lambda: actions.do_update_focus_area(access, area, name="Nytt", actor=self.samordnare),
            lambda: actions.do_remove_focus_area(access, area, actor=self.samordnare),
            lambda: actions.do_move_focus_area(access, area, up=False, actor=self.samordnare),
            lambda: actions.do_add_goal(
                access, lofte, text="Nytt", kind="kvalitativ", evidence="E", actor=self.samordnare
            ),
            lambda: actions.do_update_goal(access, goal, text="Nytt", actor=self.samordnare),
            lambda: actions.do_remove_goal(access, goal, actor=self.samordnare),
            lambda: actions.do_add_promise(access, lofte, text="Nytt", actor=self.samordnare),
            lambda: actions.do_update_promise(access, promise, text="Nytt", actor=self.samordnare),
            lambda: actions.do_update_promise(access, promise, responsible=[self.housing_a], actor=self.samordnare),
            lambda: actions.do_remove_promise(access, promise, actor=self.samordnare),
            lambda: actions.do_reorder_promises(access, lofte, [promise.pk], actor=self.samordnare),
            lambda: actions.do_save_decision(access, lofte, paragraph="§ 60", actor=self.samordnare),
        ):
            with self.assertRaisesMessage(PromiseRefused, LOCKED):
                attempt()
        promise.refresh_from_db()
        self.assertEqual((promise.text, lofte.focus_areas.get().name), (FRAUD, "Bedrägeri"))
        self.assertEqual(set(promise.responsible.all()), {self.kommun_org_a, self.lpo_a})
        actions.do_update_promise_status(access, promise, status="genomford", actor=self.samordnare)
        actions.do_add_activity(access, promise, date=date(2024, 9, 3), text="Träff", reach=20, actor=self.samordnare)
        actions.do_publish(access, lofte, actor=self.samordnare)
        actions.do_add_activity(access, promise, date=date(2024, 10, 1), text="Träff", actor=self.samordnare)
        self.assertEqual(promise.activities.count(), 2)
        with self.assertRaisesMessage(PromiseRefused, LOCKED):
            actions.do_update_promise(access, promise, text="Nytt", actor=self.samordnare)


class AuditTest(PromiseCase):
    def test_it_labels_every_action_it_writes(self) -> None:
        start = AuditEvent.objects.latest("id").pk
        lofte, _area, promise = self.decided()
        actions.do_add_activity(self.access(), promise, date=date(2024, 5, 1), text="Träff", actor=self.samordnare)
        actions.do_publish(self.access(), lofte, actor=self.samordnare)
        written = set(actions_written(start))
        self.assertGreaterEqual(len(written), 8)
        self.assertEqual({action for action in written if action not in ACTION_LABELS}, set())
        self.assertTrue(
            all(event.partnership_id == self.partnership_a.pk for event in AuditEvent.objects.filter(pk__gt=start))
        )


class DatesTest(PromiseCase):
    """A decision is not dated ahead; a löfte's years lie within its agreement's period, or a samordnare says why."""

    def test_a_decision_cannot_be_recorded_with_a_meeting_still_ahead(self) -> None:
        lofte, _area, _promise = self.filled()
        access = self.access()
        with time_machine.travel("2024-04-10 09:00 +02:00", tick=False):
            actions.do_propose(access, lofte, actor=self.samordnare)
            # The record may be prepared before the meeting...
            fields = {"body": "kommunstyrelse", "meeting_date": date(2024, 4, 15), "paragraph": "§ 59"}
            actions.do_save_decision(access, lofte, actor=self.samordnare, **fields)
            # ...but the decision is not taken until the meeting has been held.
            with self.assertRaises(PromiseRefused) as caught:
                actions.do_decide(access, lofte, actor=self.samordnare)
            self.assertIn("Sammanträdesdatumet 2024-04-15 ligger i framtiden", str(caught.exception))
            self.assertEqual(list(caught.exception.errors), ["meeting_date"])
            lofte.refresh_from_db()
            self.assertEqual(lofte.status, "foreslagen")
        with time_machine.travel("2024-04-15 18:00 +02:00", tick=False):
            actions.do_decide(access, lofte, actor=self.samordnare)
        lofte.refresh_from_db()
        self.assertEqual(lofte.status, "beslutad")

    def test_a_lofte_outside_the_agreement_needs_the_samordnares_confirmation_and_reason(self) -> None:
        agreement = self.agreement()  # 2023-05-30 – 2026-12-31
        with self.assertRaises(PromiseRefused) as caught:
            self.lofte(agreement, year_from=2026, year_to=2027)
        self.assertIn("Medborgarlöftets år 2026–2027 ligger utanför överenskommelsens period", str(caught.exception))
        self.assertIn("2023-05-30–2026-12-31", str(caught.exception))
        self.assertIn("year_from", caught.exception.errors)
        with self.assertRaisesMessage(PromiseRefused, "Ange skälet"):
            self.lofte(agreement, year_from=2026, year_to=2027, confirm_outside_agreement=True)
        with self.assertRaisesMessage(PromiseRefused, "Bara samordnaren kan bekräfta"):
            actions.do_create_lofte(
                self.access(self.polis),
                agreement,
                title="Löfte 2026–2027",
                year_from=2026,
                year_to=2027,
                confirm_outside_agreement=True,
                outside_agreement_reason="Den nya överenskommelsen skrivs under i vår.",
                actor=self.polis,
            )
        with self.assertRaisesMessage(PromiseRefused, "telefonnummer"):
            self.lofte(
                agreement,
                year_from=2026,
                year_to=2027,
                confirm_outside_agreement=True,
                outside_agreement_reason="Ring 070-123 45 67",
            )
        self.assertFalse(Medborgarlofte.objects.exists())
        reason = "Den nya överenskommelsen skrivs under i vår; löftet fortsätter under den."
        lofte = self.lofte(
            agreement, year_from=2026, year_to=2027, confirm_outside_agreement=True, outside_agreement_reason=reason
        )
        self.assertEqual(Medborgarlofte.objects.get().outside_agreement_reason, reason)
        self.assertEqual(AuditEvent.objects.get(action="lofte.create").changes["outside_agreement_reason"], reason)
        # A confirmed löfte changes its title without confirming again; new years outside need a new confirmation.
        self.assertEqual(actions.do_update_lofte(self.access(), lofte, title="Nytt", actor=self.samordnare), ["title"])
        with self.assertRaisesMessage(PromiseRefused, "ligger utanför överenskommelsens period"):
            actions.do_update_lofte(self.access(), lofte, year_to=2028, actor=self.samordnare)
        lofte.refresh_from_db()
        self.assertEqual(lofte.year_to, 2027)
        # Back within the agreement, the reason goes.
        changed = actions.do_update_lofte(self.access(), lofte, year_to=2026, actor=self.samordnare)
        self.assertEqual(sorted(changed), ["outside_agreement_reason", "year_to"])
        lofte.refresh_from_db()
        self.assertEqual(lofte.outside_agreement_reason, "")

    def test_an_agreement_cannot_shrink_away_from_its_loften(self) -> None:
        agreement = self.agreement()
        self.lofte(agreement)  # 2024–2025
        with self.assertRaises(PromiseRefused) as caught:
            agreement_actions.do_update_agreement(
                self.access(), agreement, ends_on=date(2024, 12, 31), actor=self.samordnare
            )
        self.assertIn("”Medborgarlöfte 2024–2025” (2024–2025)", str(caught.exception))
        self.assertEqual(set(caught.exception.errors), {"starts_on", "ends_on"})
        agreement.refresh_from_db()
        self.assertEqual(agreement.ends_on, date(2026, 12, 31))
        self.assertFalse(AuditEvent.objects.filter(action="agreement.update").exists())

    def test_the_form_asks_for_the_confirmation_beside_the_years(self) -> None:
        agreement = self.agreement()
        client = self.client_for(self.samordnare)
        form = {
            "agreement": agreement.pk,
            "title": "Medborgarlöfte 2027",
            "year_from": 2027,
            "year_to": 2027,
            "lagesbild": self.lagesbild.pk,
        }
        create = reverse("loften:create", args=["mjolby"])
        refused = client.post(create, form)
        self.assertContains(refused, "ligger utanför överenskommelsens period", status_code=400)
        self.assertContains(refused, "Jag bekräftar att medborgarlöftet ska gälla utanför", status_code=400)
        reason = "Överenskommelsen förlängs."
        client.post(create, {**form, "confirm_outside_agreement": "on", "outside_agreement_reason": reason})
        lofte = Medborgarlofte.objects.get()
        self.assertEqual(lofte.outside_agreement_reason, reason)
        page = client.get(reverse("loften:detail", args=["mjolby", lofte.pk]))
        self.assertContains(page, reason)


class GoalDataTest(PromiseCase):
    """A goal is bound to a metric only where the area has values for it, or with an explicit "data kommer"."""

    def goal(self, lofte: Medborgarlofte, **fields: Any) -> Goal:
        values = {"kind": "statistik", "metric_code": "anmalda.totalt", "area_code": "0586", "baseline_period": "2023"}
        return actions.do_add_goal(self.access(), lofte, text="Färre brott", actor=self.samordnare, **(values | fields))

    def test_it_names_the_metric_area_and_periods_that_have_no_values(self) -> None:
        Metric.objects.create(code="ntu.otrygghet", name="Otrygghet utomhus", unit=Metric.Unit.PROCENT)
        lofte = self.lofte()
        with self.assertRaises(PromiseRefused) as caught:
            self.goal(lofte, metric_code="ntu.otrygghet", kind="undersokning")
        self.assertEqual(
            str(caught.exception),
            "Måttet ”Otrygghet utomhus” (ntu.otrygghet) har inget basvärde för 2023 och inget värde för någon period "
            "efter 2023 för Mjölby (0586). Välj ett annat mått eller område, eller kryssa i ”data kommer” om värdena "
            "kommer senare.",
        )
        self.assertEqual(list(caught.exception.errors), ["metric"])
        with self.assertRaisesMessage(PromiseRefused, "har inget värde för någon period efter 2025 för Mjölby (0586)"):
            self.goal(lofte, baseline_period="2025")
        with self.assertRaisesMessage(PromiseRefused, "har inget basvärde för 1990 för Mjölby (0586)"):
            self.goal(lofte, baseline_period="1990")
        self.assertFalse(lofte.goals.exists())

    def test_data_kommer_accepts_a_goal_whose_values_are_still_missing(self) -> None:
        lofte = self.lofte()
        goal = self.goal(lofte, baseline_period="2025", data_pending=True)
        self.assertTrue(goal.data_pending)
        self.assertIs(AuditEvent.objects.get(action="lofte.add_goal").changes["data_pending"], True)
        # Taking the flag away again is checked like a new binding, and refused while the values are missing.
        with self.assertRaisesMessage(PromiseRefused, "efter 2025"):
            actions.do_update_goal(self.access(), goal, data_pending=False, actor=self.samordnare)
        goal.refresh_from_db()
        self.assertTrue(goal.data_pending)
        self.assertFalse(AuditEvent.objects.filter(action="lofte.update_goal").exists())
        self.assertEqual(
            actions.do_update_goal(self.access(), goal, baseline_period="2023", actor=self.samordnare),
            ["baseline_period"],
        )

    def test_a_change_of_baseline_is_checked_too(self) -> None:
        lofte = self.lofte()
        goal = self.goal(lofte)
        with self.assertRaisesMessage(PromiseRefused, "inget värde för någon period efter 2025"):
            actions.do_update_goal(self.access(), goal, baseline_period="2025", actor=self.samordnare)
        goal.refresh_from_db()
        self.assertEqual(goal.baseline_period, "2023")
