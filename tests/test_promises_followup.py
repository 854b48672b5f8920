"""The follow-up: rounds on the agreement's schedule, goals evaluated from Brå's real figures, comments, overrides,
promise reports, closing and publishing, the pages, and the reminders."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import docx
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from statsmodels.stats import rates

from lofte.audit.models import AuditEvent
from lofte.partnerships.access import get_partnership_for_user
from lofte.promises import reports
from lofte.promises.followup.actions import (
    FollowUpRefused,
    do_close_round,
    do_comment_goal,
    do_evaluate_round,
    do_override_goal,
    do_plan_rounds,
    do_publish_round,
    do_report_promise,
    do_set_summary,
    schedule,
)
from lofte.promises.goals import evaluate_goals
from lofte.promises.models import (
    Activity,
    FollowUpRound,
    Goal,
    GoalEvaluation,
    Medborgarlofte,
    Promise,
    PromiseReport,
)
from lofte.promises.published import verdict_in_words
from lofte.promises.tasks import remind_followups, send_reminders
from lofte.statistics.models import ImportRun, Metric, Observation, Series
from tests.axe import problems
from tests.base import make_user
from tests.cases import FollowUpCase, url

FIXTURES = Path(__file__).resolve().parent.parent / "lofte/statistics/sources/bra_csv/fixtures"
YEARLY = FIXTURES / "bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
QUARTERLY = FIXTURES / "bra_anmalda_brott_kvartal_motala_mjolby_mullsjo.csv"
Verdict = GoalEvaluation.Verdict


class PlanTest(FollowUpCase):
    def test_it_plans_two_rounds_a_year_from_the_agreement(self) -> None:
        rounds = self.planned()
        self.assertEqual(list(rounds), ["2024 H1", "2024 H2", "2025 H1", "2025 H2"])
        first, second = rounds["2024 H1"], rounds["2024 H2"]
        self.assertEqual((first.period_start, first.period_end), (date(2024, 1, 1), date(2024, 6, 30)))
        self.assertEqual((second.period_start, second.period_end), (date(2024, 7, 1), date(2024, 12, 31)))
        self.assertEqual(first.due_on, date(2024, 6, 30) + timedelta(days=45))
        self.assertTrue(all(r.status == FollowUpRound.Status.OPEN for r in rounds.values()))

    def test_it_never_duplicates_a_round_when_run_again(self) -> None:
        self.planned()
        self.assertEqual(do_plan_rounds(self.access(), self.lofte, actor=self.samordnare), [])
        self.assertEqual(FollowUpRound.objects.filter(lofte=self.lofte).count(), 4)
        self.assertEqual(AuditEvent.objects.filter(action="followup.plan").count(), 1)

    def test_it_plans_only_what_does_not_overlap_when_the_schedule_changes(self) -> None:
        self.planned()
        self.agreement.followups_per_year = 4
        self.agreement.save()
        self.lofte.year_to = 2026
        self.lofte.save()
        self.lofte.refresh_from_db()
        added = do_plan_rounds(self.access(), self.lofte, actor=self.samordnare)
        self.assertEqual([r.label for r in added], ["2026 K1", "2026 K2", "2026 K3", "2026 K4"])

    def test_it_names_the_parts_of_a_year(self) -> None:
        self.assertEqual(schedule(2024, 1), [("2024", date(2024, 1, 1), date(2024, 12, 31))])
        quarters = schedule(2024, 4)
        self.assertEqual([label for label, *_ in quarters], ["2024 K1", "2024 K2", "2024 K3", "2024 K4"])
        self.assertEqual(quarters[0][1:], (date(2024, 1, 1), date(2024, 3, 31)))
        self.assertEqual(quarters[3][1:], (date(2024, 10, 1), date(2024, 12, 31)))
        self.assertEqual([label for label, *_ in schedule(2024, 3)], ["2024 T1", "2024 T2", "2024 T3"])
        self.assertEqual(schedule(2024, 12)[1], ("2024-02", date(2024, 2, 1), date(2024, 2, 29)))
        fifths = schedule(2024, 5)
        self.assertEqual(fifths[0][0], "2024 1/5")
        self.assertEqual((fifths[0][1], fifths[-1][2]), (date(2024, 1, 1), date(2024, 12, 31)))
        self.assertTrue(all(a[2] + timedelta(days=1) == b[1] for a, b in pairwise(fifths)))

    def test_it_refuses_those_who_may_not_edit(self) -> None:
        for user in (self.reporter, self.viewer):
            with self.subTest(user=user), self.assertRaisesMessage(FollowUpRefused, "behörighet"):
                do_plan_rounds(self.access(user), self.lofte, actor=user)
        access_b = get_partnership_for_user(self.samordnare_b, "mullsjo")
        with self.assertRaisesMessage(FollowUpRefused, "annan samverkan"):
            do_plan_rounds(access_b, self.lofte, actor=self.samordnare_b)
        self.assertFalse(FollowUpRound.objects.exists())


class EvaluateTest(FollowUpCase):
    def test_it_reads_mjolbys_goals_at_the_end_of_2025(self) -> None:
        round_ = self.evaluated("2025 H2")
        burglary = self.evaluation(round_, self.burglary_goal)
        self.assertEqual((burglary.baseline_value, burglary.value), (143, 75))
        self.assertEqual((burglary.baseline_period, burglary.period), ("2023", "2025"))
        self.assertEqual(burglary.verdict, Verdict.UPPNATT)
        # Per inhabitant, as tested; one-sided against "not lower", allowing for the series' own variation
        # (φ ≈ 5.8 over 2014–2023). The reference computation is in lofte/analysis/tests/test_goals.py.
        self.assertEqual(burglary.change_pct, -47.9)
        self.assertAlmostEqual(burglary.p_value or 1, 0.0438, places=4)
        self.assertLess(burglary.ci_high or 1, 1)
        self.assertIn("90 %-intervall för förändringen: mellan", burglary.explanation)
        total = self.evaluation(round_, self.total_goal)
        self.assertEqual((total.baseline_value, total.value), (2894, 2875))
        self.assertEqual(total.verdict, Verdict.INGEN_SAKER)
        self.assertIn("ryms i seriens vanliga variation", total.explanation)
        qualitative = self.evaluation(round_, self.qualitative_goal)
        self.assertEqual(qualitative.verdict, Verdict.FOR_TIDIGT)
        self.assertIn("grannsamverkan", qualitative.explanation)
        round_.refresh_from_db()
        self.assertIsNotNone(round_.evaluated_at)

    def test_a_half_year_compares_the_same_quarters_of_the_baseline_year(self) -> None:
        round_ = self.evaluated("2025 H1")
        total = self.evaluation(round_, self.total_goal)
        self.assertEqual((total.baseline_period, total.period), ("2023 K1–K2", "2025 K1–K2"))
        self.assertEqual((total.baseline_value, total.value), (604 + 717, 710 + 759))
        # Brå's quarterly figures cover only the total: burglaries have no baseline for the half year, and no value.
        burglary = self.evaluation(round_, self.burglary_goal)
        self.assertEqual((burglary.baseline_value, burglary.value), (None, None))
        self.assertEqual(burglary.verdict, Verdict.BASVARDE_SAKNAS)
        self.assertEqual(
            burglary.explanation,
            "Basperioden 2023 K1–K2 saknar värde för Mjölby, så det finns inget att jämföra med. "
            "Värdet för perioden 2025 K1–K2 saknas också.",
        )

    def test_it_snapshots_every_promise(self) -> None:
        Promise.objects.filter(pk=self.watch.pk).update(status=Promise.Status.PAGAR, progress=30)
        round_ = self.evaluated()
        reports = {r.promise_id: (r.status, r.progress) for r in PromiseReport.objects.filter(round=round_)}
        self.assertEqual(
            reports,
            {
                self.watch.pk: (Promise.Status.PAGAR, 30),
                self.patrol.pk: (Promise.Status.EJ_PABORJAD, 0),
                self.lighting.pk: (Promise.Status.EJ_PABORJAD, 0),
            },
        )

    def test_it_rolls_up_the_progress_of_a_promise_made_of_parts(self) -> None:
        for progress in (100, 50):
            Promise.objects.create(lofte=self.lofte, parent=self.watch, text=f"Del {progress}", progress=progress)
        round_ = self.evaluated()
        self.assertEqual(PromiseReport.objects.get(round=round_, promise=self.watch).progress, 75)

    def test_evaluating_again_keeps_comments_and_overrides(self) -> None:
        round_ = self.evaluated()
        access = self.access()
        total = self.evaluation(round_, self.total_goal)
        do_comment_goal(access, total, comment="Nivån är oförändrad.", actor=self.samordnare)
        do_override_goal(
            access, total, verdict=Verdict.INTE_UPPNATT, reason="Målperioden är slut.", actor=self.samordnare
        )
        do_report_promise(
            access, round_, self.watch, status=Promise.Status.PAGAR, comment="Två nya områden.", actor=self.polis
        )
        GoalEvaluation.objects.filter(pk=total.pk).update(value=1, explanation="gammal")
        do_evaluate_round(access, round_, actor=self.samordnare)
        total.refresh_from_db()
        self.assertEqual((total.value, total.computed), (2875, Verdict.INGEN_SAKER))
        self.assertEqual(
            (total.comment, total.override, total.verdict), ("Nivån är oförändrad.", "inte_uppnatt", "inte_uppnatt")
        )
        self.assertEqual(total.override_reason, "Målperioden är slut.")
        self.assertEqual(PromiseReport.objects.get(round=round_, promise=self.watch).comment, "Två nya områden.")
        self.assertEqual(GoalEvaluation.objects.filter(round=round_).count(), 3)

    def test_it_is_audited_without_free_text(self) -> None:
        round_ = self.evaluated()
        total = self.evaluation(round_, self.total_goal)
        do_comment_goal(self.access(), total, comment="Hemlig text", actor=self.samordnare)
        event = AuditEvent.objects.get(action="followup.comment_goal")
        self.assertEqual(event.changes, {"goal": self.total_goal.pk, "comment": True})
        self.assertEqual(event.partnership, self.partnership_a)
        self.assertNotIn("Hemlig", str(AuditEvent.objects.values_list("changes", flat=True)))
        verdicts = AuditEvent.objects.get(action="followup.evaluate").changes["verdicts"]
        self.assertEqual(verdicts[str(self.burglary_goal.pk)], Verdict.UPPNATT)


class OverrideTest(FollowUpCase):
    def test_an_override_needs_a_reason(self) -> None:
        total = self.evaluation(self.evaluated(), self.total_goal)
        with self.assertRaisesMessage(FollowUpRefused, "kräver ett skäl"):
            do_override_goal(self.access(), total, verdict=Verdict.UPPNATT, reason="  ", actor=self.samordnare)
        total.refresh_from_db()
        self.assertEqual(total.override, "")

    def test_an_override_can_be_cleared(self) -> None:
        total = self.evaluation(self.evaluated(), self.total_goal)
        do_override_goal(self.access(), total, verdict=Verdict.UPPNATT, reason="Enligt NTU.", actor=self.samordnare)
        self.assertTrue(do_override_goal(self.access(), total, verdict="", actor=self.samordnare))
        total.refresh_from_db()
        self.assertEqual((total.override, total.override_reason, total.verdict), ("", "", Verdict.INGEN_SAKER))
        self.assertEqual(AuditEvent.objects.filter(action="followup.override_goal").count(), 2)

    def test_free_text_with_personal_data_is_refused(self) -> None:
        round_ = self.evaluated()
        total = self.evaluation(round_, self.total_goal)
        with self.assertRaisesMessage(FollowUpRefused, "personnummer"):
            do_comment_goal(self.access(), total, comment="Se 19121212-1212", actor=self.samordnare)
        with self.assertRaisesMessage(FollowUpRefused, "e-postadress"):
            do_set_summary(self.access(), round_, summary="Fråga anna@example.org", actor=self.samordnare)


class ReportPromiseTest(FollowUpCase):
    def test_a_report_updates_the_promise_and_the_round(self) -> None:
        round_ = self.evaluated()
        changes = do_report_promise(
            self.access(self.polis),
            round_,
            self.patrol,
            status=Promise.Status.PAGAR,
            progress=40,
            comment="Varannan helg.",
            actor=self.polis,
        )
        self.assertEqual(changes, {"status": ["ej_paborjad", "pagar"], "progress": [None, 40], "comment": True})
        self.patrol.refresh_from_db()
        self.assertEqual((self.patrol.status, self.patrol.progress), ("pagar", 40))
        report = PromiseReport.objects.get(round=round_, promise=self.patrol)
        self.assertEqual((report.status, report.progress, report.comment), ("pagar", 40, "Varannan helg."))

    def test_it_refuses_a_promise_of_another_lofte_and_a_progress_out_of_range(self) -> None:
        round_ = self.evaluated()
        other = Medborgarlofte.objects.create(agreement=self.agreement, title="Annat", year_from=2026, year_to=2026)
        stranger = Promise.objects.create(lofte=other, text="Annat löfte")
        with self.assertRaisesMessage(FollowUpRefused, "annat medborgarlöfte"):
            do_report_promise(self.access(), round_, stranger, status="pagar", actor=self.samordnare)
        with self.assertRaisesMessage(FollowUpRefused, "mellan 0 och 100"):
            do_report_promise(self.access(), round_, self.patrol, status="pagar", progress=140, actor=self.samordnare)


# After every period of the löfte 2024–2025 has ended: rounds can be closed.
AFTER_THE_LOFTE = "2026-02-16 09:00 +01:00"


@time_machine.travel(AFTER_THE_LOFTE, tick=False)
class CloseAndPublishTest(FollowUpCase):
    def test_a_round_is_closed_then_published(self) -> None:
        round_ = self.evaluated()
        access = self.access()
        with self.assertRaisesMessage(FollowUpRefused, "Bara en avslutad"):
            do_publish_round(access, round_, actor=self.samordnare)
        do_close_round(access, round_, actor=self.samordnare)
        do_set_summary(access, round_, summary="Inbrotten har halverats.", actor=self.samordnare)
        do_publish_round(access, round_, actor=self.samordnare)
        round_.refresh_from_db()
        self.assertEqual(round_.status, FollowUpRound.Status.PUBLISHED)
        events = AuditEvent.objects.filter(object_type="promises.followupround", object_id=str(round_.pk))
        actions = events.values_list("action", flat=True)
        self.assertEqual(
            set(actions), {"followup.evaluate", "followup.close", "followup.set_summary", "followup.publish"}
        )

    def test_a_round_must_be_evaluated_before_it_is_closed(self) -> None:
        round_ = self.planned()["2024 H1"]
        with self.assertRaisesMessage(FollowUpRefused, "Beräkna uppföljningen"):
            do_close_round(self.access(), round_, actor=self.samordnare)

    def test_a_closed_round_does_not_change(self) -> None:
        round_ = self.evaluated()
        access = self.access()
        do_close_round(access, round_, actor=self.samordnare)
        total = self.evaluation(round_, self.total_goal)
        refused = [
            lambda: do_evaluate_round(access, round_, actor=self.samordnare),
            lambda: do_comment_goal(access, total, comment="Sent", actor=self.samordnare),
            lambda: do_override_goal(access, total, verdict="uppnatt", reason="Sent", actor=self.samordnare),
            lambda: do_report_promise(access, round_, self.watch, status="pagar", actor=self.samordnare),
            lambda: do_close_round(access, round_, actor=self.samordnare),
        ]
        for action in refused:
            with self.subTest(action=action), self.assertRaisesMessage(FollowUpRefused, "avslutad"):
                action()
        # Except the summary for the public, which may be finished until the round is published.
        self.assertTrue(do_set_summary(access, round_, summary="Sent", actor=self.samordnare))

    def test_only_the_samordnare_publishes(self) -> None:
        round_ = self.evaluated()
        do_close_round(self.access(self.polis), round_, actor=self.polis)
        with self.assertRaisesMessage(FollowUpRefused, "Bara samordnaren"):
            do_publish_round(self.access(self.polis), round_, actor=self.polis)


@time_machine.travel(AFTER_THE_LOFTE, tick=False)
class PagesTest(FollowUpCase):
    def test_the_list_shows_the_rounds_and_plans_them(self) -> None:
        client = self.client_for(self.samordnare)
        response = client.post(url("plan", lofte=self.lofte.pk))
        self.assertRedirects(response, url("index", lofte=self.lofte.pk))
        page = client.get(url("index", lofte=self.lofte.pk))
        self.assertContains(page, "2024 H1")
        self.assertContains(page, "2025-08-14")  # 2025 H1 is due 45 days after 30 June
        self.assertContains(page, "Planera uppföljningarna")
        viewer = self.client_for(self.viewer).get(url("index", lofte=self.lofte.pk))
        self.assertNotContains(viewer, "Planera uppföljningarna")

    def test_the_list_takes_a_fixed_number_of_queries(self) -> None:
        self.planned()
        client = self.client_for(self.viewer)
        client.get(url("index", lofte=self.lofte.pk))
        with CaptureQueriesContext(connection) as few:
            self.assertContains(client.get(url("index", lofte=self.lofte.pk)), "2025 H2")
        Medborgarlofte.objects.filter(pk=self.lofte.pk).update(year_to=2027)
        self.lofte.refresh_from_db()
        self.planned()
        with self.assertNumQueries(len(few)):
            self.assertContains(client.get(url("index", lofte=self.lofte.pk)), "2027 H2")

    def test_the_round_shows_each_verdict_in_colour_and_in_words(self) -> None:
        round_ = self.evaluated()
        Activity.objects.create(
            promise=self.watch, date=date(2025, 9, 3), text="Informationsmöte i Skänninge", reach=40
        )
        Activity.objects.create(promise=self.watch, date=date(2024, 9, 3), text="Möte förra året")
        page = self.client_for(self.samordnare).get(url("detail", pk=round_.pk))
        self.assertContains(page, '<span class="verdict verdict-green">Uppnått</span>', html=True)
        self.assertContains(page, '<span class="verdict verdict-amber">Ingen tydlig förändring</span>', html=True)
        self.assertContains(page, "−47,9 %")
        self.assertContains(page, "0,044")
        self.assertContains(page, "90 %-intervall")
        self.assertContains(page, "2 894")
        self.assertContains(page, "Informationsmöte i Skänninge")
        self.assertNotContains(page, "Möte förra året")
        self.assertContains(page, "Spara kommentaren")
        self.assertContains(page, "Spara bedömningen")
        self.assertContains(page, "Avsluta uppföljningen")
        viewer = self.client_for(self.viewer).get(url("detail", pk=round_.pk))
        self.assertContains(viewer, "verdict-green")
        self.assertNotContains(viewer, "Spara kommentaren")

    def test_a_red_verdict_is_shown_red(self) -> None:
        round_ = self.evaluated()
        total = self.evaluation(round_, self.total_goal)
        do_override_goal(self.access(), total, verdict="inte_uppnatt", reason="Enligt NTU.", actor=self.samordnare)
        page = self.client_for(self.samordnare).get(url("detail", pk=round_.pk))
        self.assertContains(page, '<span class="verdict verdict-red">Inte uppnått</span>', html=True)
        self.assertContains(page, "Enligt NTU.")

    def test_the_round_page_takes_a_fixed_number_of_queries(self) -> None:
        round_ = self.evaluated()
        client = self.client_for(self.samordnare)
        client.get(url("detail", pk=round_.pk))  # the session is warm
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(client.get(url("detail", pk=round_.pk)).status_code, 200)
        for number in range(4):
            extra = self.promise(f"Extra {number}", [self.kommun_org_a, self.housing_a], position=10 + number)
            Activity.objects.create(promise=extra, date=date(2025, 10, 1), text="Gjort", organisation=self.lpo_a)
            self.goal(f"Extra mål {number}", "anmalda.totalt", position=10 + number)
        do_evaluate_round(self.access(), round_, actor=self.samordnare)
        with self.assertNumQueries(len(few)):
            self.assertEqual(client.get(url("detail", pk=round_.pk)).status_code, 200)

    def test_the_forms_change_the_round(self) -> None:
        round_ = self.evaluated()
        client = self.client_for(self.samordnare)
        goal = self.total_goal.pk
        response = client.post(url("comment_goal", pk=round_.pk, goal=goal), {"comment": "Stabilt."})
        self.assertRedirects(response, url("detail", pk=round_.pk) + f"#goal-{goal}", fetch_redirect_response=False)
        refused = client.post(url("override_goal", pk=round_.pk, goal=goal), {"verdict": "uppnatt", "reason": ""})
        self.assertContains(refused, "En ändrad bedömning kräver ett skäl.", status_code=400)
        client.post(url("override_goal", pk=round_.pk, goal=goal), {"verdict": "uppnatt", "reason": "NTU visar det."})
        report = {"status": "genomford", "progress": "", "comment": "Klart."}
        client.post(url("report_promise", pk=round_.pk, promise=self.lighting.pk), report)
        client.post(url("summary", pk=round_.pk), {"summary": "Inbrotten har halverats."})
        total = self.evaluation(round_, self.total_goal)
        self.assertEqual(
            (total.comment, total.override, total.override_reason), ("Stabilt.", "uppnatt", "NTU visar det.")
        )
        self.lighting.refresh_from_db()
        self.assertEqual((self.lighting.status, self.lighting.progress), ("genomford", None))
        self.assertEqual(PromiseReport.objects.get(round=round_, promise=self.lighting).progress, 100)
        client.post(url("close", pk=round_.pk))
        self.assertEqual(self.client_for(self.polis).post(url("publish", pk=round_.pk)).status_code, 403)
        client.post(url("publish", pk=round_.pk))
        round_.refresh_from_db()
        self.assertEqual((round_.summary, round_.status), ("Inbrotten har halverats.", "publicerad"))

    def test_personal_data_in_a_form_is_refused(self) -> None:
        round_ = self.evaluated()
        response = self.client_for(self.samordnare).post(
            url("summary", pk=round_.pk), {"summary": "Ring 070-123 45 67"}
        )
        self.assertContains(response, "telefonnummer", status_code=400)
        round_.refresh_from_db()
        self.assertEqual(round_.summary, "")

    def test_the_pages_are_structured_for_assistive_technology(self) -> None:
        round_ = self.evaluated()
        client = self.client_for(self.samordnare)
        pages = [
            url("index", lofte=self.lofte.pk),
            url("detail", pk=round_.pk),
            url("plan_import", lofte=self.lofte.pk),
        ]
        for page in pages:
            with self.subTest(page=page):
                self.assertEqual(problems(client.get(page).content.decode()), [])

    def test_a_refusal_is_shown_on_the_page(self) -> None:
        round_ = self.planned()["2024 H1"]
        response = self.client_for(self.samordnare).post(url("close", pk=round_.pk), follow=True)
        self.assertContains(response, "Beräkna uppföljningen innan den avslutas.")

    def test_another_partnerships_round_is_not_found(self) -> None:
        round_ = self.evaluated()
        client = self.client_for(self.samordnare_b)
        self.assertEqual(client.get(reverse("followup:detail", args=["mullsjo", round_.pk])).status_code, 404)


class DatesTest(FollowUpCase):
    """A round closes only after its period; one still open after its due day is overdue wherever it is listed."""

    def test_a_round_cannot_be_closed_before_its_period_ends(self) -> None:
        with time_machine.travel("2025-12-31 23:30 +01:00", tick=False):
            round_ = self.evaluated("2025 H2")
            with self.assertRaises(FollowUpRefused) as caught:
                do_close_round(self.access(), round_, actor=self.samordnare)
            message = (
                "Uppföljningen 2025 H2 kan inte avslutas förrän perioden är slut: den slutar 2025-12-31. "
                "Den kan avslutas från 2026-01-01."
            )
            self.assertEqual((str(caught.exception), caught.exception.errors), (message, {"period_end": [message]}))
            round_.refresh_from_db()
            self.assertEqual(round_.status, FollowUpRound.Status.OPEN)
            self.assertFalse(AuditEvent.objects.filter(action="followup.close").exists())
            page = self.client_for(self.samordnare).get(url("detail", pk=round_.pk))
            self.assertContains(page, "Perioden slutar 2025-12-31. Uppföljningen kan avslutas när perioden är slut.")
            self.assertNotContains(page, "Avsluta uppföljningen")
            posted = self.client_for(self.samordnare).post(url("close", pk=round_.pk), follow=True)
            self.assertContains(posted, "kan inte avslutas förrän perioden är slut")
        # Half an hour later in Stockholm, still 2025-12-31 in UTC: the period is over.
        with time_machine.travel("2026-01-01 00:30 +01:00", tick=False):
            do_close_round(self.access(), round_, actor=self.samordnare)
        round_.refresh_from_db()
        self.assertEqual(round_.status, FollowUpRound.Status.CLOSED)

    def test_an_open_round_past_its_due_day_is_overdue(self) -> None:
        rounds = self.planned()
        due = rounds["2025 H1"]
        self.assertEqual(due.due_on, date(2025, 8, 14))
        self.assertFalse(due.is_overdue(date(2025, 8, 14)))
        self.assertTrue(due.is_overdue(date(2025, 8, 15)))
        FollowUpRound.objects.filter(pk=rounds["2024 H1"].pk).update(status=FollowUpRound.Status.CLOSED)
        rounds["2024 H1"].refresh_from_db()
        self.assertFalse(rounds["2024 H1"].is_overdue(date(2025, 8, 15)))

    @time_machine.travel("2025-08-15 00:10 +02:00", tick=False)
    def test_overdue_rounds_are_marked_on_the_list_and_the_round_page(self) -> None:
        rounds = self.planned()
        FollowUpRound.objects.filter(pk=rounds["2024 H1"].pk).update(status=FollowUpRound.Status.CLOSED)
        client = self.client_for(self.viewer)
        page = client.get(url("index", lofte=self.lofte.pk)).content.decode()
        marked = {label for label in rounds if _row(page, label).count("Försenad")}
        self.assertEqual(marked, {"2024 H2", "2025 H1"})
        overdue = client.get(url("detail", pk=rounds["2025 H1"].pk))
        self.assertContains(overdue, "Försenad: skulle vara klar 2025-08-14")
        self.assertNotContains(client.get(url("detail", pk=rounds["2025 H2"].pk)), "Försenad")
        self.assertNotContains(client.get(url("detail", pk=rounds["2024 H1"].pk)), "Försenad")

    @time_machine.travel("2025-08-15 00:10 +02:00", tick=False)
    def test_the_api_says_when_a_round_is_due_and_whether_it_is_overdue(self) -> None:
        self.planned()
        response = self.client_for(self.viewer).get(f"/api/v1/promises/{self.lofte.pk}")
        self.assertEqual(response.status_code, 200)
        rounds = {r["label"]: r for r in response.json()["rounds"]}
        self.assertEqual((rounds["2025 H1"]["due_on"], rounds["2025 H1"]["overdue"]), ("2025-08-14", True))
        self.assertEqual((rounds["2025 H2"]["due_on"], rounds["2025 H2"]["overdue"]), ("2026-02-14", False))

    @time_machine.travel("2025-08-15 00:10 +02:00", tick=False)
    def test_the_dashboard_lists_the_overdue_rounds(self) -> None:
        rounds = self.planned()
        client = self.client_for(self.viewer)
        dashboard = reverse("partnerships:dashboard", args=["mjolby"])
        page = client.get(dashboard)
        self.assertContains(page, "Försenade uppföljningar")
        for label in ("2024 H1", "2024 H2", "2025 H1"):
            self.assertContains(page, url("detail", pk=rounds[label].pk))
        self.assertNotContains(page, url("detail", pk=rounds["2025 H2"].pk))
        FollowUpRound.objects.filter(lofte=self.lofte).update(status=FollowUpRound.Status.CLOSED)
        self.assertNotContains(client.get(dashboard), "Försenade uppföljningar")
        other = self.client_for(self.samordnare_b).get(reverse("partnerships:dashboard", args=["mullsjo"]))
        self.assertNotContains(other, "Försenade uppföljningar")


class GoalsAsWrittenTest(FollowUpCase):
    """The issue's goal cases on Mjölby's real figures: a yearly level over half a year (D2), a round covering only
    K1 of the due year (D3), a goal on a rate per 100 000 (D4), and the statistics read in two queries."""

    def level_goal(self) -> Goal:
        return Goal.objects.create(
            lofte=self.lofte,
            position=5,
            text="Högst 2 600 anmälda brott per år",
            kind=Goal.Kind.STATISTIK,
            metric=Metric.objects.get(code="anmalda.totalt"),
            area=self.kommun_a,
            baseline_period="2023",
            target=Goal.Target.LEVEL,
            target_value=2600,
            due_period="2025",
        )

    def test_d2_a_yearly_level_is_not_reached_by_half_a_year(self) -> None:
        goal = self.level_goal()
        half = self.evaluation(self.evaluated("2025 H1"), goal)
        self.assertEqual((half.period, half.value), ("2025 K1–K2", 1469))
        self.assertEqual(half.computed, Verdict.FOR_TIDIGT)  # 1 469 against half the level, 1 300
        self.assertIn("1\u00a0300", half.explanation)
        self.assertIn("helt år", half.explanation)
        year = self.evaluation(self.evaluated("2025 H2"), goal)
        self.assertEqual((year.period, year.value, year.computed), ("2025", 2875, Verdict.INTE_UPPNATT))
        self.assertIn("över nivån 2\u00a0600", year.explanation)
        self.assertIn("90 %-intervall mot nivån", year.explanation)

    def test_d3_a_round_covering_only_k1_of_the_due_year_is_not_final(self) -> None:
        goal = self.level_goal()
        round_ = FollowUpRound.objects.create(
            lofte=self.lofte,
            label="2025 K1",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 3, 31),
            due_on=date(2025, 5, 15),
        )
        do_evaluate_round(self.access(), round_, actor=self.samordnare)
        early = self.evaluation(round_, goal)
        self.assertEqual((early.period, early.value), ("2025 K1", 710))  # above a quarter of the level, 650
        self.assertEqual(early.computed, Verdict.FOR_TIDIGT)
        self.assertIn("inte över", early.explanation)
        total = self.evaluation(round_, self.total_goal)  # 710 against 604 in 2023 K1: no verdict of failure yet
        self.assertNotEqual(total.computed, Verdict.INTE_UPPNATT)

    def test_an_interim_round_says_on_its_way(self) -> None:
        goal = self.level_goal()
        goal.target_value = 3200  # 1 469 in K1–K2 is under half of it, 1 600
        goal.save()
        half = self.evaluation(self.evaluated("2025 H1"), goal)
        self.assertEqual((half.computed, half.get_computed_display(), half.colour), ("pa_vag", "På väg", "lightgreen"))
        words = verdict_in_words(goal, half)
        self.assertTrue(words.startswith("På väg: värdet ligger hittills inom nivån"), words)
        self.assertIn("Målet bedöms när 2025 är slut.", words)
        self.assertIn("90 %-intervall mot nivån: mellan", words)
        page = self.client_for(self.samordnare).get(url("detail", pk=half.round_id))
        self.assertContains(page, '<span class="verdict verdict-lightgreen">På väg</span>', html=True)

    def rate_goal(self, rates: dict[int, float]) -> Goal:
        """Mjölby's anmälda brott per 100 000 (Kolada N07540) with the population, from Brå's yearly figures."""
        run = ImportRun.objects.create(file_name="kolada.json", sha256="7" * 64, format="test", publisher="kolada")
        metric = Metric.objects.create(
            code="kolada.n07540", name="Anmälda brott totalt, antal/100 000 inv", unit=Metric.Unit.PER_100K,
            publisher="kolada",
        )  # fmt: skip
        population, _created = Metric.objects.get_or_create(
            code="befolkning.totalt", defaults={"name": "Folkmängd", "unit": Metric.Unit.ANTAL, "publisher": "scb"}
        )
        rate_series = Series.objects.create(metric=metric, area=self.kommun_a)
        population_series, _created = Series.objects.get_or_create(metric=population, area=self.kommun_a)
        observations = []
        for year, (count, per_100k) in _brå_totals().items():
            start = date(year, 1, 1)
            common = {"period": str(year), "period_kind": "year", "period_start": start, "import_run": run}
            observations.append(Observation(series=rate_series, value=rates.get(year, per_100k), **common))
            observations.append(
                Observation(series=population_series, value=round(count * 100_000 / per_100k), **common)
            )
        Observation.objects.filter(series=population_series).delete()
        Observation.objects.bulk_create(observations)
        return Goal.objects.create(
            lofte=self.lofte,
            position=6,
            text="Färre anmälda brott per invånare än 2023",
            kind=Goal.Kind.STATISTIK,
            metric=metric,
            area=self.kommun_a,
            baseline_period="2023",
            due_period="2025",
        )

    def test_d4_a_rate_goal_is_tested_with_the_population(self) -> None:
        goal = self.rate_goal({})
        result = self.evaluation(self.evaluated("2025 H2"), goal)
        self.assertEqual((result.baseline_value, result.value), (10146, 9997))
        self.assertEqual((result.change_pct, result.computed), (-1.5, Verdict.INGEN_SAKER))
        totals = _brå_totals()
        (c1, r1), (c2, r2) = totals[2023], totals[2025]
        e1, e2 = round(c1 * 100_000 / r1), round(c2 * 100_000 / r2)
        exact = rates.test_poisson_2indep(c2, e2, c1, e1, value=1, method="exact-cond", alternative="smaller").pvalue
        self.assertGreaterEqual(result.p_value or 0, exact)  # calibrated: never more eager than the exact test

    def test_d4_a_tiny_fall_in_a_rate_is_not_reached(self) -> None:
        goal = self.rate_goal({2025: 10145.0})  # 0.01 % below 2023's 10 146
        result = self.evaluation(self.evaluated("2025 H2"), goal)
        self.assertEqual(result.computed, Verdict.INGEN_SAKER)
        self.assertGreater(result.p_value or 0, 0.4)

    def test_the_statistics_are_read_in_two_queries_whatever_the_number_of_goals(self) -> None:
        level = self.level_goal()
        goals = Goal.objects.filter(lofte=self.lofte).select_related("metric", "area", "lofte")
        with self.assertNumQueries(2):
            few = evaluate_goals([level], date(2025, 12, 31))
        Goal.objects.bulk_create(
            Goal(**{**_fields(level), "id": None, "position": 10 + n, "target": Goal.Target.BASELINE}) for n in range(6)
        )
        more = list(goals.all())
        with self.assertNumQueries(2):  # the dispersion of each goal's series comes from the same rows
            many = evaluate_goals(more, date(2025, 6, 30))
        self.assertEqual((len(few), len(many)), (1, 10))


def _fields(goal: Goal) -> dict[str, Any]:
    return {f.attname: getattr(goal, f.attname) for f in Goal._meta.concrete_fields}


def _brå_totals() -> dict[int, tuple[int, float]]:
    with YEARLY.open(encoding="utf-8") as file:
        rows = [r for r in csv.DictReader(file, delimiter=";") if r["kommun"] == "0586" and r["key"] == "total"]
    return {int(r["period"]): (int(r["count"]), float(r["per100k"])) for r in rows if int(r["period"]) >= 2014}


class MissingValueTest(FollowUpCase):
    """A goal without a baseline, and one waiting for its period's value, are states of their own: no verdict,
    never a zero, and "data kommer" shown where the goal was bound knowing its values would come."""

    def test_the_round_page_and_the_reports_tell_the_two_states_apart(self) -> None:
        metric = Metric.objects.create(
            code="ntu.otrygghet", name="Otrygghet utomhus", unit=Metric.Unit.PROCENT, publisher="bra"
        )
        pending = Goal.objects.create(
            lofte=self.lofte,
            position=5,
            text="Färre som känner sig otrygga utomhus",
            kind=Goal.Kind.UNDERSOKNING,
            metric=metric,
            area=self.kommun_a,
            baseline_period="2023",
            data_pending=True,
        )
        round_ = self.evaluated("2025 H1")
        no_baseline = self.evaluation(round_, pending)
        self.assertEqual(
            (no_baseline.verdict, no_baseline.value, no_baseline.baseline_value), ("basvarde_saknas", None, None)
        )
        self.assertIn("Samverkan har angett att data kommer.", no_baseline.explanation)
        page = self.client_for(self.samordnare).get(url("detail", pk=round_.pk))
        self.assertContains(page, '<span class="verdict verdict-grey">Basvärde saknas</span>', html=True)
        self.assertContains(page, '<span class="tag">Data kommer</span>', html=True)
        self.assertContains(page, "saknas ännu")
        self.assertNotContains(page, 'verdict-grey">För tidigt')
        overrides = self.client_for(self.samordnare).get(url("detail", pk=round_.pk)).content.decode()
        self.assertNotIn('value="basvarde_saknas"', overrides)  # a missing value is nobody's verdict to give
        with self.assertRaisesMessage(FollowUpRefused, "Okänd bedömning"):
            do_override_goal(self.access(), no_baseline, verdict="varde_saknas", reason="Prov", actor=self.samordnare)
        content = reports.gather(reports.load(round_))
        line = next(goal for goal in content.goals if goal.text == pending.text)
        self.assertEqual(line.verdict_line, "Ingen bedömning: basvärde saknas")
        self.assertEqual([text for _label, text in line.rows[:2]], ["saknas", "saknas ännu"])
        html = reports.render_pdf_html(content)
        self.assertIn("Ingen bedömning: basvärde saknas", html)
        self.assertIn("Data kommer: när målet sattes", html)
        document = docx.Document(io.BytesIO(reports.render_docx(content)))
        text = "\n".join(paragraph.text for paragraph in document.paragraphs)
        self.assertIn("Ingen bedömning: basvärde saknas", text)
        self.assertIn("Data kommer: när målet sattes", text)

    def test_a_period_without_its_value_yet_is_waiting_not_judged(self) -> None:
        round_ = self.planned()["2025 H2"]
        Observation.objects.filter(series__metric__code="anmalda.bostadsinbrott", period="2025").delete()
        do_evaluate_round(self.access(), round_, actor=self.samordnare)
        burglary = self.evaluation(round_, self.burglary_goal)
        self.assertEqual((burglary.verdict, burglary.value, burglary.baseline_value), ("varde_saknas", None, 143))
        self.assertEqual(
            burglary.explanation,
            "Värdet för perioden 2025 saknas ännu för Mjölby; målet bedöms när det finns.",
        )
        page = self.client_for(self.viewer).get(url("detail", pk=round_.pk))
        self.assertContains(
            page, '<span class="verdict verdict-grey">Värdet för perioden saknas ännu</span>', html=True
        )


def _row(page: str, label: str) -> str:
    """The table row of the round list whose heading cell is the round's label."""
    start = page.index(f">{label}</a>")
    return page[start : page.index("</tr>", start)]


@time_machine.travel("2025-08-04 08:00 +02:00", tick=False)
class ReminderTest(FollowUpCase):
    """2025 H1 (1 January–30 June) is due on 14 August; on 4 August it is ten days away."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.editor_housing = make_user("bo@bostad.example", "Bo Bostad", cls.housing_a, "samordnare")

    def setUp(self) -> None:
        self.rounds = self.planned()
        # The rounds of 2024 are overdue: closed here, so only 2025 H1 is due unless a test reopens them.
        FollowUpRound.objects.filter(label__startswith="2024").update(status=FollowUpRound.Status.CLOSED)

    def test_it_reminds_the_editors_of_organisations_with_quiet_promises_once(self) -> None:
        Activity.objects.create(promise=self.lighting, date=date(2025, 3, 1), text="Ny belysning i trapphus")
        Activity.objects.create(promise=self.patrol, date=date(2024, 12, 20), text="Förra perioden")
        reminders = send_reminders()
        self.assertEqual(
            {(r.organisation, r.recipients) for r in reminders},
            {("Mjölby kommun", ("samordnare@a.example",)), ("Lokalpolisområde Motala", ("polis@a.example",))},
        )
        self.assertEqual(len(mail.outbox), 2)
        police = next(m for m in mail.outbox if m.to == ["polis@a.example"])
        self.assertIn("2025 H1", police.subject)
        self.assertIn("senast 2025-08-14", police.subject)
        self.assertIn("Polisen patrullerar i centrum", police.body)
        self.assertIn("Grannsamverkan i villaområdena", police.body)
        self.assertIn(settings.SITE_URL + url("detail", pk=self.rounds["2025 H1"].pk), police.body)
        kommun = next(m for m in mail.outbox if m.to == ["samordnare@a.example"])
        self.assertNotIn("Polisen patrullerar", kommun.body)
        self.rounds["2025 H1"].refresh_from_db()
        self.assertIsNotNone(self.rounds["2025 H1"].reminded_at)
        self.assertEqual(send_reminders(), [])
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(AuditEvent.objects.filter(action="followup.remind").count(), 1)

    def test_it_leaves_rounds_not_yet_due_closed_or_finished_promises(self) -> None:
        self.assertEqual(send_reminders(days=5), [])  # due in ten days
        Promise.objects.update(status=Promise.Status.GENOMFORD)
        self.assertEqual(send_reminders(), [])
        self.assertEqual(mail.outbox, [])
        self.assertIsNone(FollowUpRound.objects.get(pk=self.rounds["2025 H1"].pk).reminded_at)

    def test_an_overdue_round_is_reminded_about(self) -> None:
        FollowUpRound.objects.filter(label="2024 H2").update(status=FollowUpRound.Status.OPEN)
        reminded = {r.round for r in send_reminders()}
        self.assertEqual(reminded, {"2024 H2", "2025 H1"})

    def test_the_command_and_the_task_send_nothing_twice(self) -> None:
        call_command("remind_followups", stdout=(out := _Output()))
        self.assertIn("Skickade", out.text)
        sent = len(mail.outbox)
        self.assertGreater(sent, 0)
        result = remind_followups.enqueue()
        self.assertEqual(result.return_value, 0)
        call_command("remind_followups", stdout=_Output())
        self.assertEqual(len(mail.outbox), sent)


class _Output:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass
