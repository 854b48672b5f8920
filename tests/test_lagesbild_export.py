from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path

import time_machine

from lofte.accounts.models import User
from lofte.lib.actors import SystemActor
from lofte.lib.formatting import number
from lofte.partnerships.access import PartnershipAccess, get_partnership_for_user
from lofte.situation.lagesbild.actions import (
    do_add_problem,
    do_add_source,
    do_adopt_lagesbild,
    do_create_lagesbild,
    do_link_dialogue,
    do_link_series,
    do_update_problem,
)
from lofte.situation.lagesbild.documents import (
    LagesbildContent,
    ProblemContent,
    gather,
    render_docx,
    render_pdf,
    render_pdf_html,
)
from lofte.situation.models import Lagesbild, Problem, Source
from lofte.statistics.actions import do_import
from tests.base import BaseTestCase
from tests.documents import (
    docx_layout_problems,
    docx_pictures,
    docx_text,
    pdf_accessibility_problems,
    pdf_figures,
    pdf_text,
)
from tests.factories import ADOPTION_DAY, EVENTS, late_event, make_dialogue

YEARLY = (
    Path(__file__).resolve().parent.parent
    / "lofte/statistics/sources/bra_csv/fixtures/bra_anmalda_brott_arsvis_motala_mjolby_mullsjo.csv"
)
BURGLARY = "anmalda.bostadsinbrott"
REVISION = b"kommun;period;key;count;per100k;preliminary\n0586;2025;burglary;80;278.0;\n"
# The lägesbild's checklist (3), sources, problems, their series, their cited dialogues, their values, the events.
QUERIES = 9
TITLE = "Lägesbild för Mjölby 2021–2025"
INTELLIGENCE = "UND 2026:3 Stöldligor i Mjölby"
SARA_LABELS = (
    "Beskrivning",
    "Plats",
    "Tid",
    "Drabbade",
    "Konsekvenser",
    "Orsaker: gärningsperson",
    "Orsaker: offer eller mål",
    "Orsaker: plats",
    "Prioritet och motivering",
)


class LagesbildExportCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(YEARLY.read_bytes(), YEARLY.name, actor=SystemActor("test"))

    def access(self, user: User) -> PartnershipAccess:
        return get_partnership_for_user(user, "mjolby")

    def draft(self) -> tuple[Lagesbild, Problem]:
        access = self.access(self.samordnare)
        lagesbild = do_create_lagesbild(
            access,
            title="Lägesbild Mjölby 2026",
            year_from=2021,
            year_to=2025,
            summary="Inbrotten minskar, men oron i villaområdena består.",
            actor=self.samordnare,
        )
        do_add_source(
            access,
            lagesbild,
            kind=Source.Kind.STATISTIK,
            title="Anmälda brott 2021–2025",
            description="Brås statistik över anmälda brott.",
            actor=self.samordnare,
        )
        do_add_source(self.access(self.polis), lagesbild, kind="underrattelse", title=INTELLIGENCE, actor=self.polis)
        burglary = do_add_problem(
            access,
            lagesbild,
            title="Bostadsinbrott i villaområden",
            description="Inbrott i villor när de boende är på jobbet.",
            place="Villaområdena i södra Mjölby",
            time="Vardagar dagtid, mest under hösten",
            affected="Boende i villaområden",
            consequences="Otrygghet i bostadsområdet och ekonomisk skada.",
            cause_offender="Resande stöldligor.",
            cause_victim="Få har larm.",
            cause_place="Skymd insyn och få vuxna hemma dagtid.",
            priority=1,
            priority_rationale="Flest drabbade.",
            event_types=["Inbrott"],
            actor=self.samordnare,
        )
        do_link_series(access, burglary, BURGLARY, "0586", actor=self.samordnare)
        do_add_problem(
            access,
            lagesbild,
            title="Skadegörelse i centrum",
            consequences="Kostnader för kommunen.",
            cause_place="Dålig belysning.",
            actor=self.samordnare,
        )
        return lagesbild, burglary

    def adopted(self) -> Lagesbild:
        lagesbild, _ = self.draft()
        return do_adopt_lagesbild(
            self.access(self.samordnare),
            lagesbild,
            decision="Kommunstyrelsen 2026-03-12 § 45",
            decided_on=date(2026, 3, 12),
            actor=self.samordnare,
        )

    def content(self, lagesbild: Lagesbild, user: User | None = None) -> LagesbildContent:
        return gather(lagesbild, self.access(user or self.samordnare))


class LagesbildExportTest(LagesbildExportCase):
    def test_it_carries_every_field_a_member_writes_on_a_problem(self) -> None:
        written = {field.name for field in dataclasses.fields(ProblemContent)}
        self.assertLessEqual(set(Problem.EDITABLE_FIELDS), written)

    def test_it_writes_a_docx_with_title_problems_and_sara_fields(self) -> None:
        headings, bold, paragraphs, _ = docx_text(render_docx(self.content(self.adopted())))

        self.assertEqual(headings[0], TITLE)
        self.assertIn("1. Bostadsinbrott i villaområden (prioritet 1)", headings)
        self.assertIn("2. Skadegörelse i centrum", headings)
        self.assertIn("Fastställd", "\n".join(paragraphs))
        self.assertIn("Kommunstyrelsen 2026-03-12 § 45", "\n".join(paragraphs))
        for label in SARA_LABELS:
            self.assertIn(label, bold)
        self.assertIn("Prioritet 1. Flest drabbade.", paragraphs)

    def test_it_leaves_empty_fields_out(self) -> None:
        content = self.content(self.adopted())
        self.assertEqual([label for label, _ in content.problems[1].fields], ["Konsekvenser", "Orsaker: plats"])
        _, bold, _, _ = docx_text(render_docx(content))
        self.assertEqual(bold.count("Beskrivning"), 1)

    def test_it_writes_the_figures_the_swedish_way_with_their_source(self) -> None:
        _, _, paragraphs, rows = docx_text(render_docx(self.content(self.adopted())))

        self.assertEqual(rows[0], "År | Värde | Per 100 000")
        self.assertIn("2021 | 184 | 654", rows)
        self.assertIn("2025 | 75 | 261", rows)
        self.assertIn("Källa: Brå", paragraphs)
        self.assertIn("Anmälda brott 2021–2025", "\n".join(paragraphs))

    def test_it_groups_thousands_with_a_space(self) -> None:
        lagesbild, burglary = self.draft()
        do_link_series(self.access(self.samordnare), burglary, "anmalda.totalt", "0586", actor=self.samordnare)
        _, _, _, rows = docx_text(render_docx(self.content(lagesbild)))
        self.assertIn("2025 | 2 875 | 9 997", rows)
        self.assertEqual([number(v) for v in (2875.0, 261.0, 261.5, None)], ["2 875", "261", "261,5", "–"])

    def test_it_writes_the_checklist(self) -> None:
        _, _, paragraphs, _ = docx_text(render_docx(self.content(self.adopted())))
        self.assertIn("Kartläggning: minst en källa: klar", paragraphs)
        self.assertIn("Lag (2023:196) om kommuners ansvar för brottsförebyggande arbete", paragraphs)

    def test_it_says_a_draft_is_a_draft(self) -> None:
        lagesbild, _ = self.draft()
        _, _, paragraphs, _ = docx_text(render_docx(self.content(lagesbild)))
        self.assertIn("Utkast", paragraphs)
        self.assertNotIn("Fastställd", "\n".join(paragraphs))

    def test_it_writes_a_pdf_with_charts_and_page_numbers(self) -> None:
        data = render_pdf(self.content(self.adopted()))

        self.assertTrue(data.startswith(b"%PDF"))
        text = pdf_text(data)
        for expected in (TITLE, "1. Bostadsinbrott i villaområden", "75", "261", "Källa: Brå", "Sida 1 av"):
            self.assertIn(expected, text)
        self.assertIn("Mjölby · Lägesbild version 1", text)

    def test_it_embeds_each_chart_as_inline_svg_beside_its_table(self) -> None:
        html = render_pdf_html(self.content(self.adopted()))

        self.assertEqual(html.count("<svg"), 1)
        self.assertIn('role="img"', html)
        self.assertIn("<td>75</td>", html)
        self.assertNotIn("http://", html.replace('xmlns="http://www.w3.org/2000/svg"', ""))

    def test_it_keeps_the_adopted_figures_after_a_revision_is_imported(self) -> None:
        lagesbild = self.adopted()
        do_import(REVISION, "rev.csv", actor=SystemActor("test"))
        content = self.content(lagesbild)

        self.assertEqual(content.problems[0].series[0].points[-1].value, 75)
        _, _, _, rows = docx_text(render_docx(content))
        self.assertIn("2025 | 75 | 261", rows)
        self.assertNotIn("2025 | 80 | 278", rows)
        text = pdf_text(render_pdf(content))
        self.assertIn("261", text)
        self.assertNotIn("278", text)

    def test_it_shows_the_live_values_in_a_draft(self) -> None:
        lagesbild, _ = self.draft()
        do_import(REVISION, "rev.csv", actor=SystemActor("test"))
        content = self.content(lagesbild)

        _, _, _, rows = docx_text(render_docx(content))
        self.assertIn("2025 | 80 | 278", rows)
        series = rows[: rows.index("Händelsetyp | Antal")]
        self.assertEqual(len(series), 6)  # header and 2021–2025, nothing outside the period
        self.assertIn("278", pdf_text(render_pdf(content)))

    def test_it_shows_police_intelligence_only_to_those_who_may_see_it(self) -> None:
        lagesbild = self.adopted()
        for user, visible in ((self.polis, True), (self.samordnare, False)):
            content = self.content(lagesbild, user)
            _, _, paragraphs, _ = docx_text(render_docx(content))
            with self.subTest(user=user.email):
                self.assertEqual(INTELLIGENCE in "\n".join(paragraphs), visible)
                self.assertEqual(INTELLIGENCE in pdf_text(render_pdf(content)), visible)

    def test_it_refuses_another_partnerships_lagesbild(self) -> None:
        lagesbild = self.adopted()
        theirs = get_partnership_for_user(self.samordnare_b, "mullsjo")
        with self.assertRaises(ValueError):
            gather(lagesbild, theirs)

    def test_it_gathers_in_a_fixed_number_of_queries(self) -> None:
        lagesbild, burglary = self.draft()
        access = self.access(self.samordnare)
        with self.assertNumQueries(QUERIES):
            gather(lagesbild, access)
        do_link_series(access, burglary, "anmalda.totalt", "0586", actor=self.samordnare)
        with self.assertNumQueries(QUERIES):
            content = gather(lagesbild, access)
        self.assertEqual(len(content.problems[0].series), 2)

    def test_it_gathers_an_adopted_lagesbild_in_a_fixed_number_of_queries(self) -> None:
        access = self.access(self.samordnare)
        one = self.adopted()
        two, burglary = self.draft()
        do_link_series(access, burglary, "anmalda.totalt", "0586", actor=self.samordnare)
        do_adopt_lagesbild(access, two, decision="KS § 46", decided_on=date(2026, 3, 12), actor=self.samordnare)
        for lagesbild, series in ((one, 1), (two, 2)):
            with self.subTest(series=series), self.assertNumQueries(QUERIES):
                content = gather(lagesbild, access)
            self.assertEqual([len(s.points) for s in content.problems[0].series], [5] * series)


class EvidenceExportTest(LagesbildExportCase):
    """The cited dialogues and the counts of Polisen's events, in both documents."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        do_import(EVENTS.read_bytes(), EVENTS.name, actor=SystemActor("test"))

    def adopted_with_evidence(self) -> Lagesbild:
        access = self.access(self.samordnare)
        lagesbild, burglary = self.draft()
        walk = make_dialogue(
            access, self.samordnare, kind="trygghetsvandring", place="Stationen", women=7, men=6, themes=["belysning"]
        )
        do_link_dialogue(access, burglary, walk, actor=self.samordnare)
        with time_machine.travel(ADOPTION_DAY, tick=False):
            do_adopt_lagesbild(
                access, lagesbild, decision="KS § 45", decided_on=date(2026, 3, 12), actor=self.samordnare
            )
        do_import(late_event(), "late.json", actor=SystemActor("test"))
        return lagesbild

    def test_it_writes_the_dialogues_and_frozen_event_counts_in_the_docx(self) -> None:
        headings, _, paragraphs, rows = docx_text(render_docx(self.content(self.adopted_with_evidence())))
        self.assertIn("Polisens händelser i Mjölby 2025-03-12–2026-03-11", headings)
        self.assertIn("Underlag: dialoger", headings)
        self.assertIn("Händelsetyp | Antal", rows)
        self.assertIn("Inbrott | 0", rows)
        self.assertIn("Antalen när lägesbilden fastställdes. Källa: Polisen", paragraphs)
        self.assertIn("Trygghetsvandring 2026-03-02, 13 deltagare, teman: belysning", paragraphs)
        self.assertNotIn("Stationen", "\n".join(paragraphs))

    def test_it_writes_the_dialogues_and_frozen_event_counts_in_the_pdf(self) -> None:
        text = pdf_text(render_pdf(self.content(self.adopted_with_evidence())))
        for expected in (
            "Polisens händelser i Mjölby 2025-03-12–2026-03-11",
            "Underlag: dialoger",
            "Trygghetsvandring 2026-03-02, 13 deltagare, teman: belysning",
            "Antalen när lägesbilden fastställdes.",
        ):
            self.assertIn(expected, text)

    def test_it_keeps_the_frozen_counts_after_later_events_are_imported(self) -> None:
        access = self.access(self.samordnare)
        lagesbild, burglary = self.draft()
        do_update_problem(access, burglary, event_types=["Trafikolycka"], actor=self.samordnare)
        with time_machine.travel(ADOPTION_DAY, tick=False):
            do_adopt_lagesbild(
                access, lagesbild, decision="KS § 45", decided_on=date(2026, 3, 12), actor=self.samordnare
            )
            draft, _ = self.draft()
            live = self.content(draft).problems[0].events
        do_import(late_event(), "late.json", actor=SystemActor("test"))
        events = self.content(lagesbild).problems[0].events
        assert events is not None and live is not None
        self.assertEqual([(c.type, c.count, events.frozen) for c in events.counts], [("Trafikolycka", 8, True)])
        self.assertEqual([(c.type, c.count, live.frozen) for c in live.counts], [("Inbrott", 0, False)])
        _, _, _, rows = docx_text(render_docx(self.content(lagesbild)))
        self.assertIn("Trafikolycka | 8", rows)


class LagesbildDocumentFormatTest(LagesbildExportCase):
    """Word on A4 with Swedish margins and the PDF's charts as pictures; the PDF tagged as PDF/UA."""

    def test_the_word_document_is_a4_with_swedish_margins(self) -> None:
        self.assertEqual(docx_layout_problems(render_docx(self.content(self.adopted()))), [])

    def test_the_word_document_has_the_pdfs_charts_as_pictures_with_alternative_text(self) -> None:
        content = self.content(self.adopted())
        html = render_pdf_html(content)
        charts = re.findall(r"<svg[^>]*>\s*<title[^>]*>([^<]*)</title>\s*<desc[^>]*>([^<]*)</desc>", html)
        self.assertEqual(len(charts), 1)  # the burglary series; the other problem has none
        pictures = docx_pictures(render_docx(content))
        self.assertEqual(len(pictures), len(charts))
        for (alt, image), (title, description) in zip(pictures, charts, strict=True):
            self.assertEqual(alt, f"{title}. {description.rstrip('.')}.")
            self.assertIn("Anmälda bostadsinbrott, Mjölby", alt)
            self.assertTrue(image.startswith(b"\x89PNG"))

    def test_the_pdf_is_tagged_with_title_and_language(self) -> None:
        content = self.content(self.adopted())
        with self.assertNoLogs("weasyprint", level="INFO"):
            pdf = render_pdf(content)
        self.assertEqual(pdf_accessibility_problems(pdf, title=TITLE), [])
        # Each chart is a figure whose alternative text is the chart's title.
        self.assertEqual(pdf_figures(pdf), [series.heading for p in content.problems for series in p.series])
