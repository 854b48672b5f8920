"""EST meetings: one a week, actions that move the reports they answer, open actions carried over, and effect."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core import mail
from django.urls import reverse

from lofte.analysis.est import STOCKHOLM, Week
from lofte.audit.models import AuditEvent
from lofte.est.meetings.actions import (
    MeasurePlace,
    MeetingRefused,
    do_create_measure,
    do_create_meeting,
    do_report_measure_progress,
)
from lofte.est.models import Incident, Measure, Meeting, RoutingRule
from lofte.lib.actors import SystemActor
from lofte.partnerships.access import PartnershipAccess
from lofte.partnerships.actions import do_create_organisation
from tests.base import Kind, Role, make_user
from tests.cases import CENTRE, EST, SCATTERED, WEEK, EstCase, at, route

S = Incident.Status


def url(name: str, *args: Any) -> str:
    return reverse(route(name, EST), args=["mjolby", *args])


class MeetingFlowTest(EstCase):
    def setUp(self) -> None:
        [self.incident] = self.report(at(WEEK))
        self.client = self.client_for(self.samordnare)

    def create_meeting(self, week: Week = WEEK, **extra: Any) -> Any:
        data = {
            "iso_year": week.year,
            "iso_week": week.week,
            "held_on": (week.monday + timedelta(days=3)).isoformat(),
            "participants": "Sara Samordnare, Mjölby kommun\nPer Polis, Polisen",
            "notes": "Klotter vid stationen.",
            **extra,
        }
        return self.client.post(url("meeting_create"), data)

    def add_action(self, meeting: Meeting, **extra: Any) -> Any:
        data = {
            "what": "Sanera klottret och sätt upp belysning",
            "place_name": "Stationen",
            "latitude": str(CENTRE[0]),
            "longitude": str(CENTRE[1]),
            "organisation": self.housing_a.pk,
            "due_on": "2026-03-20",
            "incidents": str(self.incident.pk),
            **extra,
        }
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(url("action_create", meeting.pk), data)

    def test_the_meeting_decides_an_action_and_closes_the_loop(self) -> None:
        response = self.create_meeting()
        meeting = Meeting.objects.get(partnership=self.partnership_a)
        self.assertRedirects(response, url("meeting", meeting.pk), fetch_redirect_response=False)
        self.assertEqual(meeting.participant_list, ["Sara Samordnare, Mjölby kommun", "Per Polis, Polisen"])

        response = self.add_action(meeting)
        self.assertRedirects(response, url("meeting", meeting.pk) + "#decided-heading", fetch_redirect_response=False)
        action = Measure.objects.get(meeting=meeting)
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, S.ATGARD_BESLUTAD)
        self.assertIsNotNone(self.incident.action_decided_at)
        self.assertEqual(list(action.incidents.all()), [self.incident])
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["rapportor@a.example"])
        self.assertIn("Sanera klottret", mail.outbox[0].body)

        page = self.client_for(self.viewer).get(url("meeting", meeting.pk))
        self.assertContains(page, "Sanera klottret")
        self.assertContains(page, "Sara Samordnare, Mjölby kommun")
        self.assertContains(page, url("week", 2026, 10))
        self.assertContains(page, "Försenad")  # due 20 March 2026

        self.create_meeting(WEEK.shifted(1))
        later = Meeting.objects.get(partnership=self.partnership_a, iso_week=11)
        carried = self.client.get(url("meeting", later.pk))
        self.assertEqual([a.pk for a in carried.context["carried"]], [action.pk])
        self.assertContains(carried, "Öppna åtgärder från tidigare möten")
        self.assertContains(carried, "Sanera klottret")

        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                url("action_update", action.pk), {"status": "genomford", "outcome": "Klottret är borta."}
            )
        self.assertRedirects(
            response, url("meeting", meeting.pk) + f"#action-{action.pk}", fetch_redirect_response=False
        )
        action.refresh_from_db()
        self.incident.refresh_from_db()
        self.assertEqual((action.status, action.outcome), ("genomford", "Klottret är borta."))
        self.assertIsNotNone(action.done_on)
        self.assertEqual(self.incident.status, S.ATGARDAD)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("Klottret är borta.", mail.outbox[0].body)
        self.assertEqual(self.client.get(url("meeting", later.pk)).context["carried"], [])
        for name in ("est.meeting.create", "est.action.create", "est.action.update"):
            self.assertTrue(AuditEvent.objects.filter(action=name).exists(), name)

    def test_it_refuses_a_second_meeting_in_the_same_week(self) -> None:
        self.create_meeting()
        response = self.create_meeting()
        self.assertContains(response, "Det finns redan ett EST-möte för vecka 10 2026", status_code=400)
        self.assertEqual(Meeting.objects.count(), 1)

    def test_it_refuses_a_week_that_does_not_exist_and_personal_data(self) -> None:
        response = self.create_meeting(iso_year=2025, iso_week=53)
        self.assertContains(response, "Vecka 53 finns inte år 2025", status_code=400)
        response = self.create_meeting(notes="Ring 070-123 45 67")
        self.assertContains(response, "telefonnummer", status_code=400)
        self.assertFalse(Meeting.objects.exists())

    def test_it_refuses_reports_it_cannot_link(self) -> None:
        self.create_meeting()
        meeting = Meeting.objects.get()
        [rejected] = self.report(at(WEEK), status=S.AVVISAD)
        response = self.add_action(meeting, incidents=f"{self.incident.pk}, {rejected.pk}")
        self.assertContains(response, f"Rapport #{rejected.pk} är avvisad.", status_code=400)
        response = self.add_action(meeting, incidents="999999")
        self.assertContains(response, "Det finns ingen rapport #999999", status_code=400)
        response = self.add_action(meeting, latitude="59.3293", longitude="18.0686")  # Stockholm
        self.assertContains(response, "Platsen ligger utanför Mjölby", status_code=400)
        self.assertFalse(Measure.objects.exists())
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, S.GRANSKAD)
        self.assertEqual(mail.outbox, [])

    def test_only_editors_change_meetings(self) -> None:
        self.create_meeting()
        meeting = Meeting.objects.get()
        self.add_action(meeting)
        action = Measure.objects.get()
        for user, status in ((self.viewer, 403), (self.reporter, 403), (self.samordnare_b, 404), (None, 302)):
            client = self.client_for(user)
            self.assertEqual(client.get(url("meeting_create")).status_code, status)
            self.assertEqual(client.post(url("meeting_create"), {}).status_code, status)
            self.assertEqual(client.post(url("action_create", meeting.pk), {}).status_code, status)
            self.assertEqual(client.post(url("meeting_update", meeting.pk), {}).status_code, status)
        # The action is the housing company's: its reporter may report progress, but not stop it.
        for user, status in ((self.viewer, 403), (self.reporter, 400), (self.samordnare_b, 404), (None, 302)):
            client = self.client_for(user)
            self.assertEqual(client.post(url("action_update", action.pk), {"status": "stoppad"}).status_code, status)
        self.assertEqual(Measure.objects.get().status, "beslutad")
        for user in (self.viewer, self.reporter, self.polis):
            self.assertEqual(self.client_for(user).get(url("meeting", meeting.pk)).status_code, 200)
            self.assertEqual(self.client_for(user).get(url("meetings")).status_code, 200)
        self.assertEqual(self.client_for(self.samordnare_b).get(url("meeting", meeting.pk)).status_code, 404)

    def test_the_assigned_organisation_opens_its_action_and_reports_progress(self) -> None:
        self.create_meeting()
        meeting = Meeting.objects.get()
        self.add_action(meeting)  # assigned to the housing company, the reporter's organisation
        action = Measure.objects.get()
        other = do_create_organisation(
            name="Mjölby gymnasium", kind=Kind.SKOLA, area=self.kommun_a, actor=SystemActor("test")
        )
        self.partnership_a.organisations.add(other)
        teacher = make_user("larare@a.example", "Lena Lärare", other, Role.RAPPORTOR)
        housing_reader = make_user("lasare@bostad.example", "Lo Läsare", self.housing_a, Role.LASARE)
        company = self.client_for(self.reporter)

        assigned = company.get(url("assigned"))
        self.assertContains(assigned, "Åtgärder som er organisation ansvarar för")
        self.assertContains(assigned, url("action_update", action.pk))
        self.assertContains(company.get(url("meeting", meeting.pk)), "Rapportera hur det går")
        self.assertNotContains(self.client_for(teacher).get(url("meeting", meeting.pk)), "Rapportera hur det går")
        page = company.get(url("action_update", action.pk))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Rapportera hur åtgärden går")
        self.assertNotContains(page, 'name="due_on"')
        self.assertNotContains(page, 'value="stoppad"')
        self.assertEqual(self.client_for(teacher).get(url("action_update", action.pk)).status_code, 403)
        self.assertEqual(self.client_for(housing_reader).get(url("action_update", action.pk)).status_code, 403)
        self.assertEqual(
            self.client_for(teacher).post(url("action_update", action.pk), {"status": "pagar"}).status_code, 403
        )

        response = company.post(url("action_update", action.pk), {"status": "pagar", "outcome": "Offert begärd."})
        self.assertRedirects(
            response, url("meeting", meeting.pk) + f"#action-{action.pk}", fetch_redirect_response=False
        )
        action.refresh_from_db()
        self.assertEqual((action.status, action.outcome, action.due_on), ("pagar", "Offert begärd.", date(2026, 3, 20)))
        self.assertEqual(company.post(url("action_update", action.pk), {"status": "stoppad"}).status_code, 400)
        self.assertContains(
            company.post(url("action_update", action.pk), {"status": "genomford", "outcome": "Ring 070-123 45 67"}),
            "telefonnummer",
            status_code=400,
        )

        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            company.post(url("action_update", action.pk), {"status": "genomford", "outcome": "Klottret är sanerat."})
        action.refresh_from_db()
        self.incident.refresh_from_db()
        self.assertEqual((action.status, action.outcome), ("genomford", "Klottret är sanerat."))
        self.assertEqual(self.incident.status, S.ATGARDAD)
        update = self.incident.updates.latest("id")
        self.assertEqual(
            (update.status, update.organisation, update.author), (S.ATGARDAD, self.housing_a, self.reporter)
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("Klottret är sanerat.", mail.outbox[0].body)
        events = AuditEvent.objects.filter(action="est.action.progress", object_id=str(action.pk))
        self.assertEqual(events.count(), 2)
        self.assertEqual(events.latest("id").actor, self.reporter)

    def test_the_assigned_organisation_closes_linked_reports_routed_elsewhere(self) -> None:
        """Closing the action closes the reports it was decided for, wherever they were routed."""
        self.create_meeting()
        meeting = Meeting.objects.get()
        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        action = do_create_measure(
            access,
            meeting,
            actor=self.samordnare,
            what="Röj buskage",
            organisation=self.kommun_org_a,
            incident_ids=[self.incident.pk],
        )
        gardener = make_user("park@a.example", "Pia Park", self.kommun_org_a, Role.RAPPORTOR)
        self.assertIsNone(self.incident.routed_to)
        member = PartnershipAccess(self.partnership_a, frozenset({"rapportor"}))
        with self.assertRaises(MeetingRefused):
            do_report_measure_progress(
                member, action, actor=gardener, organisation_ids=[self.housing_a.pk], status="pagar"
            )
        do_report_measure_progress(
            member, action, actor=gardener, organisation_ids=[self.kommun_org_a.pk], status="genomford"
        )
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.status, S.ATGARDAD)

    def test_a_routed_report_waiting_for_review_can_be_linked_by_a_reviewer(self) -> None:
        RoutingRule.objects.create(partnership=self.partnership_a, organisation=self.housing_a)
        [waiting] = self.report(at(WEEK), status=S.MOTTAGEN)
        self.assertEqual((waiting.status, waiting.routed_to), (S.MOTTAGEN, self.housing_a))
        self.create_meeting()
        meeting = Meeting.objects.get()
        mail.outbox.clear()
        response = self.add_action(meeting, incidents=f"{self.incident.pk}, {waiting.pk}")
        self.assertEqual(response.status_code, 302)
        waiting.refresh_from_db()
        self.assertEqual(waiting.status, S.ATGARD_BESLUTAD)
        self.assertEqual(waiting.reviewed_by, self.samordnare)
        self.assertIsNotNone(waiting.reviewed_at)
        self.assertEqual(
            list(waiting.updates.order_by("id").values_list("status", flat=True)),
            [S.MOTTAGEN, S.GRANSKAD, S.ATGARD_BESLUTAD],
        )
        self.assertEqual(Measure.objects.get().incidents.count(), 2)
        # One e-mail per report: the review and the decision reach the reporter together.
        self.assertEqual(len(mail.outbox), 2)
        self.assertTrue(all("Åtgärd beslutad" in message.subject for message in mail.outbox))
        event = AuditEvent.objects.get(action="est.action.create")
        self.assertEqual(event.changes["reviewed"], [waiting.pk])

    def test_a_reporter_still_cannot_link_reports_by_deciding_an_action(self) -> None:
        [waiting] = self.report(at(WEEK), status=S.MOTTAGEN)
        self.create_meeting()
        meeting = Meeting.objects.get()
        member = PartnershipAccess(self.partnership_a, frozenset({"rapportor"}))
        with self.assertRaises(MeetingRefused):
            do_create_measure(
                member, meeting, actor=self.reporter, what="Röj", organisation=self.housing_a, incident_ids=[waiting.pk]
            )
        waiting.refresh_from_db()
        self.assertEqual(waiting.status, S.MOTTAGEN)

    def test_the_meeting_pages_read_in_a_fixed_number_of_queries(self) -> None:
        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        first = do_create_meeting(access, actor=self.samordnare, iso_year=2026, iso_week=9, held_on=date(2026, 2, 26))
        meeting = do_create_meeting(access, actor=self.samordnare, iso_year=2026, iso_week=10, held_on=date(2026, 3, 5))

        def act(on: Meeting) -> None:
            do_create_measure(access, on, actor=self.samordnare, what="Röj buskage", organisation=self.kommun_org_a)

        act(first)
        act(meeting)
        self.client.get(url("meeting", meeting.pk))
        with self.assertNumQueries(17):
            self.client.get(url("meeting", meeting.pk))
        with self.assertNumQueries(5):
            self.client.get(url("meetings"))
        for _ in range(3):
            act(first)
            act(meeting)
        with self.assertNumQueries(17):
            self.client.get(url("meeting", meeting.pk))
        with self.assertNumQueries(5):
            self.client.get(url("meetings"))


class EffectTest(EstCase):
    def test_it_counts_reports_near_an_action_before_and_after(self) -> None:
        decided = date(2026, 3, 5)
        moment = datetime(2026, 3, 5, 12, tzinfo=STOCKHOLM)
        self.report(moment - timedelta(days=20), n=4)  # before, at the place
        self.report(moment - timedelta(days=70))  # more than 8 weeks before
        self.report(moment + timedelta(days=10))  # after
        self.report(moment - timedelta(days=20), point=SCATTERED[0], n=3)  # elsewhere
        self.report(moment - timedelta(days=20), status=S.MOTTAGEN)  # not reviewed
        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        meeting = do_create_meeting(access, actor=self.samordnare, iso_year=2026, iso_week=10, held_on=decided)
        place = MeasurePlace("Stationen", CENTRE[0] + 0.001, CENTRE[1])  # about 110 m north
        do_create_measure(
            access, meeting, actor=self.samordnare, what="Belysning", organisation=self.kommun_org_a, place=place
        )
        response = self.client_for(self.viewer).get(url("analysis"), {"period": "2026K1"})
        [found] = response.context["result"].effects
        self.assertEqual((found.effect.before, found.effect.after, found.effect.before_days), (4, 1, 56))
        self.assertEqual(found.effect.comparison.verdict, "ingen_saker_forandring")
        self.assertContains(response, "Före och efter är inte bevis för effekt.")
        self.assertContains(response, "inom 300 meter")

    def test_it_judges_the_busiest_place_against_comparable_places_without_the_action(self) -> None:
        # The action's place had 30 reports before and 10 after; five places 2 km and more away, no action, fell
        # alike when they were busy (25 → 9, 20 → 8) and held when quiet. Against them 30 → 10 is no clear fall,
        # though the place alone (even with the weekly dispersion) calls it one: regression to the mean.
        decided = date(2026, 3, 5)
        moment = datetime(2026, 3, 5, 12, tzinfo=STOCKHOLM)
        self.report(moment - timedelta(days=20), n=30)
        self.report(moment + timedelta(days=10), n=10)
        control = [(25, 9), (20, 8), (5, 5), (3, 4), (6, 5)]
        for n, (before, after) in enumerate(control):
            point = (CENTRE[0] + 0.02 * (n + 1), CENTRE[1])
            self.report(moment - timedelta(days=20), n=before, point=point)
            self.report(moment + timedelta(days=10), n=after, point=point)
        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        meeting = do_create_meeting(access, actor=self.samordnare, iso_year=2026, iso_week=10, held_on=decided)
        do_create_measure(
            access,
            meeting,
            actor=self.samordnare,
            what="Belysning",
            organisation=self.kommun_org_a,
            place=MeasurePlace("Stationen", *CENTRE),
        )
        response = self.client_for(self.viewer).get(url("analysis"), {"period": "2026K1"})
        [found] = response.context["result"].effects
        result = found.effect
        self.assertEqual((result.before, result.after), (30, 10))
        self.assertEqual((result.control_before, result.control_after, result.control_places), (59, 31, 5))
        self.assertEqual(result.comparison.verdict, "minskning")  # the plain before/after
        self.assertEqual(result.controlled.verdict, "ingen_saker_forandring")
        self.assertContains(response, "regression mot medelvärdet")
        self.assertContains(response, "Kontroll före")
        self.assertContains(response, '<span class="verdict verdict-ingen_saker_forandring">ingen tydlig förändring')
