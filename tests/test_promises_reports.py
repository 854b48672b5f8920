"""The follow-up round as PDF and Word for the partnership, and as PDF for the public."""

from __future__ import annotations

import re
from datetime import date

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lofte.promises import reports
from lofte.promises.followup.actions import do_comment_goal, do_override_goal, do_report_promise, do_set_summary
from lofte.promises.models import Activity, FollowUpRound, Promise
from tests.cases import BURGLARY_GOAL, QUALITATIVE_GOAL, TOTAL_GOAL, FollowUpCase, url
from tests.documents import (
    docx_layout_problems,
    docx_pictures,
    docx_text,
    pdf_accessibility_problems,
    pdf_figures,
    pdf_text,
)

SUMMARY = "Bostadsinbrotten har nästan halverats sedan 2023."
GOAL_COMMENT = "Intern kommentar om brotten totalt."
OVERRIDE_REASON = "Trygghetsmätningen visar samma sak."
PROMISE_COMMENT = "Intern kommentar om patrullerna."
ACTIVITY = "Informationsmöte om grannsamverkan i Skänninge"


class ReportCase(FollowUpCase):
    def round_with_contents(self) -> FollowUpRound:
        round_ = self.evaluated("2025 H2")
        access = self.access()
        do_set_summary(access, round_, summary=SUMMARY, actor=self.samordnare)
        total = self.evaluation(round_, self.total_goal)
        do_comment_goal(access, total, comment=GOAL_COMMENT, actor=self.samordnare)
        burglary = self.evaluation(round_, self.burglary_goal)
        do_override_goal(access, burglary, verdict="uppnatt", reason=OVERRIDE_REASON, actor=self.samordnare)
        do_report_promise(
            access, round_, self.patrol, status="pagar", progress=60, comment=PROMISE_COMMENT, actor=self.polis
        )
        activity = Activity(
            promise=self.watch, date=date(2025, 9, 3), text=ACTIVITY, reach=40, organisation=self.kommun_org_a
        )
        activity.attachment.save("protokoll.pdf", ContentFile(b"%PDF-1.4"), save=False)
        activity.save()
        Activity.objects.create(promise=self.watch, date=date(2025, 1, 3), text="Utanför perioden")
        self.addCleanup(activity.attachment.delete, save=False)
        return round_


class ContentTest(ReportCase):
    def test_the_members_version_has_everything(self) -> None:
        content = reports.gather(reports.load(self.round_with_contents()))
        self.assertEqual(content.heading, "Uppföljning 2025 H2: Medborgarlöfte Mjölby 2024–2025")
        self.assertEqual([goal.text for goal in content.goals], [BURGLARY_GOAL, TOTAL_GOAL, QUALITATIVE_GOAL])
        burglary, total, qualitative = content.goals
        self.assertEqual((burglary.label, burglary.colour), ("Uppnått", "green"))
        self.assertEqual(burglary.override_reason, OVERRIDE_REASON)
        self.assertEqual((total.label, total.colour, total.comment), ("Ingen tydlig förändring", "amber", GOAL_COMMENT))
        # The change per inhabitant, as tested, and its 90 % interval in words.
        self.assertEqual(
            [row[1] for row in total.rows], ["2 894", "2 875", "−1,5 %", total.interval_text, total.p_text]
        )
        self.assertTrue(total.interval_text.startswith("mellan "))
        self.assertEqual((qualitative.rows, qualitative.chart), ([], ""))
        patrol = next(p for p in content.promises if p.text.startswith("Polisen"))
        self.assertEqual((patrol.status, patrol.progress, patrol.comment), ("Pågår", 60, PROMISE_COMMENT))
        watch = next(p for p in content.promises if p.text.startswith("Grannsamverkan"))
        self.assertEqual([a.line for a in watch.activities], [f"2025-09-03 {ACTIVITY} (Mjölby kommun, 40 nådda)"])
        self.assertTrue(watch.activities[0].has_attachment)

    def test_the_public_version_leaves_out_what_is_internal(self) -> None:
        content = reports.gather(reports.load(self.round_with_contents()), public=True)
        burglary, total, _qualitative = content.goals
        self.assertEqual((burglary.label, burglary.override_reason), ("Uppnått", ""))
        self.assertIn("bedömd av samverkan", burglary.verdict_line)
        self.assertEqual(total.comment, "")
        self.assertTrue(all(promise.comment == "" for promise in content.promises))
        self.assertFalse(any(a.has_attachment for p in content.promises for a in p.activities))
        self.assertEqual(content.summary, SUMMARY)

    def test_it_reads_the_round_in_a_fixed_number_of_queries(self) -> None:
        rounds = FollowUpRound.objects.select_related("lofte__agreement__partnership__area")
        round_ = rounds.get(pk=self.round_with_contents().pk)
        with CaptureQueriesContext(connection) as few:
            reports.gather(reports.load(round_))
        for number in range(3):
            extra = self.promise(f"Extra {number}", [self.lpo_a, self.housing_a], position=20 + number)
            Activity.objects.create(promise=extra, date=date(2025, 11, 1), text="Gjort", organisation=self.lpo_a)
        self.assertEqual(len(few), 6)
        with self.assertNumQueries(len(few)):
            reports.gather(reports.load(round_))


class DocumentsTest(ReportCase):
    def test_the_pdf_has_a_chart_per_statistical_goal_and_the_whole_content(self) -> None:
        content = reports.gather(reports.load(self.round_with_contents()))
        html = reports.render_pdf_html(content)
        self.assertEqual(len(re.findall(r"<svg\b", html)), 2)  # the qualitative goal has no numbers to draw
        self.assertIn("verdict-green", html)
        data = reports.render_pdf(content)
        self.assertEqual(data[:4], b"%PDF")
        text = pdf_text(data)
        for expected in (
            "Uppföljning 2025 H2",
            SUMMARY,
            BURGLARY_GOAL,
            "Bedömning: uppnått",
            "Bedömning: ingen tydlig förändring",
            "−47,9 %",
            "0,044",
            "90 %-intervall",
            "Källa: Brå",
            GOAL_COMMENT,
            OVERRIDE_REASON,
            PROMISE_COMMENT,
            ACTIVITY,
            "Pågår, 60 % klart",
            "Beredning stärkt livskraft, Kommunstyrelsen",
        ):
            with self.subTest(expected=expected):
                self.assertIn(expected, " ".join(text.split()))
        self.assertNotIn("Utanför perioden", text)

    def test_the_public_pdf_says_the_same_without_the_internal_parts(self) -> None:
        data = reports.public_report_pdf(self.round_with_contents())
        text = " ".join(pdf_text(data).split())
        for expected in (SUMMARY, "Bedömning: uppnått", ACTIVITY, "Pågår, 60 % klart", "Version för allmänheten"):
            with self.subTest(expected=expected):
                self.assertIn(expected, text)
        for internal in (GOAL_COMMENT, OVERRIDE_REASON, PROMISE_COMMENT, "bilaga", "Sara Samordnare", "Per Polis"):
            with self.subTest(internal=internal):
                self.assertNotIn(internal, text)

    def test_the_word_document_has_the_same_content(self) -> None:
        content = reports.gather(reports.load(self.round_with_contents()))
        headings, bold, paragraphs, rows = docx_text(reports.render_docx(content))
        self.assertEqual(headings[0], "Uppföljning 2025 H2: Medborgarlöfte Mjölby 2024–2025")
        self.assertIn(f"1. {BURGLARY_GOAL}", headings)
        self.assertIn("Inbrott i bostäder", headings)
        self.assertIn("Bedömning: ingen tydlig förändring", bold)
        self.assertIn("Pågår, 60 % klart", bold)
        self.assertIn(SUMMARY, paragraphs)
        self.assertIn(f"Kommentar: {GOAL_COMMENT}", paragraphs)
        self.assertIn(f"2025-09-03 {ACTIVITY} (Mjölby kommun, 40 nådda) [bilaga i Löfte]", paragraphs)
        self.assertIn("Basperiod 2023 | 143", rows)
        self.assertIn("Perioden 2025 | 75", rows)

    def test_the_word_document_is_a4_with_the_pdfs_charts_as_pictures(self) -> None:
        content = reports.gather(reports.load(self.round_with_contents()))
        data = reports.render_docx(content)
        self.assertEqual(docx_layout_problems(data), [])
        titles = re.findall(r"<svg[^>]*>\s*<title[^>]*>([^<]*)</title>", reports.render_pdf_html(content))
        alts = [alt for alt, _image in docx_pictures(data)]
        self.assertEqual(len(alts), len(titles))
        for alt, title in zip(alts, titles, strict=True):
            self.assertTrue(alt.startswith(f"{title}. "), alt)

    def test_both_pdfs_are_tagged_with_title_and_language(self) -> None:
        round_ = self.round_with_contents()
        content = reports.gather(reports.load(round_))
        with self.assertNoLogs("weasyprint", level="INFO"):
            members, public = reports.render_pdf(content), reports.public_report_pdf(round_)
        title = "Uppföljning 2025 H2: Medborgarlöfte Mjölby 2024–2025"
        self.assertEqual(pdf_accessibility_problems(members, title=title), [])
        self.assertEqual(pdf_accessibility_problems(public, title=title), [])
        self.assertEqual(len(pdf_figures(members)), 2)  # a chart per statistical goal

    def test_members_download_the_reports(self) -> None:
        round_ = self.round_with_contents()
        client = self.client_for(self.viewer)
        pdf = client.get(url("report", pk=round_.pk, fmt="pdf"))
        self.assertEqual((pdf.status_code, pdf["Content-Type"], pdf.content[:4]), (200, "application/pdf", b"%PDF"))
        self.assertIn('filename="uppfoljning-mjolby-2025-h2.pdf"', pdf["Content-Disposition"])
        word = client.get(url("report", pk=round_.pk, fmt="docx"))
        self.assertEqual(word.status_code, 200)
        self.assertIn(ACTIVITY, docx_text(word.content)[2][-1] + " ".join(docx_text(word.content)[2]))
        public = client.get(url("public_report", pk=round_.pk))
        self.assertNotIn(GOAL_COMMENT, pdf_text(public.content))
        self.assertEqual(client.get(url("report", pk=round_.pk, fmt="odt")).status_code, 404)
        self.assertEqual(
            self.client_for(self.samordnare_b).get(url("report", pk=round_.pk, fmt="pdf")).status_code, 404
        )

    def test_an_unevaluated_round_says_so(self) -> None:
        round_ = self.planned()["2024 H1"]
        Promise.objects.filter(pk=self.watch.pk).update(status="pagar")
        content = reports.gather(reports.load(round_))
        self.assertFalse(content.evaluated)
        self.assertEqual(content.goals[0].verdict_line, "Bedömning: inte beräknad ännu")
        self.assertIn("Målen är inte beräknade ännu.", pdf_text(reports.render_pdf(content)))
