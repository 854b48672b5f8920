"""What citizens see of a medborgarlöfte and its follow-up: nothing internal, verdicts in plain words, a summary
before a round is published, and an ended löfte said to be ended."""

from __future__ import annotations

import re

import time_machine

from lofte.promises.followup.actions import (
    FollowUpRefused,
    do_close_round,
    do_comment_goal,
    do_override_goal,
    do_publish_round,
    do_report_promise,
    do_set_summary,
)
from lofte.promises.models import FollowUpRound, Goal, Medborgarlofte, Promise
from lofte.statistics.models import Metric
from tests.cases import FollowUpCase, url
from tests.documents import pdf_text

SUMMARY = "Bostadsinbrotten har nästan halverats sedan 2023."
GOAL_COMMENT = "Intern anteckning: siffran för december är osäker."
OVERRIDE_REASON = "Enligt vår interna genomgång med LBR."
PROMISE_COMMENT = "Internt: patrullerna har varit underbemannade."
EVIDENCE = "Antal hushåll i grannsamverkan enligt Samverkan mot brott."
OTHER_SOURCE_GOAL = "Fler känner sig trygga i centrum"
# After the round 2025 H2 has ended and is due: when a samordnare would close and publish it.
AFTER_THE_ROUND = "2026-02-20 10:00 +01:00"
P_VALUE = re.compile(r"\bp\s*[<=]|p-värde", re.IGNORECASE)


class PublicPageCase(FollowUpCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.qualitative_goal.evidence = EVIDENCE
        cls.qualitative_goal.save()
        survey = Metric.objects.create(
            code="egen.trygg.centrum", name="Trygg i centrum", unit="procent", publisher="other"
        )
        cls.other_goal = Goal.objects.create(
            lofte=cls.lofte,
            position=3,
            text=OTHER_SOURCE_GOAL,
            kind=Goal.Kind.UNDERSOKNING,
            metric=survey,
            area=cls.kommun_a,
            direction=Goal.Direction.HIGHER,
            baseline_period="2023",
            due_period="2025",
        )

    def published_round(self) -> FollowUpRound:
        Medborgarlofte.objects.filter(pk=self.lofte.pk).update(status=Medborgarlofte.Status.PUBLICERAD)
        with time_machine.travel(AFTER_THE_ROUND, tick=False):
            round_ = self.evaluated("2025 H2")
            access = self.access()
            do_set_summary(access, round_, summary=SUMMARY, actor=self.samordnare)
            do_comment_goal(
                access, self.evaluation(round_, self.total_goal), comment=GOAL_COMMENT, actor=self.samordnare
            )
            qualitative = self.evaluation(round_, self.qualitative_goal)
            do_override_goal(access, qualitative, verdict="uppnatt", reason=OVERRIDE_REASON, actor=self.samordnare)
            do_report_promise(
                access, round_, self.patrol, status="pagar", progress=60, comment=PROMISE_COMMENT, actor=self.polis
            )
            do_close_round(access, round_, actor=self.samordnare)
            do_publish_round(access, round_, actor=self.samordnare)
        return round_


class InternalFieldsTest(PublicPageCase):
    def test_the_public_page_and_pdf_leave_out_what_is_internal(self) -> None:
        round_ = self.published_round()
        with time_machine.travel(AFTER_THE_ROUND, tick=False):
            page = self.client.get("/kommun/0586/")
            report = self.client.get(f"/kommun/0586/uppfoljning/{round_.pk}.pdf")
        self.assertEqual((page.status_code, report.status_code), (200, 200))
        html = page.content.decode()
        text = pdf_text(report.content)
        burglary = self.evaluation(round_, self.burglary_goal)
        self.assertIsNotNone(burglary.p_value)
        self.assertIn("p = 0,04", burglary.explanation)  # the members' explanation has it; the public's must not
        for shown, where in ((html, "page"), (text, "pdf")):
            with self.subTest(where=where):
                self.assertIn(SUMMARY, shown)
                self.assertIn(OTHER_SOURCE_GOAL, shown)
                for internal in (EVIDENCE, GOAL_COMMENT, OVERRIDE_REASON, PROMISE_COMMENT, "Källa: Annan", "Annan."):
                    self.assertNotIn(internal, shown)
                self.assertIsNone(P_VALUE.search(shown), P_VALUE.search(shown))
        self.assertIn("Källa: Brå", html)
        self.assertIn("Källa: Brå", text)
        # The members' version still has all of it.
        members = self.client_for(self.samordnare).get(url("report", pk=round_.pk, fmt="pdf"))
        self.assertIn(GOAL_COMMENT, pdf_text(members.content))

    def test_the_api_gives_the_public_only_the_plain_words(self) -> None:
        self.published_round()
        with time_machine.travel(AFTER_THE_ROUND, tick=False):
            public = self.client.get("/api/v1/promises?area=0586").json()
            members = self.client_for(self.samordnare).get("/api/v1/promises?area=0586").json()
        explained = {goal["text"]: goal["evaluation"]["explanation"] for goal in public[0]["goals"]}
        self.assertTrue(explained["Färre anmälda bostadsinbrott än 2023"].startswith("Målet är nått: minskningen"))
        for internal in (EVIDENCE, GOAL_COMMENT, OVERRIDE_REASON, PROMISE_COMMENT):
            self.assertNotIn(internal, str(public))
        self.assertIsNone(P_VALUE.search(" ".join(explained.values())))
        # The members' explanation keeps its figures and what the qualitative goal needs.
        self.assertIn("p = 0,04", str(members))
        self.assertIn(EVIDENCE, str(members))

    def test_the_page_says_what_each_verdict_means_in_plain_words(self) -> None:
        self.published_round()
        with time_machine.travel(AFTER_THE_ROUND, tick=False):
            page = self.client.get("/kommun/0586/")
        # Bostadsinbrott 143 → 75: a clear decrease, beyond the series' usual variation (p ≈ 0.044, one-sided).
        self.assertContains(
            page, "Målet är nått: minskningen är statistiskt säkerställd, större än vad slumpen brukar ge."
        )
        self.assertContains(page, "Det är osannolikt att en så stor skillnad bara är slump.")
        self.assertContains(page, "90 %-intervall för förändringen: mellan")
        # Brott totalt 2 894 → 2 875.
        self.assertContains(
            page, "Ingen tydlig förändring: skillnaden mot 2023 är så liten att den kan bero på slumpen."
        )
        self.assertNotContains(page, "säker förändring")
        # The qualitative goal, assessed by the partnership without saying why in public.
        self.assertContains(page, "Målet är nått enligt samverkans bedömning.")
        # No figures for the survey goal's base year: no verdict, and it says why.
        self.assertContains(page, "Ingen bedömning: siffrorna för jämförelseåret 2023 saknas")


class PublishNeedsSummaryTest(PublicPageCase):
    def closed_round(self) -> FollowUpRound:
        with time_machine.travel(AFTER_THE_ROUND, tick=False):
            round_ = self.evaluated("2025 H2")
            do_close_round(self.access(), round_, actor=self.samordnare)
        return round_

    def test_a_round_without_a_summary_is_not_published(self) -> None:
        round_ = self.closed_round()
        with self.assertRaisesMessage(FollowUpRefused, "sammanfattning") as refused:
            do_publish_round(self.access(), round_, actor=self.samordnare)
        self.assertEqual(list(refused.exception.errors), ["summary"])
        round_.refresh_from_db()
        self.assertEqual(round_.status, FollowUpRound.Status.CLOSED)
        # The summary can still be written once the round is closed, and then it is published.
        do_set_summary(self.access(), round_, summary=SUMMARY, actor=self.samordnare)
        do_publish_round(self.access(), round_, actor=self.samordnare)
        round_.refresh_from_db()
        self.assertEqual((round_.status, round_.summary), (FollowUpRound.Status.PUBLISHED, SUMMARY))
        with self.assertRaisesMessage(FollowUpRefused, "publicerad"):
            do_set_summary(self.access(), round_, summary="Ändrad i efterhand.", actor=self.samordnare)

    def test_the_round_page_shows_the_refusal_beside_the_summary(self) -> None:
        round_ = self.closed_round()
        client = self.client_for(self.samordnare)
        refused = client.post(url("publish", pk=round_.pk))
        self.assertEqual(refused.status_code, 400)
        self.assertContains(
            refused, "Skriv en sammanfattning för allmänheten innan uppföljningen publiceras.", status_code=400
        )
        self.assertContains(refused, 'aria-invalid="true"', status_code=400)
        self.assertContains(refused, f'action="{url("summary", pk=round_.pk)}"', status_code=400)
        client.post(url("summary", pk=round_.pk), {"summary": SUMMARY})
        self.assertRedirects(client.post(url("publish", pk=round_.pk)), url("detail", pk=round_.pk))
        round_.refresh_from_db()
        self.assertEqual(round_.status, FollowUpRound.Status.PUBLISHED)


class EndedLofteTest(PublicPageCase):
    def test_an_ended_lofte_says_so_and_shows_its_outcome_not_a_stale_status(self) -> None:
        self.published_round()
        with time_machine.travel("2025-06-01 12:00 +02:00", tick=False):
            running = self.client.get("/kommun/0586/")
        self.assertNotContains(running, "har löpt ut")
        self.assertContains(running, "Ej påbörjad")
        with time_machine.travel("2026-03-01 12:00 +01:00", tick=False):
            ended = self.client.get("/kommun/0586/")
        self.assertContains(ended, "Medborgarlöftet för 2024–2025 har löpt ut.")
        self.assertContains(ended, "Inget nytt medborgarlöfte är publicerat här ännu.")
        self.assertNotContains(ended, "Ej påbörjad")
        self.assertNotContains(ended, "<progress")
        self.assertContains(ended, SUMMARY)  # the outcome: the last follow-up's summary
        self.assertContains(ended, "Bättre belysning i trapphus och källare")  # what was promised

    def test_the_latest_lofte_comes_first_when_an_older_one_has_ended(self) -> None:
        self.published_round()
        newer = Medborgarlofte.objects.create(
            agreement=self.agreement,
            title="Medborgarlöfte Mjölby 2026",
            year_from=2026,
            year_to=2026,
            status=Medborgarlofte.Status.PUBLICERAD,
        )
        Promise.objects.create(lofte=newer, text="Trygghetsvandringar i alla kommundelar")
        with time_machine.travel("2026-03-01 12:00 +01:00", tick=False):
            page = self.client.get("/kommun/0586/")
        html = page.content.decode()
        self.assertLess(html.index("Medborgarlöfte Mjölby 2026"), html.index("Medborgarlöfte Mjölby 2024–2025"))
        self.assertContains(page, "Medborgarlöftet för 2024–2025 har löpt ut.")
        self.assertNotContains(page, "Inget nytt medborgarlöfte")
        self.assertContains(page, '<progress max="100" value="0">0 %</progress>', count=1, html=True)

    def test_the_page_is_not_served_from_the_cache_of_the_year_before(self) -> None:
        self.published_round()
        with time_machine.travel("2025-12-31 23:59 +01:00", tick=False):
            self.assertNotContains(self.client.get("/kommun/0586/"), "har löpt ut")
        with time_machine.travel("2026-01-01 00:01 +01:00", tick=False):
            self.assertContains(self.client.get("/kommun/0586/"), "har löpt ut")
