"""The weekly lägesbild: its numbers, who sees which places, Polisen's events, the area analysis and the downloads."""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import statsmodels.api as sm
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader
from scipy.stats import chi2
from scipy.stats import f as f_dist
from statsmodels.stats.multitest import multipletests

from lofte.analysis.est import STOCKHOLM, Week, last_complete_week
from lofte.areas.models import Area
from lofte.audit.models import AuditEvent
from lofte.est import places
from lofte.est.meetings.actions import MeasurePlace, do_create_measure, do_create_meeting
from lofte.est.models import EstSettings, Incident, WeekNote
from lofte.est.weekly.queries import compile_week
from lofte.lib.uncertainty import interval_words
from lofte.partnerships.access import PartnershipAccess
from lofte.statistics.models import Event
from tests.cases import CENTRE, SCATTERED, WEEK, EstCase, at
from tests.documents import pdf_accessibility_problems, pdf_figures

S = Incident.Status
EXACT = (58.32551, 15.12734)  # digits a generalised place never has
# Single reports 2 km or more apart, none of them near CENTRE or the scattered points.
BACKGROUND = [(lat, lng) for lat in (58.29, 58.36, 58.40) for lng in (15.04, 15.08, 15.16, 15.20)]


def square(lat: float, lng: float, half: float) -> dict[str, Any]:
    ring = [[lng - half, lat - half], [lng + half, lat - half], [lng + half, lat + half], [lng - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _p_two_sided(k: int, n: int, p: float) -> float:
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return sum(value for value in pmf if value <= pmf[k] * (1 + 1e-7))


class CompileWeekTest(EstCase):
    def setUp(self) -> None:
        self.report(at(WEEK), n=12)
        for back in range(1, 5):
            self.report(at(WEEK.shifted(-back)), "skadegorelse.glaskross" if back == 2 else "skadegorelse.klotter")
        self.report(at(WEEK.shifted(-5)), n=3)  # before the four weeks
        self.report(at(Week(2025, 10)), n=2)
        self.report(at(WEEK, day=6, hour=23), "ordning.brak", point=None)  # Sunday evening, no point

    def test_it_compares_the_week_with_the_four_weeks_before_and_last_year(self) -> None:
        picture = compile_week(self.partnership_a, 2026, 10, precise=True)
        total = picture.total
        self.assertEqual((total.this, total.last_week, total.four_week_sum, total.last_year), (13, 1, 4, 2))
        self.assertAlmostEqual(total.four_week_mean, 1.0)
        # The weekly dispersion from the 26 whole weeks before (3 reports five weeks back, 1 in each of the four):
        # statsmodels' quasi-Poisson fit of a log-linear trend, φ = Pearson χ² / df, never below 1.
        history = [0] * 21 + [3, 1, 1, 1, 1]
        design = sm.add_constant(np.arange(26.0))
        fit = sm.GLM(np.array(history, float), design, family=sm.families.Poisson()).fit()
        phi = max(1.0, fit.pearson_chi2 / fit.df_resid)
        self.assertAlmostEqual(total.vs_four_weeks.dispersion.phi, phi)

        def quasi(c1: int, c2: int, share: float) -> float:  # the LR statistic over φ against F(1, 24)
            m2 = (c1 + c2) * share
            deviance = 2 * (c1 * math.log(c1 / (c1 + c2 - m2)) + c2 * math.log(c2 / m2))
            return max(_p_two_sided(c2, c1 + c2, share), f_dist.sf(deviance / phi, 1, 24))

        p_four, p_year = quasi(4, 13, 0.2), quasi(2, 13, 0.5)
        # The total is a family of its two comparisons: Benjamini–Hochberg (statsmodels' multipletests).
        adjusted = multipletests([p_four, p_year], method="fdr_bh")[1]
        self.assertAlmostEqual(total.vs_four_weeks.p_value or 0, p_four)
        self.assertAlmostEqual(total.vs_four_weeks.p_adjusted or 0, adjusted[0])
        self.assertEqual(total.verdict_label, "ökning")
        assert total.vs_last_year is not None
        self.assertAlmostEqual(total.vs_last_year.p_value or 0, p_year)
        self.assertAlmostEqual(total.vs_last_year.p_adjusted or 0, adjusted[1])
        self.assertEqual(total.vs_last_year.label, "ökning")
        rows = {row.key: row for row in picture.categories}
        self.assertEqual(
            [row.key for row in picture.categories][:3],
            ["skadegorelse", "skadegorelse.klotter", "skadegorelse.glaskross"],
        )
        self.assertEqual((rows["skadegorelse"].this, rows["skadegorelse"].four_week_sum), (12, 4))
        self.assertEqual(
            (rows["skadegorelse.klotter"].four_week_sum, rows["skadegorelse.glaskross"].four_week_sum), (3, 1)
        )
        self.assertEqual((rows["skadegorelse.klotter"].level, rows["skadegorelse"].level), (1, 0))
        self.assertEqual((rows["ordning"].this, rows["ordning.brak"].this), (1, 1))
        self.assertEqual(picture.unlocated, 1)
        self.assertEqual(len(picture.points), 12)

    def test_it_compares_a_week_under_way_with_the_same_part_of_the_weeks_before(self) -> None:
        # Thursday 12:00: this week's 12 Wednesday reports against the weeks before up to their Thursday 12:00. The
        # four weeks' Wednesday reports count, a Thursday 13:00 and a Sunday report do not; last year's likewise.
        for back in (1, 3):
            self.report(at(WEEK.shifted(-back), day=3, hour=13))
            self.report(at(WEEK.shifted(-back), day=6, hour=10))
        self.report(at(Week(2025, 10), day=5))
        picture = compile_week(self.partnership_a, 2026, 10, precise=True, now=at(WEEK, day=3, hour=12))
        self.assertTrue(picture.under_way)
        total = picture.total
        # This week counts every report in it (the Sunday one of setUp too); the weeks compared only their first part.
        self.assertEqual((total.this, total.four_week_sum, total.last_year), (13, 4, 2))
        # The same part on both sides: compared 1 : 4 like whole weeks, not scaled by the share of clock time.
        self.assertAlmostEqual(total.vs_four_weeks.rate_ratio or 0, 13 / (4 / 4))
        whole = compile_week(self.partnership_a, 2026, 10, precise=True)
        self.assertFalse(whole.under_way)
        self.assertEqual((whole.total.this, whole.total.four_week_sum, whole.total.last_year), (13, 8, 3))

    def test_a_week_under_way_is_cut_on_the_wall_clock_in_a_week_with_a_change_of_clock(self) -> None:
        # Sunday 5 April 2026 12:00 in week 14; week 13 had 167 hours (the clocks went forward on Sunday 29 March).
        # The same part of week 13 ends on its Sunday at 12:00 summer time, 155 real hours after its Monday: a report
        # at 11:30 counts, one at 12:30 does not (cut by real hours, 156 of them, it would end at 13:00 and count it).
        week = Week(2026, 14)
        spring = Week(2026, 13)
        self.report(datetime(2026, 3, 29, 11, 30, tzinfo=STOCKHOLM))
        self.report(datetime(2026, 3, 29, 12, 30, tzinfo=STOCKHOLM))
        self.report(at(week, day=0), n=2)
        picture = compile_week(
            self.partnership_a, 2026, 14, precise=True, now=datetime(2026, 4, 5, 12, tzinfo=STOCKHOLM)
        )
        self.assertTrue(picture.under_way)
        self.assertEqual(picture.total.last_week, 1)
        self.assertEqual(spring.until(week.offset(datetime(2026, 4, 5, 12, tzinfo=STOCKHOLM))).hour, 12)
        whole = compile_week(self.partnership_a, 2026, 14, precise=True, now=datetime(2026, 4, 6, 0, tzinfo=STOCKHOLM))
        self.assertEqual(whole.total.last_week, 2)

    def test_the_page_says_how_many_comparisons_each_table_makes_and_how_sure_each_is(self) -> None:
        response = self.client_for(self.viewer).get(self.week_url())
        picture = response.context["picture"]
        self.assertGreater(picture.category_tests, 2)
        self.assertContains(response, f"Tabellen prövar {picture.category_tests} jämförelser på en gång")
        self.assertContains(response, "Benjamini–Hochberg")
        total = picture.total.vs_four_weeks
        self.assertContains(response, f"({interval_words(total.ci_low, total.ci_high)}")
        self.assertContains(response, "statistiskt säkerställd")
        self.assertNotContains(response, "säkra")
        csv = self.client_for(self.viewer).get(self.week_url(WEEK, "week_table", "csv")).content.decode("utf-8-sig")
        header, first = csv.splitlines()[1:3] if csv.startswith("Vecka") else csv.splitlines()[:2]
        self.assertIn("justerat p-värde mot fyra veckor", header)
        cells = first.split(";")
        columns = header.split(";")

        # The unadjusted p where it always was, the adjusted one beside it.
        def number(column: str) -> float:  # the CSV writes Swedish decimal commas
            return float(cells[columns.index(column)].replace(",", "."))

        self.assertEqual(number("p-värde mot fyra veckor"), round(total.p_value, 4))
        self.assertEqual(number("justerat p-värde mot fyra veckor"), round(total.p_adjusted, 4))
        self.assertNotEqual(total.p_value, total.p_adjusted)

    def test_it_leaves_out_unreviewed_rejected_and_merged_reports(self) -> None:
        self.report(at(WEEK), status=S.MOTTAGEN, n=2)
        self.report(at(WEEK), status=S.AVVISAD)
        [merged] = self.report(at(WEEK))
        merged.duplicate_of = Incident.objects.filter(partnership=self.partnership_a).exclude(pk=merged.pk).first()
        merged.save(update_fields=["duplicate_of"])
        self.report(at(WEEK.shifted(1), day=0, hour=0))  # Monday 00:00 of the next week
        picture = compile_week(self.partnership_a, 2026, 10, precise=True)
        self.assertEqual(picture.total.this, 13)

    def test_it_finds_repeat_places_and_hot_spots(self) -> None:
        # 15 reports at the centre and 4 scattered are too few for a hot-spot claim (below 30; with z > 1.96 and no
        # correction the centre was a hot spot): 12 more single reports 2 km or more apart make 31.
        for point in SCATTERED:
            self.report(at(WEEK.shifted(-1)), point=point)
        self.assertEqual(compile_week(self.partnership_a, 2026, 10, precise=True).hotspots.reason, "too_few_points")
        for point in BACKGROUND:
            self.report(at(WEEK.shifted(-2)), point=point)
        for precise in (True, False):
            picture = compile_week(self.partnership_a, 2026, 10, precise=precise)
            self.assertEqual(len(picture.repeat_places), 1)
            self.assertEqual((picture.repeat_places[0].this_week, picture.repeat_places[0].four_weeks), (12, 15))
            self.assertTrue(picture.hotspots.precise)
            self.assertEqual(picture.hotspots.points, 31)
            hottest = picture.hot_cells[0]
            self.assertLess(hottest.p_adjusted, 0.05)
            distance = places.distance_m(places.LatLng(hottest.lat, hottest.lng), places.LatLng(*CENTRE))
            self.assertLess(distance, 2 * picture.hotspot_cell_m)
            # Only the centre's cluster is hot: no cell with a single report of the background.
            self.assertEqual({cell.count for cell in picture.hot_cells}, {15})

    def test_it_counts_by_area_with_the_rest_as_no_area(self) -> None:
        district = Area.objects.create(
            code="0586-D-9",
            name="Centrum",
            kind=Area.Kind.DISTRICT,
            parent=self.kommun_a,
            geometry=square(*CENTRE, 0.003),
            bbox=[CENTRE[1] - 0.003, CENTRE[0] - 0.003, CENTRE[1] + 0.003, CENTRE[0] + 0.003],
        )
        self.report(at(WEEK), n=2)
        self.report(at(WEEK), point=SCATTERED[0])
        rows = {row.key: row for row in compile_week(self.partnership_a, 2026, 10, precise=False).areas}
        self.assertEqual(rows[district.code].this, 2)
        self.assertEqual(rows["ingen"].this, 14)

    def test_it_reads_the_week_in_a_fixed_number_of_queries(self) -> None:
        with self.assertNumQueries(8):
            compile_week(self.partnership_a, 2026, 10, precise=False)
        self.report(at(WEEK), n=20)
        self.report(at(WEEK.shifted(-2)), "ordning.brak", n=10, point=SCATTERED[1])
        with self.assertNumQueries(8):
            compile_week(self.partnership_a, 2026, 10, precise=True)


class WeekPageTest(EstCase):
    def setUp(self) -> None:
        self.report(at(WEEK), n=3, point=EXACT)

    @time_machine.travel(datetime(2026, 3, 11, 9, 0, tzinfo=STOCKHOLM), tick=False)
    def test_it_redirects_to_this_week(self) -> None:
        response = self.client_for(self.viewer).get(reverse("est_weekly:week_current", args=["mjolby"]))
        self.assertRedirects(response, self.week_url(Week(2026, 11)), fetch_redirect_response=False)

    def test_it_shows_a_viewer_only_generalised_places(self) -> None:
        response = self.client_for(self.viewer).get(self.week_url())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertNotIn(str(EXACT[0]), html)
        self.assertNotIn(str(EXACT[1]), html)
        self.assertContains(response, "generaliserade till rutor om 250 meter")
        self.assertContains(response, 'id="week-map-data"')
        self.assertNotContains(response, "bedomning/")

    def test_it_shows_the_samordnare_exact_places(self) -> None:
        response = self.client_for(self.samordnare).get(self.week_url())
        self.assertContains(response, str(EXACT[0]))
        self.assertContains(response, str(EXACT[1]))
        self.assertContains(response, "bedomning/")

    def test_it_shows_polisens_events_of_the_week_marked_as_theirs(self) -> None:
        def event(source_id: str, when: datetime, kind: str) -> Event:
            return Event.objects.create(
                source_id=source_id,
                occurred_at=when,
                name=f"{kind}, Mjölby",
                type=kind,
                location_name="Mjölby",
                lat=58.3247,
                lng=15.1296,
                area=self.kommun_a,
            )

        event("1", at(WEEK, day=4), "Skadegörelse")
        event("2", at(WEEK.shifted(-1)), "Rattfylleri")
        response = self.client_for(self.viewer).get(self.week_url())
        self.assertContains(response, "Källa: Polisen")
        self.assertContains(response, "<strong>Skadegörelse</strong>", html=False)
        self.assertNotContains(response, "Rattfylleri")
        picture = compile_week(self.partnership_a, 2026, 10, precise=False)
        self.assertEqual([e.type for e in picture.police_events], ["Skadegörelse"])

    def test_it_makes_no_hot_spot_claim_from_few_reports(self) -> None:
        # 3 reports in one place and 3 scattered, 6 in all: the page said "fler … än slumpen förklarar" was the test;
        # now it says why no claim is made.
        for point in SCATTERED[:3]:
            self.report(at(WEEK.shifted(-1)), point=point)
        response = self.client_for(self.samordnare).get(self.week_url())
        self.assertContains(response, "Bara 6 rapporter med plats de fyra senaste veckorna. Med färre än 30 går det")
        self.assertNotContains(response, "Rutorna markerade som heta punkter")
        # The week's PDF says the same instead of a bare "Inga heta punkter".
        pdf = PdfReader(io.BytesIO(self.client_for(self.samordnare).get(self.week_url(WEEK, "week_pdf")).content))
        text = " ".join(" ".join((page.extract_text() or "") for page in pdf.pages).split())
        self.assertIn("Bara 6 rapporter med plats de fyra senaste veckorna.", text)

    def test_it_says_what_the_hot_spot_map_shows(self) -> None:
        self.report(at(WEEK.shifted(-1)), n=17, point=EXACT)
        for point in BACKGROUND:
            self.report(at(WEEK.shifted(-2)), point=point)
        response = self.client_for(self.samordnare).get(self.week_url())
        tested = response.context["picture"].hotspots.tested
        self.assertContains(
            response,
            "Rutorna markerade som heta punkter har fler rapporter än en slumpmässig fördelning av samma antal skulle "
            f"ge, även när hänsyn tas till att kartan prövar {tested} rutor.",
        )
        self.assertContains(response, "Justerat p-värde")
        pdf = PdfReader(io.BytesIO(self.client_for(self.samordnare).get(self.week_url(WEEK, "week_pdf")).content))
        text = " ".join(" ".join((page.extract_text() or "") for page in pdf.pages).split())
        self.assertIn("justerat p-värde", text)
        self.assertIn(f"även när hänsyn tas till att kartan prövar {tested} rutor", text)

    def test_it_links_the_weeks_before_and_after(self) -> None:
        response = self.client_for(self.viewer).get(self.week_url())
        self.assertContains(response, self.week_url(WEEK.shifted(-1)))
        self.assertContains(response, self.week_url(WEEK.shifted(1)))

    def test_it_answers_404_for_a_week_that_does_not_exist(self) -> None:
        client = self.client_for(self.samordnare)
        for year, week in ((2025, 60), (2025, 53), (2026, 0)):
            url = reverse("est_weekly:week", args=["mjolby", year, week])
            self.assertEqual(client.get(url).status_code, 404)
        self.assertEqual(client.get(self.week_url(Week(2026, 53))).status_code, 200)

    def test_it_is_for_members_only(self) -> None:
        self.assertEqual(self.client_for(self.samordnare_b).get(self.week_url()).status_code, 404)
        self.assertEqual(self.client_for(None).get(self.week_url()).status_code, 302)
        self.assertEqual(self.client_for(self.reporter).get(self.week_url()).status_code, 200)

    def test_it_reads_the_page_in_a_fixed_number_of_queries(self) -> None:
        client = self.client_for(self.samordnare)
        client.get(self.week_url())
        with self.assertNumQueries(12):
            client.get(self.week_url())
        self.report(at(WEEK), n=15, point=SCATTERED[2])
        with self.assertNumQueries(12):
            client.get(self.week_url())

    def test_open_actions_with_an_area_cost_no_query_each(self) -> None:
        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        meeting = do_create_meeting(access, actor=self.samordnare, iso_year=2026, iso_week=10, held_on=WEEK.monday)
        district = Area.objects.create(code="0586-centrum", name="Centrum", kind="distrikt", parent=self.kommun_a)

        def decide(what: str) -> None:
            place = MeasurePlace(area=district)
            do_create_measure(
                access, meeting, actor=self.samordnare, what=what, organisation=self.kommun_org_a, place=place
            )

        decide("Belysning")
        client = self.client_for(self.samordnare)
        client.get(self.week_url())
        with self.assertNumQueries(12):
            self.assertContains(client.get(self.week_url()), "Centrum")
        decide("Klotterplank")
        decide("Trygghetsvandring")
        with self.assertNumQueries(12):
            client.get(self.week_url())


class WeekNoteTest(EstCase):
    def test_the_samordnare_writes_the_assessment(self) -> None:
        url = self.week_url(WEEK, "week_note")
        response = self.client_for(self.samordnare).post(url, {"text": "Mer klotter vid stationen."})
        self.assertRedirects(response, self.week_url() + "#note-heading", fetch_redirect_response=False)
        note = WeekNote.objects.get(partnership=self.partnership_a, iso_year=2026, iso_week=10)
        self.assertEqual(note.text, "Mer klotter vid stationen.")
        self.assertTrue(AuditEvent.objects.filter(action="est.week_note.save", object_id=str(note.pk)).exists())
        self.assertContains(self.client_for(self.viewer).get(self.week_url()), "Mer klotter vid stationen.")

    def test_it_refuses_personal_data_in_the_assessment(self) -> None:
        url = self.week_url(WEEK, "week_note")
        response = self.client_for(self.samordnare).post(url, {"text": "Ring 070-123 45 67"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "telefonnummer", status_code=400)
        self.assertFalse(WeekNote.objects.exists())

    def test_only_editors_write_the_assessment(self) -> None:
        url = self.week_url(WEEK, "week_note")
        for user, status in ((self.viewer, 403), (self.reporter, 403), (self.samordnare_b, 404)):
            self.assertEqual(self.client_for(user).post(url, {"text": "x"}).status_code, status)
        self.assertEqual(self.client_for(self.polis).get(url).status_code, 405)
        self.assertFalse(WeekNote.objects.exists())


class WeekExportTest(EstCase):
    def setUp(self) -> None:
        self.report(at(WEEK), n=2)
        [self.rejected] = self.report(at(WEEK), status=S.AVVISAD, description="Ingen händelse")

    def test_the_week_downloads_as_pdf_csv_and_excel(self) -> None:
        client = self.client_for(self.viewer)
        pdf = client.get(self.week_url(WEEK, "week_pdf"))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        csv = client.get(self.week_url(WEEK, "week_table", "csv")).content.decode("utf-8-sig")
        self.assertIn("skadegorelse.klotter", csv)
        self.assertIn("huvudkategori;skadegorelse;Skadegörelse;2;0", csv)
        sheet = load_workbook(io.BytesIO(client.get(self.week_url(WEEK, "week_table", "xlsx")).content)).active
        assert sheet is not None
        self.assertEqual(sheet["A2"].value, "totalt")
        self.assertEqual(sheet["D2"].value, 2)
        self.assertEqual(client.get(self.week_url(WEEK, "week_table", "docx")).status_code, 404)

    def test_the_week_pdf_is_tagged_with_title_and_language(self) -> None:
        with self.assertNoLogs("weasyprint", level="INFO"):
            pdf = self.client_for(self.viewer).get(self.week_url(WEEK, "week_pdf")).content
        title = f"Veckans lägesbild, vecka {WEEK.week} {WEEK.year}"
        self.assertEqual(pdf_accessibility_problems(pdf, title=title), [])
        self.assertIn("Karta över veckans rapporter", pdf_figures(pdf))

    def test_reviewers_export_every_report_with_its_lifecycle(self) -> None:
        url = reverse("est_weekly:incidents_export", args=["mjolby", "csv"])
        response = self.client_for(self.samordnare).get(url)
        self.assertEqual(response.status_code, 200)
        lines = response.content.decode("utf-8-sig").splitlines()
        header = lines[0].split(";")
        for column in (
            "occurred_at",
            "reported_at",
            "reviewed_at",
            "action_decided_at",
            "resolved_at",
            "closed_at",
            "rejected_at",
            "merged_at",
            "updated_at",
            "reporting_organisation",
            "duplicate_of",
            "description",
        ):
            self.assertIn(column, header)
        self.assertEqual(len(lines), 4)
        rejected = next(line.split(";") for line in lines[1:] if line.startswith(f"{self.rejected.pk};"))
        self.assertEqual(rejected[header.index("status")], "avvisad")
        self.assertEqual(rejected[header.index("rejected_at")], "2026-03-04 14:00:00+01:00")
        self.assertEqual(rejected[header.index("reviewed_at")], "")
        self.assertEqual(rejected[header.index("reporting_organisation")], "Bostadsbolaget i Mjölby AB")
        self.assertEqual(rejected[header.index("main_category_code")], "skadegorelse")
        text = response.content.decode("utf-8-sig")
        self.assertNotIn("rapportor@a.example", text)
        self.assertNotIn("Rut Rapportör", text)

    def test_the_export_opens_in_excel_and_filters_by_date(self) -> None:
        self.report(at(WEEK.shifted(-3)))
        url = reverse("est_weekly:incidents_export", args=["mjolby", "xlsx"])
        response = self.client_for(self.polis).get(url, {"fran": "2026-03-02", "till": "2026-03-08"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        self.assertEqual(sheet["A1"].value, "id")
        self.assertEqual(sheet.max_row, 4)
        bad = self.client_for(self.polis).get(url, {"fran": "2 mars"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("fran", bad.content.decode())

    def test_only_reviewers_export_reports(self) -> None:
        url = reverse("est_weekly:incidents_export", args=["mjolby", "csv"])
        for user, status in ((self.viewer, 403), (self.reporter, 403), (self.samordnare_b, 404), (None, 302)):
            self.assertEqual(self.client_for(user).get(url).status_code, status)

    def test_the_export_reads_in_a_fixed_number_of_queries(self) -> None:
        url = reverse("est_weekly:incidents_export", args=["mjolby", "csv"])
        client = self.client_for(self.samordnare)
        client.get(url)
        with self.assertNumQueries(5):
            client.get(url)
        self.report(at(WEEK), n=10, point=SCATTERED[0])
        with self.assertNumQueries(5):
            client.get(url)


class AreaAnalysisTest(EstCase):
    def setUp(self) -> None:
        self.district = Area.objects.create(
            code="0586-D-9",
            name="Centrum",
            kind=Area.Kind.DISTRICT,
            parent=self.kommun_a,
            geometry=square(*CENTRE, 0.003),
            bbox=[CENTRE[1] - 0.003, CENTRE[0] - 0.003, CENTRE[1] + 0.003, CENTRE[0] + 0.003],
        )
        march = datetime(2026, 3, 10, 12, tzinfo=STOCKHOLM)
        self.report(march, n=12)  # Centrum, 2026K1
        self.report(march - timedelta(days=91), n=2)  # Centrum, 2025K4
        self.report(march, n=3, point=SCATTERED[0])  # the rest of the kommun
        self.report(march - timedelta(days=91), n=3, point=SCATTERED[0])

    def test_it_ranks_the_areas_that_rose(self) -> None:
        response = self.client_for(self.viewer).get(
            reverse("est_weekly:analysis", args=["mjolby"]), {"period": "2026K1"}
        )
        self.assertEqual(response.status_code, 200)
        rows = response.context["result"].rows
        self.assertEqual([row.label for row in rows], ["Centrum", "Inget delområde (bara kommunen)"])
        centrum = rows[0]
        self.assertEqual((centrum.this, centrum.previous, centrum.year_earlier), (12, 2, 0))
        # 12 against 2 over 90 and 92 days. With fewer than five quarters of history the assumed yearly φ = 6.5
        # applies: the likelihood-ratio statistic over φ against χ²(1) (scipy), p ≈ 0.24, no longer a rise.
        self.assertAlmostEqual(centrum.vs_previous.rate_ratio or 0, (12 / 90) / (2 / 92))
        m12 = 14 * 90 / 182
        deviance = 2 * (12 * math.log(12 / m12) + 2 * math.log(2 / (14 - m12)))
        self.assertAlmostEqual(centrum.vs_previous.p_value or 0, chi2.sf(deviance / 6.5, 1))
        self.assertEqual(centrum.vs_previous.label, "ingen tydlig förändring")
        self.assertEqual((rows[1].this, rows[1].previous, rows[1].vs_previous.label), (3, 3, "ingen tydlig förändring"))
        self.assertContains(response, "Först områden där antalet har ökat tydligt")
        self.assertContains(response, "Tabellen prövar 4 jämförelser på en gång")

    def test_it_explains_a_period_it_cannot_read(self) -> None:
        url = reverse("est_weekly:analysis", args=["mjolby"])
        for period in ("2026K7", "2099"):
            response = self.client_for(self.viewer).get(url, {"period": period})
            self.assertContains(response, "Perioden: ange", status_code=400)
        self.assertEqual(self.client_for(self.samordnare_b).get(url).status_code, 404)


NO_DATA = "ingen jämförelse (inga data)"
THIS_WEEK = Week(2026, 11)  # 9 to 15 March 2026: the clock of the class below stands on its Monday
STARTED_WEEK = THIS_WEEK.shifted(-3)  # week 8: the first report came on its Monday, three weeks ago


class NoDataBeforeEstStartedTest(EstCase):
    """Mjölby's EST started three weeks ago: the weeks before it and last year's have no data, which is not zero."""

    def setUp(self) -> None:
        # Each test, not the class: EstCase's own clock, started when the class is set up, would win over a class's.
        clock = time_machine.travel(datetime(2026, 3, 9, 10, tzinfo=STOCKHOLM), tick=False)
        clock.start()
        self.addCleanup(clock.stop)
        EstSettings.objects.filter(partnership=self.partnership_a).update(started_on=None)
        self.report(at(STARTED_WEEK, day=0, hour=8))  # the first report ever, on Monday 16 February
        self.report(at(WEEK.shifted(-1)))
        self.report(at(WEEK), n=12)

    def recorded_start(self, day: date) -> None:
        EstSettings.objects.filter(partnership=self.partnership_a).update(started_on=day)

    def assert_no_change_claimed(self, page: Any) -> None:
        verdicts = re.findall(r'class="verdict verdict-([a-z_]*)">([^<]*)<', page.content.decode())
        self.assertTrue(verdicts)
        self.assertEqual({code for code, _label in verdicts}, {"inga_data"})
        self.assertEqual({label for _code, label in verdicts}, {NO_DATA})

    def test_the_week_says_no_data_against_the_four_weeks_before_and_last_year(self) -> None:
        response = self.client_for(self.viewer).get(self.week_url(WEEK))
        total = response.context["picture"].total
        self.assertEqual((total.this, total.last_week, total.four_week_sum, total.last_year), (12, 1, None, None))
        self.assertEqual((total.verdict, total.vs_last_year.verdict), ("inga_data", "inga_data"))
        self.assertContains(response, f'<span class="verdict verdict-inga_data">{NO_DATA}</span>', html=True)
        self.assertContains(response, "EST startade 16 februari 2026.")
        self.assert_no_change_claimed(response)

    def test_a_recorded_earlier_start_gives_the_weeks_data_again(self) -> None:
        self.recorded_start(date(2025, 1, 1))
        total = self.client_for(self.viewer).get(self.week_url(WEEK)).context["picture"].total
        # The same counts read with data: twelve against one in four weeks and none last year is a rise.
        self.assertEqual((total.four_week_sum, total.last_year), (2, 0))
        self.assertEqual((total.verdict_label, total.vs_last_year.label), ("ökning", "ökning"))

    def test_a_week_before_the_start_has_no_data_at_all(self) -> None:
        picture = compile_week(self.partnership_a, STARTED_WEEK.year, STARTED_WEEK.week - 1, precise=True)
        self.assertEqual((picture.total.verdict, picture.total.vs_last_year.verdict), ("inga_data", "inga_data"))
        self.assertTrue(picture.before_start)

    def test_the_downloads_say_no_data(self) -> None:
        client = self.client_for(self.viewer)
        csv = client.get(self.week_url(WEEK, "week_table", "csv")).content.decode("utf-8-sig")
        self.assertIn(f"totalt;total;Alla rapporter;12;1;;;{NO_DATA};;;{NO_DATA}", csv)
        cells = {cell for line in csv.splitlines() for cell in line.split(";")}
        self.assertFalse(cells & {"ökning", "minskning", "ingen tydlig förändring"})
        sheet = load_workbook(io.BytesIO(client.get(self.week_url(WEEK, "week_table", "xlsx")).content)).active
        assert sheet is not None
        self.assertEqual([sheet[f"{column}2"].value for column in "DEFHK"], [12, 1, None, NO_DATA, NO_DATA])
        pdf = PdfReader(io.BytesIO(client.get(self.week_url(WEEK, "week_pdf")).content))
        text = " ".join(" ".join((page.extract_text() or "") for page in pdf.pages).split())
        self.assertIn(f"Mot de fyra veckorna före: {NO_DATA}.", text)
        self.assertIn(f"Samma vecka i fjol: –, {NO_DATA}.", text)
        self.assertIn("EST startade 16 februari 2026.", text)
        self.assertNotIn("ökning", text.replace("Ökning eller minskning sägs bara", ""))

    def test_the_area_analysis_says_no_data_before_the_start(self) -> None:
        access = PartnershipAccess(self.partnership_a, frozenset({"samordnare"}))
        meeting = do_create_meeting(access, actor=self.samordnare, iso_year=2026, iso_week=10, held_on=WEEK.monday)
        place = MeasurePlace("Stationen", *CENTRE)
        do_create_measure(
            access, meeting, actor=self.samordnare, what="Belysning", organisation=self.kommun_org_a, place=place
        )
        url = reverse("est_weekly:analysis", args=["mjolby"])
        client = self.client_for(self.viewer)
        response = client.get(url, {"period": "2026K1"})  # began on 1 January, before the EST
        [row] = response.context["result"].rows
        self.assertEqual((row.this, row.previous, row.year_earlier), (14, None, None))
        self.assertEqual(
            (row.vs_previous.verdict, row.vs_year_earlier.verdict, row.rose), ("inga_data", "inga_data", False)
        )
        [found] = response.context["result"].effects
        # Eight weeks before the meeting reach back to 5 January, before the first report.
        self.assertEqual((found.effect.before, found.effect.after, found.effect.change), (None, 12, None))
        self.assertEqual(found.effect.comparison.verdict, "inga_data")
        self.assert_no_change_claimed(response)
        with self.assertNumQueries(8):
            client.get(url, {"period": "2026K1"})
        self.report(at(WEEK), n=5, point=SCATTERED[0])
        with self.assertNumQueries(8):
            client.get(url, {"period": "2026K1"})

    def test_the_est_start_is_read_without_another_query(self) -> None:
        client = self.client_for(self.samordnare)
        client.get(self.week_url(WEEK))
        with self.assertNumQueries(12):
            client.get(self.week_url(WEEK))

    def test_the_samordnare_records_an_earlier_start(self) -> None:
        url = reverse("est_review:settings", args=["mjolby"])
        data = {"duplicate_distance_m": 100, "duplicate_hours": 48, "grid_m": 250, "effect_radius_m": 300}
        data |= {"effect_weeks": 8}
        client = self.client_for(self.samordnare)
        future = client.post(url, {**data, "started_on": "2026-03-10"})
        self.assertEqual(future.status_code, 400)
        self.assertEqual(future.context["settings_form"].errors["started_on"], ["Datumet kan inte ligga i framtiden."])
        self.assertRedirects(client.post(url, {**data, "started_on": "2026-01-05"}), url + "#settings-heading")
        self.assertEqual(EstSettings.objects.get(partnership=self.partnership_a).started_on, date(2026, 1, 5))
        self.assertIn("started_on", AuditEvent.objects.get(action="est.settings.update").changes)
        total = self.client_for(self.viewer).get(self.week_url(WEEK)).context["picture"].total
        # The four weeks before began on or after 5 January; last year's week did not.
        self.assertEqual((total.four_week_sum, total.verdict_label), (2, "ökning"))
        self.assertEqual((total.last_year, total.vs_last_year.label), (None, NO_DATA))


# Moments where a week is easy to get wrong: the nights the clocks change, the last minute of a Sunday, the turn
# of a 53-week year, a leap day. Each with this week, and the last complete week an EST meeting is about.
MOMENTS = [
    (datetime(2027, 3, 28, 1, 30, tzinfo=STOCKHOLM), Week(2027, 12), Week(2027, 11)),  # before the spring change
    (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), Week(2027, 12), Week(2027, 11)),  # 03:30 summer time, after it
    (datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM), Week(2026, 43), Week(2026, 42)),  # the first 02:30
    (datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=STOCKHOLM), Week(2026, 43), Week(2026, 42)),  # the second
    (datetime(2026, 3, 8, 23, 59, tzinfo=STOCKHOLM), Week(2026, 10), Week(2026, 9)),  # Sunday 23:59
    (datetime(2026, 3, 8, 23, 59, tzinfo=UTC), Week(2026, 11), Week(2026, 10)),  # 00:59 on Monday in Sweden
    (datetime(2026, 12, 31, 23, 59, tzinfo=STOCKHOLM), Week(2026, 53), Week(2026, 52)),  # New Year's Eve
    (datetime(2027, 1, 3, 23, 59, tzinfo=STOCKHOLM), Week(2026, 53), Week(2026, 52)),  # the last Sunday of week 53
    (datetime(2028, 2, 29, 12, 0, tzinfo=STOCKHOLM), Week(2028, 9), Week(2028, 8)),  # a leap day
]


class CalendarWeekTest(EstCase):
    def test_this_week_and_the_meetings_week_are_local_calendar_weeks(self) -> None:
        for moment, this_week, meeting_week in MOMENTS:
            with self.subTest(moment.isoformat()), time_machine.travel(moment, tick=False):
                client = self.client_for(self.samordnare)  # signed in then, or the session would have expired
                self.assertEqual(last_complete_week(timezone.localdate()), meeting_week)
                response = client.get(reverse("est_weekly:week_current", args=["mjolby"]))
                self.assertRedirects(response, self.week_url(this_week), fetch_redirect_response=False)
                form = client.get(reverse("est_meetings:meeting_create", args=["mjolby"])).context["form"]
                self.assertEqual(
                    (form.initial["iso_year"], form.initial["iso_week"], form.initial["held_on"]),
                    (meeting_week.year, meeting_week.week, moment.astimezone(STOCKHOLM).date()),
                )
                index = client.get(reverse("est:index", args=["mjolby"]))
                self.assertEqual((index.context["year"], index.context["week"]), (this_week.year, this_week.week))

    def test_a_week_with_a_change_of_clock_is_167_or_169_hours_and_ends_on_sunday_at_midnight(self) -> None:
        spring, autumn = Week(2027, 12), Week(2026, 43)
        # Real hours: subtracting two datetimes of the same zone would count wall-clock hours (168 both times).
        self.assertEqual((spring.end.timestamp() - spring.start.timestamp()) / 3600, 167)
        self.assertEqual((autumn.end.timestamp() - autumn.start.timestamp()) / 3600, 169)
        last_minute = datetime(2027, 3, 28, 23, 59, tzinfo=STOCKHOLM)
        self.assertAlmostEqual(spring.elapsed(last_minute), (167 * 60 - 1) / (167 * 60))
        self.assertEqual(spring.elapsed(datetime(2027, 3, 29, 0, 0, tzinfo=STOCKHOLM)), 1)
        # Halfway through the autumn week in hours is 84.5 hours after Monday 00:00.
        self.assertAlmostEqual(autumn.elapsed(autumn.start + timedelta(hours=84.5)), 0.5)

    def test_reports_count_in_the_local_week_they_happened_in(self) -> None:
        first = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM)
        second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=STOCKHOLM)
        self.assertEqual(second.timestamp() - first.timestamp(), 3600)
        moments = [
            first,
            second,
            datetime(2026, 10, 25, 23, 59, tzinfo=STOCKHOLM),  # Sunday, last minute: week 43
            datetime(2026, 10, 26, 0, 0, tzinfo=STOCKHOLM),  # Monday: week 44
            datetime(2026, 10, 18, 23, 59, tzinfo=STOCKHOLM),  # the Sunday before: week 42
            datetime(2027, 3, 28, 23, 59, tzinfo=STOCKHOLM),  # week 12 2027
        ]
        for moment in moments:
            self.report(moment)
        with time_machine.travel(datetime(2027, 3, 28, 23, 59, tzinfo=STOCKHOLM), tick=False):
            counts = {
                week: compile_week(self.partnership_a, week.year, week.week, precise=True).total.this
                for week in (Week(2026, 42), Week(2026, 43), Week(2026, 44), Week(2027, 12))
            }
            this_week = compile_week(self.partnership_a, 2027, 12, precise=True)
        self.assertEqual(counts, {Week(2026, 42): 1, Week(2026, 43): 3, Week(2026, 44): 1, Week(2027, 12): 1})
        self.assertTrue(this_week.under_way)
